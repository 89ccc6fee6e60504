//! The external programs: `netconvert` and `sumo` (Eclipse SUMO), `osmium` (PBF to XML).
//! They are looked up on PATH once, before any work, so a machine without SUMO learns how
//! to install it instead of failing half-way.

use crate::error::SimError;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The programs found on PATH.
#[derive(Debug, Clone)]
pub struct Tools {
    pub sumo: PathBuf,
    pub netconvert: PathBuf,
    /// Only needed when the extract is PBF (netconvert reads OSM XML only).
    pub osmium: Option<PathBuf>,
    /// SUMO's data folder, handed to the tools as SUMO_HOME when the environment lacks it
    /// (without it every run warns that XML validation will fail).
    pub sumo_home: Option<PathBuf>,
}

/// `name` in one of PATH's folders, if it is an executable file there.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

impl Tools {
    /// Find the tools; `need_osmium` when the extract is PBF.
    pub fn locate(need_osmium: bool) -> Result<Tools, SimError> {
        let sumo = find_on_path("sumo");
        let netconvert = find_on_path("netconvert");
        let osmium = find_on_path("osmium");
        let mut missing: Vec<&str> = Vec::new();
        if sumo.is_none() {
            missing.push("`sumo`");
        }
        if netconvert.is_none() {
            missing.push("`netconvert`");
        }
        if need_osmium && osmium.is_none() {
            missing.push("`osmium` (to read the PBF extract)");
        }
        let (Some(sumo), Some(netconvert), true) = (sumo, netconvert, missing.is_empty()) else {
            let osmium = if need_osmium { " osmium-tool" } else { "" };
            return Err(SimError::MissingTools { tools: missing.join(" and "), osmium });
        };
        let sumo_home = std::env::var_os("SUMO_HOME").map(PathBuf::from).or_else(|| {
            // Debian puts the binaries in /usr/bin and the data in /usr/share/sumo.
            let prefix = sumo.parent()?.parent()?;
            let home = prefix.join("share/sumo");
            home.join("data").is_dir().then_some(home)
        });
        Ok(Tools { sumo, netconvert, osmium, sumo_home })
    }

    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        if std::env::var_os("SUMO_HOME").is_none()
            && let Some(home) = &self.sumo_home
        {
            c.env("SUMO_HOME", home);
        }
        c
    }

    /// The first line of `sumo --version` ("Eclipse SUMO sumo Version 1.15.0").
    pub fn version(&self, program: &Path, tool: &'static str) -> Result<String, SimError> {
        let out = run(self.command(program).arg("--version"), tool)?;
        Ok(out.lines().next().unwrap_or_default().trim().to_string())
    }
}

/// Run a command to completion; its standard output, or an error with the lines of its
/// standard error that say what went wrong.
pub fn run(command: &mut Command, tool: &'static str) -> Result<String, SimError> {
    let shown = format!(
        "{} {}",
        command.get_program().to_string_lossy(),
        command.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
    );
    let out = command.output().map_err(|e| SimError::ToolFailed {
        tool,
        status: "could not start".into(),
        detail: e.to_string(),
        command: shown.clone(),
    })?;
    if !out.status.success() {
        return Err(SimError::ToolFailed {
            tool,
            status: out.status.to_string(),
            detail: error_lines(&String::from_utf8_lossy(&out.stderr)),
            command: shown,
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// SUMO prints thousands of warnings on real networks; a failure is explained by its
/// `Error:` lines (else the last few lines).
fn error_lines(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("Error")).take(8).collect();
    if !errors.is_empty() {
        return errors.join("\n");
    }
    let lines: Vec<&str> = stderr.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_picked_out_of_warnings() {
        let stderr = "Warning: a\nWarning: b\nError: The network file 'x' is broken.\nQuitting (on error).\n";
        assert_eq!(error_lines(stderr), "Error: The network file 'x' is broken.");
        assert_eq!(error_lines("one\ntwo"), "one\ntwo");
    }

    #[test]
    fn path_lookup_finds_sh_and_not_nonsense() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("evac-no-such-tool-anywhere").is_none());
    }
}
