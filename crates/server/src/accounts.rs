//! Coordinators manage accounts: disable and enable, delete, reset a password (the new one
//! is shown once, in this answer only), end every session of an account. Each is audited
//! by the store in the same transaction as the change.

use crate::api::{ApiError, Caller, Shared, blocking};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

type ApiResult<T> = Result<T, ApiError>;

pub async fn disable(State(s): State<Shared>, c: Caller, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let store = s.store.clone();
    blocking(move || store.set_disabled(&c.actor(), &name, true)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable(State(s): State<Shared>, c: Caller, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let store = s.store.clone();
    blocking(move || store.set_disabled(&c.actor(), &name, false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<Shared>, c: Caller, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let store = s.store.clone();
    blocking(move || store.delete_user(&c.actor(), &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new password, shown once.
#[derive(Debug, Serialize)]
pub struct NewPassword {
    pub username: String,
    pub password: String,
}

pub async fn reset_password(
    State(s): State<Shared>,
    c: Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<NewPassword>> {
    let store = s.store.clone();
    let n = name.clone();
    let password = blocking(move || store.reset_password(&c.actor(), &n)).await?;
    Ok(Json(NewPassword { username: name, password }))
}

#[derive(Debug, Serialize)]
pub struct Ended {
    pub ended: u64,
}

pub async fn logout_all(State(s): State<Shared>, c: Caller, Path(name): Path<String>) -> ApiResult<Json<Ended>> {
    let store = s.store.clone();
    let ended = blocking(move || store.logout_all(&c.actor(), &name)).await?;
    Ok(Json(Ended { ended }))
}
