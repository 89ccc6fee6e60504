//! The operations web application: an axum HTTP API over the SQLite store, and the web UI.
//! See docs/operations.md.

pub mod api;
pub mod openapi;
pub mod state;
mod ui;

pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body accepted (a registration is a few hundred bytes).
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    use api::*;
    Router::new()
        .route("/api/session", post(login).delete(logout))
        .route("/api/me", get(me))
        .route("/api/scenario", get(scenario_info))
        .route("/api/settlements", get(settlements))
        .route("/api/settlements/{id}", get(settlement))
        .route("/api/centres", get(centres))
        .route("/api/households", get(list_households).post(register))
        .route("/api/households/{id}", get(get_household))
        .route("/api/households/{id}/events", post(event))
        .route("/api/orders", get(list_orders).post(issue_order))
        .route("/api/orders/draft", get(draft_order))
        .route("/api/orders/{n}", get(get_order))
        .route("/api/orders/{n}/print", get(print_order))
        .route("/api/plan", get(plan))
        .route("/api/plan/chart.svg", get(plan_chart))
        .route("/api/map/layers", get(layers))
        .route("/api/audit", get(audit))
        .route("/api/users", get(users).post(add_user))
        .route("/api/openapi.json", get(|| async { axum::Json(openapi::document()) }))
        .route("/api/{*rest}", get(not_found).post(not_found))
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
