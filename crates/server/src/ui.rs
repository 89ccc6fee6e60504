//! The web UI, embedded in the binary (no CDN, works offline).

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("../../../web/index.html")),
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../../web/app.js")),
    ("style.css", "text/css; charset=utf-8", include_bytes!("../../../web/style.css")),
    (
        "vendor/leaflet-1.9.4/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/leaflet.js"),
    ),
    (
        "vendor/leaflet-1.9.4/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/leaflet.css"),
    ),
    (
        "vendor/leaflet-1.9.4/images/layers.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/layers.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/layers-2x.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/layers-2x.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-icon.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-icon.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-icon-2x.png"),
    ),
    (
        "vendor/leaflet-1.9.4/images/marker-shadow.png",
        "image/png",
        include_bytes!("../../../web/vendor/leaflet-1.9.4/images/marker-shadow.png"),
    ),
];

fn serve(path: &str) -> Response {
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, mime, bytes)) => {
            ([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "no-cache")], *bytes).into_response()
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
