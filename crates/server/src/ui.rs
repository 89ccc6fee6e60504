//! The web UI, embedded in the binary (no CDN, works offline): web/index.html, the ES
//! modules in web/js/, the style sheet and vendored Leaflet, the web manifest and icons,
//! and the service worker at /sw.js (at the root, so that its scope is the whole app). The
//! Content-Type follows the file's extension (browsers refuse a module script not served
//! as JavaScript, and a service worker not served as JavaScript).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

macro_rules! web_files {
    ($($path:literal),+ $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../../web/", $path)))),+]
    };
}

/// Every file the UI loads, by its path under web/ (which is its URL path).
const FILES: &[(&str, &[u8])] = web_files![
    "index.html",
    "style.css",
    "manifest.webmanifest",
    "sw.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "js/main.js",
    "js/admin.js",
    "js/api.js",
    "js/centres.js",
    "js/dashboard.js",
    "js/dom.js",
    "js/households.js",
    "js/html.js",
    "js/i18n.js",
    "js/map.js",
    "js/order.js",
    "js/outbox.js",
    "js/picker.js",
    "js/plan.js",
    "js/register.js",
    "js/search.js",
    "js/settlement.js",
    "js/timeline.js",
    "js/translit.js",
    "js/trips.js",
    "vendor/leaflet-1.9.4/leaflet.js",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet-1.9.4/images/layers.png",
    "vendor/leaflet-1.9.4/images/layers-2x.png",
    "vendor/leaflet-1.9.4/images/marker-icon.png",
    "vendor/leaflet-1.9.4/images/marker-icon-2x.png",
    "vendor/leaflet-1.9.4/images/marker-shadow.png",
];

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn serve(path: &str) -> Response {
    match FILES.iter().find(|(p, _)| *p == path) {
        Some((p, bytes)) => {
            ([(header::CONTENT_TYPE, content_type(p)), (header::CACHE_CONTROL, "no-cache")], *bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub async fn index() -> Response {
    serve("index.html")
}

pub async fn asset(Path(path): Path<String>) -> Response {
    serve(&path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn files_under(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                files_under(&p, root, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }

    /// A module added to web/ but not here would be a 404 only the browser notices.
    #[test]
    fn every_web_file_is_served_with_its_type() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web");
        let mut on_disk = Vec::new();
        files_under(&root, &root, &mut on_disk);
        for f in on_disk
            .iter()
            .filter(|f| [".html", ".js", ".css", ".png", ".svg", ".webmanifest"].iter().any(|e| f.ends_with(e)))
        {
            assert!(FILES.iter().any(|(p, _)| p == f), "web/{f} is not embedded in ui.rs");
        }
        for (p, _) in FILES {
            assert_ne!(content_type(p), "application/octet-stream", "{p}");
        }
        assert_eq!(content_type("js/html.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("sw.js"), "text/javascript; charset=utf-8");
    }

    /// The service worker caches the app shell by name: every file it names is served, and
    /// every module and style sheet is in it (else the app would not open offline).
    #[test]
    fn the_service_worker_caches_the_app_shell() {
        let sw = std::str::from_utf8(FILES.iter().find(|(p, _)| *p == "sw.js").unwrap().1).unwrap();
        let shell = &sw[sw.find("const SHELL").unwrap()..sw.find("];").unwrap()];
        for name in shell.split('\'').skip(1).step_by(2) {
            let path = name.trim_start_matches('/');
            assert!(
                path.is_empty() || FILES.iter().any(|(p, _)| *p == path),
                "sw.js caches {name}, which is not served"
            );
        }
        for (p, _) in
            FILES.iter().filter(|(p, _)| p.starts_with("js/") || p.starts_with("vendor/") || *p == "style.css")
        {
            assert!(shell.contains(&format!("'/{p}'")), "sw.js does not cache /{p}");
        }
        let index = std::str::from_utf8(FILES.iter().find(|(p, _)| *p == "index.html").unwrap().1).unwrap();
        assert!(index.contains(r#"<link rel="manifest" href="/manifest.webmanifest">"#));
    }

    /// Every module the UI imports is embedded (imports are relative: './x.js').
    #[test]
    fn every_imported_module_is_served() {
        let index = std::str::from_utf8(FILES.iter().find(|(p, _)| *p == "index.html").unwrap().1).unwrap();
        assert!(index.contains(r#"<script type="module" src="/js/main.js"></script>"#));
        for (p, bytes) in FILES.iter().filter(|(p, _)| p.starts_with("js/")) {
            let text = std::str::from_utf8(bytes).unwrap();
            for spec in text.split("from './").skip(1) {
                let name = &spec[..spec.find('\'').unwrap()];
                assert!(FILES.iter().any(|(f, _)| *f == format!("js/{name}")), "{p} imports ./{name}");
            }
        }
    }
}
