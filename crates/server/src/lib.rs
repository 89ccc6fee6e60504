//! The operations web application: an axum HTTP API over the SQLite store, and the web UI.
//! See docs/operations.md.

pub mod api;
pub mod openapi;
pub mod routes;
pub mod state;
mod ui;

pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (a registration is a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The API from the route table ([`routes::ROUTES`]), then what is not API: a JSON 404 for
/// unknown API paths and the web UI's files.
pub fn router(state: Arc<AppState>) -> Router {
    routes::api_router(&state)
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .route("/", get(ui::index))
        .route("/{*path}", get(ui::asset))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Serve until Ctrl-C.
pub async fn serve(state: Arc<AppState>, bind: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
