//! The operations web application: an axum HTTP API over the SQLite store, and the web UI.
//! See docs/operations.md.

// The OpenAPI schemas are one json! literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod accounts;
pub mod api;
pub mod limits;
pub mod listen;
pub mod openapi;
pub mod pickup;
pub mod routes;
pub mod state;
pub mod trips;
mod ui;

pub use limits::Limits;
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

/// The router with the limits and security headers around it: what is served.
pub fn app(state: Arc<AppState>, limits: &Limits) -> Router {
    let guards = limits::Guards::new(limits.clone());
    router(state)
        .layer(axum::middleware::from_fn_with_state(guards, limits::guard))
        .layer(axum::middleware::from_fn(limits::security_headers))
}

/// Serve until SIGTERM or Ctrl-C, then let requests in flight finish.
pub async fn serve(state: Arc<AppState>, bind: SocketAddr, limits: Limits) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    serve_on(listener, state, limits, listen::termination()).await
}

/// Serve on a bound listener until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    listen::serve_app(listener, app(state, &limits), &limits, shutdown).await
}
