//! Usernames, people's names and passwords as the store accepts them.
//!
//! A username is compared as typed people mean it: NFKC-normalised (full-width and other
//! compatibility forms folded) and lower-cased; invisible and control characters are
//! refused, and so is a name that mixes scripts (`olеna` with a Cyrillic `е`). Beyond that,
//! a name whose look-alike key ([`username_key`]) equals an existing user's is refused, so
//! an all-Cyrillic `оlena` cannot pose as `olena` either.

use crate::StoreError;
use unicode_normalization::UnicodeNormalization;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid { field: field.into(), message: message.into() }
}

/// Characters that show nothing or steer the text around them: zero-width spaces and
/// joiners, direction marks and overrides, variation selectors, tags, fillers.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn script(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        _ => Script::Other,
    })
}

/// The username as stored and compared: NFKC, lower case; or why it is refused.
pub fn normalise_username(raw: &str) -> Result<String, StoreError> {
    if let Some(c) = raw.chars().find(|c| is_invisible(*c)) {
        return Err(invalid("username", format!("contains an invisible or control character (U+{:04X})", c as u32)));
    }
    let name: String = raw.trim().nfkc().collect::<String>().to_lowercase();
    let len = name.chars().count();
    if !(2..=64).contains(&len) || !name.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)) {
        return Err(invalid("username", "2-64 letters, digits, '.', '_' or '-'"));
    }
    let mut scripts = name.chars().filter_map(script);
    if let Some(first) = scripts.next()
        && let Some(other) = scripts.find(|s| *s != first)
    {
        return Err(invalid(
            "username",
            format!("mixes {first:?} and {other:?} letters (look-alike letters are refused): use one alphabet"),
        ));
    }
    Ok(name)
}

/// The look-alike key of a normalised username: letters that look the same in Latin,
/// Cyrillic and Greek, and the digits 0 and 1, folded to one letter. Two users may not
/// share a key.
pub fn username_key(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'а' | 'α' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ё' | 'ε' => 'e',
            'һ' => 'h',
            'і' | 'ї' | 'ι' | 'í' | 'l' | '1' | 'ӏ' | '|' => 'i',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'м' => 'm',
            'п' | 'η' => 'n',
            'о' | 'ο' | '0' | 'σ' => 'o',
            'р' | 'ρ' => 'p',
            'г' => 'r',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'у' | 'γ' => 'y',
            'υ' | 'μ' => 'u',
            'х' | 'χ' => 'x',
            'ν' => 'v',
            'ш' | 'ω' => 'w',
            '_' | '.' => '-',
            other => other,
        })
        .collect()
}

/// A person's name as stored: control and invisible characters removed, runs of white
/// space made one space, trimmed.
pub fn clean_name(raw: &str) -> String {
    let visible: String =
        raw.nfc().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !is_invisible(*c)).collect();
    visible.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (its hash is computed on every login).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The password policy: 10+ characters (up to 1 KiB), not only white space, at least four
/// different characters, not the username.
pub fn check_password(password: &str, username: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(invalid("password", format!("at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid("password", format!("at most {MAX_PASSWORD_BYTES} bytes")));
    }
    if password.trim().is_empty() {
        return Err(invalid("password", "must not be only spaces"));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(invalid("password", "use at least four different characters"));
    }
    let user = username.to_lowercase();
    let rest: String = password.to_lowercase().replace(&user, "").chars().filter(|c| c.is_alphanumeric()).collect();
    if !user.is_empty() && password.to_lowercase().contains(&user) && rest.chars().count() < 4 {
        return Err(invalid("password", "must not be (mostly) the username"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_width_and_case_and_refuse_tricks() {
        assert_eq!(normalise_username(" Olena ").unwrap(), "olena");
        assert_eq!(normalise_username("ＯＬＥＮＡ").unwrap(), "olena", "full-width letters fold");
        assert_eq!(normalise_username("Олена").unwrap(), "олена", "one script, Cyrillic, is fine");
        for bad in ["ol\u{200B}ena", "olena\u{202E}", "ol\u{0435}na", "o", "olena!", "a\tb", "ol\u{0000}ena"] {
            assert!(normalise_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn look_alikes_share_a_key() {
        assert_eq!(username_key("olena"), username_key("o1ena"));
        assert_eq!(username_key("орега"), username_key("opera"), "all-Cyrillic орега looks like opera");
        assert_eq!(username_key("olena"), username_key("оіепа"), "all-Cyrillic оіепа looks like olena");
        assert_ne!(username_key("olena"), username_key("taras"));
    }

    #[test]
    fn names_lose_control_and_invisible_characters() {
        assert_eq!(clean_name("  Коваленко\u{200B}  Олена\u{0007}\n"), "Коваленко Олена");
        assert_eq!(clean_name("\u{202E}evil"), "evil");
    }

    #[test]
    fn password_policy() {
        assert!(check_password("        ", "olena").is_err(), "8 spaces");
        assert!(check_password("          ", "olena").is_err(), "10 spaces");
        assert!(check_password("aaaaaaaaaaaa", "olena").is_err());
        assert!(check_password("olena-olena", "olena").is_err());
        assert!(check_password("Olena", "olena").is_err());
        assert!(check_password("short-1", "olena").is_err());
        assert!(check_password("a-long-passphrase", "olena").is_ok());
        assert!(check_password(&"x1".repeat(600), "olena").is_err());
    }
}
