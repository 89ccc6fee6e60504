//! HTTP API handlers, authentication and errors.

use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use evac_store::{Actor, EventKind, Need, NewHousehold, Role, StoreError, User};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub type Shared = Arc<AppState>;

/// An error answered as JSON: `{"error": "...", "fields": {...}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), fields: BTreeMap::new() }
    }
    fn invalid(fields: BTreeMap<String, String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, message: "invalid input".into(), fields }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.message});
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        let mut r = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("header"));
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            StoreError::Invalid { field, message } => ApiError::invalid(BTreeMap::from([(field, message)])),
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Run blocking store work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, StoreError> + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(ApiError::from)
}

/// The authenticated caller (from `Authorization: Bearer <token>`) and their address.
pub struct Caller {
    pub user: User,
    pub ip: Option<String>,
    pub token: String,
}

impl Caller {
    fn actor(&self) -> Actor {
        Actor::user(&self.user, self.ip.clone())
    }

    fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::new(StatusCode::FORBIDDEN, format!("a {} may not do this", self.user.role.as_str())))
        }
    }
}

pub const PERSONAL_DATA: &[Role] = &[Role::Registrar, Role::Coordinator];
pub const COORDINATORS: &[Role] = &[Role::Coordinator];

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "log in first: send Authorization: Bearer <token> (POST /api/session)",
                )
            })?
            .to_string();
        let store = state.store.clone();
        let t = token.clone();
        let user = blocking(move || store.session_user(&t)).await?.ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, "the session has expired or is unknown: log in again")
        })?;
        Ok(Caller { user, ip: client_ip(parts), token })
    }
}

/// The caller's address, for the audit log (none when not served over TCP).
pub struct ClientIp(pub Option<String>);

fn client_ip(parts: &Parts) -> Option<String> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

fn body<T>(r: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
    r.map(|Json(v)| v).map_err(|e| {
        let text = e.body_text();
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE || text.contains("length limit exceeded") {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is over {} bytes", crate::BODY_LIMIT),
            )
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, format!("the request body is not valid JSON for this call: {text}"))
        }
    })
}

// ---- session ----

#[derive(Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

pub async fn login(
    State(s): State<Shared>,
    ClientIp(ip): ClientIp,
    r: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let req = body(r)?;
    let store = s.store.clone();
    match blocking(move || store.login(&req.username, &req.password, 12, ip)).await? {
        Some((token, user)) => Ok(Json(json!({"token": token, "username": user.username, "role": user.role}))),
        None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong username or password")),
    }
}

pub async fn logout(State(s): State<Shared>, c: Caller) -> ApiResult<StatusCode> {
    let store = s.store.clone();
    blocking(move || store.logout(&c.actor(), &c.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(c: Caller) -> Json<Value> {
    Json(json!({"username": c.user.username, "role": c.user.role}))
}

// ---- aggregate status (every role) ----

fn settlement_rows(s: &AppState, counts: &std::collections::HashMap<String, evac_store::StatusCounts>) -> Vec<Value> {
    s.settlements
        .iter()
        .map(|st| {
            let c = counts.get(&st.id).cloned().unwrap_or_default();
            let out = c.departed + c.arrived;
            json!({
                "id": st.id, "name": st.name, "name_uk": st.name_uk, "hromada": st.hromada,
                "lat": st.lat, "lon": st.lon, "zone": st.zone, "distance_km": st.distance_km,
                "population": st.population, "households": c.households, "registered": c.registered,
                "departed": c.departed, "arrived": c.arrived, "refused": c.refused, "returned": c.returned,
                "remaining": u64::from(st.population).saturating_sub(out),
            })
        })
        .collect()
}

pub async fn settlements(State(s): State<Shared>, _c: Caller) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let counts = blocking(move || store.counts_by_settlement()).await?;
    Ok(Json(json!(settlement_rows(&s, &counts))))
}

pub async fn settlement(State(s): State<Shared>, _c: Caller, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let Some(&i) = s.settlement_index.get(&id) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no settlement {id} in this scenario")));
    };
    let store = s.store.clone();
    let counts = blocking(move || store.counts_by_settlement()).await?;
    let rows = settlement_rows(&s, &counts);
    Ok(Json(rows[i].clone()))
}

pub async fn centres(State(s): State<Shared>, _c: Caller) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let occ = blocking(move || store.occupancy()).await?;
    Ok(Json(json!(
        s.centres
            .iter()
            .map(|c| {
                let o = occ.get(&c.id).copied().unwrap_or(0);
                json!({"id": c.id, "name": c.name, "lat": c.lat, "lon": c.lon, "capacity": c.capacity, "occupancy": o,
                   "free": u64::from(c.capacity).saturating_sub(o)})
            })
            .collect::<Vec<_>>()
    )))
}

// ---- households (personal data) ----

#[derive(Deserialize)]
pub struct HouseholdQuery {
    pub settlement_id: Option<String>,
}

pub async fn list_households(
    State(s): State<Shared>,
    c: Caller,
    Query(q): Query<HouseholdQuery>,
) -> ApiResult<Json<Value>> {
    c.require(PERSONAL_DATA)?;
    let store = s.store.clone();
    let by = c.actor();
    let rows = blocking(move || store.view_households(&by, q.settlement_id.as_deref())).await?;
    Ok(Json(json!(rows)))
}

pub async fn get_household(State(s): State<Shared>, c: Caller, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    c.require(PERSONAL_DATA)?;
    let store = s.store.clone();
    let by = c.actor();
    let row = blocking(move || store.view_household(&by, id)).await?;
    Ok(Json(json!(row)))
}

pub async fn register(
    State(s): State<Shared>,
    c: Caller,
    r: Result<Json<RegisterRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    c.require(PERSONAL_DATA)?;
    let h = body(r)?;
    let mut fields = BTreeMap::new();
    if !s.settlement_index.contains_key(&h.settlement_id) {
        fields.insert("settlement_id".into(), format!("no settlement \"{}\" in this scenario", h.settlement_id));
    }
    let name_len = h.head_name.trim().chars().count();
    if name_len == 0 || name_len > 200 {
        fields.insert("head_name".into(), "expected the name of the head of household (1-200 characters)".into());
    }
    if !(1..=50).contains(&h.members) {
        fields.insert("members".into(), "expected between 1 and 50 people".into());
    }
    let needs: Vec<Need> = h.needs.iter().filter_map(|n| Need::parse(n)).collect();
    if let Some(bad) = h.needs.iter().find(|n| Need::parse(n).is_none()) {
        fields.insert("needs".into(), format!("unknown need \"{bad}\"; known: {}", Need::NAMES.join(", ")));
    }
    if let Some(p) = &h.phone
        && (p.chars().count() > 32 || !p.chars().all(|ch| ch.is_ascii_digit() || " +()-".contains(ch)))
    {
        fields.insert("phone".into(), "expected a phone number (digits, spaces, + ( ) -)".into());
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let store = s.store.clone();
    let by = c.actor();
    let h = NewHousehold {
        settlement_id: h.settlement_id,
        head_name: h.head_name,
        members: h.members,
        needs,
        phone: h.phone,
    };
    let registered = blocking(move || store.register(&by, h)).await?;
    Ok((StatusCode::CREATED, Json(json!(registered))))
}

/// A registration as sent: names are checked here, so that every bad field is reported.
#[derive(Deserialize)]
pub struct RegisterRequest {
    pub settlement_id: String,
    pub head_name: String,
    pub members: u32,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Deserialize)]
pub struct EventRequest {
    pub kind: String,
    #[serde(default)]
    pub centre_id: Option<String>,
}

pub async fn event(
    State(s): State<Shared>,
    c: Caller,
    Path(id): Path<i64>,
    r: Result<Json<EventRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    c.require(PERSONAL_DATA)?;
    let e = body(r)?;
    let mut fields = BTreeMap::new();
    let kind = EventKind::parse(&e.kind);
    if kind.is_none() {
        fields.insert("kind".into(), format!("expected one of {}", EventKind::NAMES.join(", ")));
    }
    match (&e.centre_id, kind) {
        (None, Some(EventKind::Arrived)) => {
            fields.insert("centre_id".into(), "an arrival needs the reception centre's id".into());
        }
        (Some(cid), _) if !s.centres.iter().any(|c| &c.id == cid) => {
            fields.insert("centre_id".into(), format!("no reception centre \"{cid}\""));
        }
        _ => {}
    }
    if !fields.is_empty() {
        return Err(ApiError::invalid(fields));
    }
    let store = s.store.clone();
    let (by, kind) = (c.actor(), kind.expect("checked above"));
    let event_id = blocking(move || store.event(&by, id, kind, e.centre_id)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": event_id}))))
}

// ---- orders ----

pub async fn draft_order(State(s): State<Shared>, _c: Caller) -> Json<Value> {
    Json(json!(s.draft))
}

pub async fn list_orders(State(s): State<Shared>, _c: Caller) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    Ok(Json(json!(blocking(move || store.orders()).await?)))
}

pub async fn issue_order(State(s): State<Shared>, c: Caller) -> ApiResult<(StatusCode, Json<Value>)> {
    c.require(COORDINATORS)?;
    let store = s.store.clone();
    let state = s.clone();
    let body = serde_json::to_string(&s.draft).expect("order serialises");
    let t = s.draft.totals.ordered;
    let by = c.actor();
    let scope = format!(
        "all residents: mandatory within {} km, advisory within {} km",
        s.draft.mandatory_km, s.draft.advisory_km
    );
    let record =
        evac_store::OrderRecord { scope, settlements: i64::from(t.settlements), population: t.population as i64, body };
    let issued =
        blocking(move || store.issue_order(&by, record, Box::new(move |n, at| state.order_html(n, at)))).await?;
    Ok((StatusCode::CREATED, Json(json!(issued))))
}

pub async fn get_order(State(s): State<Shared>, _c: Caller, Path(n): Path<i64>) -> ApiResult<Json<Value>> {
    let store = s.store.clone();
    let (body, _) = blocking(move || store.order(n))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no order number {n}")))?;
    Ok(Json(serde_json::from_str(&body).unwrap_or(Value::Null)))
}

pub async fn print_order(State(s): State<Shared>, _c: Caller, Path(n): Path<i64>) -> ApiResult<Html<String>> {
    let store = s.store.clone();
    let (_, html) = blocking(move || store.order(n))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no order number {n}")))?;
    Ok(Html(html))
}

// ---- plan ----

pub async fn plan(State(s): State<Shared>, _c: Caller) -> Json<Value> {
    Json(json!({"car": s.plan_summary, "transit": s.transit_summary}))
}

pub async fn plan_chart(State(s): State<Shared>, _c: Caller) -> ApiResult<Response> {
    let svg = s.plan_chart.clone().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "no plan yet: run `evac plan` (or `evac up`) for this scenario")
    })?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

pub async fn layers(State(s): State<Shared>, _c: Caller) -> Response {
    ([(header::CONTENT_TYPE, "application/geo+json")], s.layers.clone()).into_response()
}

pub async fn scenario_info(State(s): State<Shared>, _c: Caller) -> Json<Value> {
    Json(json!({"name": s.scenario_name, "authority": s.authority, "illustrative": s.illustrative,
                "mandatory_km": s.draft.mandatory_km, "advisory_km": s.draft.advisory_km}))
}

// ---- coordinators ----

#[derive(Deserialize)]
pub struct AuditQuery {
    pub limit: Option<i64>,
}

pub async fn audit(State(s): State<Shared>, c: Caller, Query(q): Query<AuditQuery>) -> ApiResult<Json<Value>> {
    c.require(COORDINATORS)?;
    let store = s.store.clone();
    let limit = q.limit.unwrap_or(200).clamp(1, 5000);
    Ok(Json(json!(blocking(move || store.audit_log(limit)).await?)))
}

pub async fn users(State(s): State<Shared>, c: Caller) -> ApiResult<Json<Value>> {
    c.require(COORDINATORS)?;
    let store = s.store.clone();
    Ok(Json(json!(blocking(move || store.users()).await?)))
}

#[derive(Deserialize)]
pub struct NewUser {
    pub username: String,
    pub role: String,
    pub password: String,
}

pub async fn add_user(
    State(s): State<Shared>,
    c: Caller,
    r: Result<Json<NewUser>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    c.require(COORDINATORS)?;
    let u = body(r)?;
    let role = Role::parse(&u.role).ok_or_else(|| {
        ApiError::invalid(BTreeMap::from([(
            "role".to_string(),
            "expected coordinator, registrar or viewer".to_string(),
        )]))
    })?;
    let store = s.store.clone();
    let by = c.actor();
    let id = blocking(move || store.add_user(&by, &u.username, role, &u.password)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id}))))
}

pub async fn not_found(headers: HeaderMap) -> ApiError {
    let _ = headers;
    ApiError::new(StatusCode::NOT_FOUND, "no such API call: see /api/openapi.json")
}
