//! HTTP API handlers, the typed requests and responses, and errors. Who may call what is not
//! decided here: the route table ([`crate::routes`]) checks it before a handler runs.

use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use evac_store::{
    Actor, EventKind, LoginOutcome, Need, NewEvent, NewHousehold, PersonCounts, Progress, Role, StatusCounts,
    StoreError, User,
};
use evac_zone::Zone;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

pub type Shared = Arc<AppState>;

/// An error answered as JSON: `{"error": "...", "code": "...", "fields": {...}}`. The
/// `code` is stable (the UI translates by it); the text is for people and logs.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    #[serde(rename = "error")]
    pub message: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Seconds to wait before trying again (429, 503).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// Every `code` an error may carry (documented in the OpenAPI `Error` schema).
pub const ERROR_CODES: &[&str] = &[
    "invalid_input",
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "precondition_failed",
    "payload_too_large",
    "too_many_requests",
    "timeout",
    "unavailable",
    "internal",
    "transition_not_allowed",
    "already_in_status",
    "nothing_to_undo",
    "household_merged",
    "client_id_reused",
    "order_identical",
    "order_revoked",
    "merge_not_allowed",
];

/// The code of an error that has no more specific one.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PRECONDITION_FAILED => "precondition_failed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        _ => "internal",
    }
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), code: code_of(status), fields: BTreeMap::new(), retry_after: None }
    }
    pub fn coded(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, ..ApiError::new(status, message) }
    }
    pub(crate) fn invalid(fields: BTreeMap<String, String>) -> Self {
        ApiError::coded(StatusCode::BAD_REQUEST, "invalid_input", "invalid input").with_fields(fields)
    }
    fn with_fields(mut self, fields: BTreeMap<String, String>) -> Self {
        self.fields = fields;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.retry_after;
        let mut r = (status, Json(self)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("header"));
        }
        if let Some(s) = retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            StoreError::Rejected { code, message } => ApiError::coded(StatusCode::CONFLICT, code, message),
            StoreError::Precondition(m) => ApiError::new(StatusCode::PRECONDITION_FAILED, m),
            StoreError::Invalid { field, message } => ApiError::invalid(BTreeMap::from([(field, message)])),
            StoreError::TooMany { message, retry_after_s } => {
                ApiError { retry_after: Some(retry_after_s), ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, message) }
            }
            // Disk full, an I/O error, the database server gone: nothing was saved, and the
            // client may try again (its acknowledged writes are safe).
            e @ (StoreError::Unavailable(_) | StoreError::Refused(_) | StoreError::Contention(_)) => ApiError {
                retry_after: Some(5),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("{e}. Nothing of this request was saved; try again later."),
                )
            },
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// Run blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(ApiError::from)
}

/// The authenticated caller, put in the request by the route table's access check.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub ip: Option<String>,
    pub token: String,
}

impl Caller {
    pub(crate) fn actor(&self) -> Actor {
        Actor::user(&self.user, self.ip.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            // Only a public route has no access check; its handler must not ask who calls.
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "this call has no caller: it is public in the route table")
        })
    }
}

/// The caller's address, for the audit log (none when not served over TCP).
pub struct ClientIp(pub Option<String>);

pub(crate) fn client_ip(extensions: &Extensions) -> Option<String> {
    match extensions.get::<crate::limits::ClientAddr>() {
        Some(a) => Some(a.0.to_string()),
        None => extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(&parts.extensions)))
    }
}

pub(crate) fn body<T>(r: Result<Json<T>, JsonRejection>) -> ApiResult<T> {
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

fn created<T: Serialize>(value: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(value))
}

/// `{"id": ...}`: what a created household event or user is answered with.
#[derive(Debug, Serialize)]
pub struct Created {
    pub id: i64,
}

// ---- session ----

#[derive(Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize)]
pub struct Session {
    pub token: String,
    pub username: String,
    pub role: Role,
}

#[derive(Debug, Serialize)]
pub struct Me {
    pub username: String,
    pub role: Role,
}

pub async fn login(
    State(s): State<Shared>,
    ClientIp(ip): ClientIp,
    r: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Json<Session>> {
    let req = body(r)?;
    let store = s.store.clone();
    match blocking(move || store.login(&req.username, &req.password, 12, ip)).await? {
        LoginOutcome::LoggedIn { token, user } => Ok(Json(Session { token, username: user.username, role: user.role })),
        LoginOutcome::Refused => Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong username or password")),
    }
}

pub async fn logout(State(s): State<Shared>, c: Caller) -> ApiResult<StatusCode> {
    let store = s.store.clone();
    blocking(move || store.logout(&c.actor(), &c.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(c: Caller) -> Json<Me> {
    Json(Me { username: c.user.username, role: c.user.role })
}

// ---- aggregate status (every role) ----

#[derive(Debug, Serialize)]
pub struct SettlementRow {
    pub id: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub hromada: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub zone: Zone,
    pub distance_km: f64,
    pub population: u32,
    pub households: u64,
    pub registered: u64,
    pub checked_in: u64,
    pub boarded: u64,
    pub departed: u64,
    pub arrived: u64,
    pub refused: u64,
    pub unreachable: u64,
    pub returned: u64,
    /// Population minus the people on the way or arrived.
    pub remaining: u64,
}

fn settlement_row(s: &crate::state::SettlementInfo, counts: &HashMap<String, StatusCounts>) -> SettlementRow {
    let c = counts.get(&s.id).cloned().unwrap_or_default();
    SettlementRow {
        id: s.id.clone(),
        name: s.name.clone(),
        name_uk: s.name_uk.clone(),
        hromada: s.hromada.clone(),
        lat: s.lat,
        lon: s.lon,
        zone: s.zone,
        distance_km: s.distance_km,
        population: s.population,
        households: c.households,
        registered: c.registered,
        checked_in: c.checked_in,
        boarded: c.boarded,
        departed: c.departed,
        arrived: c.arrived,
        refused: c.refused,
        unreachable: c.unreachable,
        returned: c.returned,
        remaining: u64::from(s.population).saturating_sub(c.boarded + c.departed + c.arrived),
    }
}

pub async fn settlements(State(s): State<Shared>) -> ApiResult<Json<Vec<SettlementRow>>> {
    let store = s.store.clone();
    let counts = blocking(move || store.counts_by_settlement()).await?;
    Ok(Json(s.settlements.iter().map(|st| settlement_row(st, &counts)).collect()))
}

pub async fn settlement(State(s): State<Shared>, Path(id): Path<String>) -> ApiResult<Json<SettlementRow>> {
    let Some(&i) = s.settlement_index.get(&id) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no settlement {id} in this scenario")));
    };
    let store = s.store.clone();
    let counts = blocking(move || store.counts_by_settlement()).await?;
    Ok(Json(settlement_row(&s.settlements[i], &counts)))
}

#[derive(Debug, Serialize)]
pub struct CentreRow {
    pub id: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub capacity: u32,
    pub occupancy: u64,
    pub free: u64,
}

pub async fn centres(State(s): State<Shared>) -> ApiResult<Json<Vec<CentreRow>>> {
    let store = s.store.clone();
    let occ = blocking(move || store.occupancy()).await?;
    Ok(Json(centre_rows(&s, &occ)))
}

fn centre_rows(s: &AppState, occ: &HashMap<String, u64>) -> Vec<CentreRow> {
    {
        s.centres
            .iter()
            .map(|c| {
                let occupancy = occ.get(&c.id).copied().unwrap_or(0);
                CentreRow {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    lat: c.lat,
                    lon: c.lon,
                    capacity: c.capacity,
                    occupancy,
                    free: u64::from(c.capacity).saturating_sub(occupancy),
                }
            })
            .collect()
    }
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
) -> ApiResult<Json<Vec<evac_store::Household>>> {
    let store = s.store.clone();
    Ok(Json(blocking(move || store.view_households(&c.actor(), q.settlement_id.as_deref())).await?))
}

/// A household's version as an entity tag.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// The version an If-Match header names (`"v3"`, `W/"v3"`); `*` or none: any.
pub(crate) fn if_match(headers: &axum::http::HeaderMap) -> ApiResult<Option<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = v.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/").trim_matches('"').strip_prefix('v').and_then(|n| n.parse().ok()).map(Some).ok_or_else(
        || {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("If-Match {text:?}: expected the ETag of the household, like \"v3\""),
            )
        },
    )
}

pub async fn get_household(State(s): State<Shared>, c: Caller, Path(id): Path<i64>) -> ApiResult<Response> {
    let store = s.store.clone();
    let h = blocking(move || store.view_household(&c.actor(), id)).await?;
    Ok(([(header::ETAG, etag(h.version))], Json(h)).into_response())
}

/// A client's id for a write: 8-64 letters, digits or '-' (a UUID fits).
pub(crate) fn check_client_id(id: &Option<String>, fields: &mut BTreeMap<String, String>) {
    if let Some(id) = id
        && (!(8..=64).contains(&id.len()) || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        fields.insert("client_id".into(), "expected 8-64 letters, digits or '-' (a UUID)".into());
    }
}

/// Optional short text: at most `max` characters.
fn check_text(field: &str, v: &Option<String>, max: usize, fields: &mut BTreeMap<String, String>) {
    if v.as_ref().is_some_and(|t| t.chars().count() > max) {
        fields.insert(field.into(), format!("at most {max} characters"));
    }
}

/// A registration as sent. Names stay text here so that every bad field is reported at once
/// ([`RegisterRequest::check`]), not only the first one serde trips over.
#[derive(Deserialize)]
pub struct RegisterRequest {
    pub settlement_id: String,
    pub head_name: String,
    /// People in the household (`members` is accepted too, as sent by older clients).
    #[serde(alias = "members")]
    pub people: u32,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub cannot_walk: u32,
    #[serde(default)]
    pub needs_oxygen: u32,
    #[serde(default)]
    pub needs_bed: u32,
    #[serde(default)]
    pub needs_escort: u32,
    #[serde(default)]
    pub children: u32,
    #[serde(default)]
    pub pets: u32,
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub birth_year: Option<i64>,
    #[serde(default)]
    pub client_id: Option<String>,
}

impl RegisterRequest {
    /// The household to store, or a message per bad field.
    fn check(self, s: &AppState) -> ApiResult<NewHousehold> {
        let mut fields = BTreeMap::new();
        if !s.settlement_index.contains_key(&self.settlement_id) {
            fields.insert("settlement_id".into(), format!("no settlement \"{}\" in this scenario", self.settlement_id));
        }
        let name_len = evac_store::names::clean_name(&self.head_name).chars().count();
        if name_len == 0 || name_len > 200 {
            fields.insert("head_name".into(), "expected the name of the head of household (1-200 characters)".into());
        }
        if !(1..=50).contains(&self.people) {
            fields.insert("people".into(), "expected between 1 and 50 people".into());
        }
        let counts = PersonCounts {
            cannot_walk: self.cannot_walk,
            needs_oxygen: self.needs_oxygen,
            needs_bed: self.needs_bed,
            needs_escort: self.needs_escort,
            children: self.children,
            pets: self.pets,
        };
        for (field, n) in counts.people_fields() {
            if n > self.people {
                fields.insert(field.into(), format!("{n} is more than the household's {} people", self.people));
            }
        }
        if self.pets > 100 {
            fields.insert("pets".into(), "at most 100".into());
        }
        let mut needs = Vec::with_capacity(self.needs.len());
        for name in &self.needs {
            match Need::parse(name) {
                Some(need) => needs.push(need),
                None => {
                    fields
                        .insert("needs".into(), format!("unknown need \"{name}\"; known: {}", Need::NAMES.join(", ")));
                    break;
                }
            }
        }
        if let Some(p) = &self.phone
            && (p.chars().count() > 32 || !p.chars().all(|ch| ch.is_ascii_digit() || " +()-".contains(ch)))
        {
            fields.insert("phone".into(), "expected a phone number (digits, spaces, + ( ) -)".into());
        }
        check_text("document", &self.document, 40, &mut fields);
        let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
        if self.birth_year.is_some_and(|y| !(1900..=this_year).contains(&y)) {
            fields.insert("birth_year".into(), format!("expected a year between 1900 and {this_year}"));
        }
        check_client_id(&self.client_id, &mut fields);
        if !fields.is_empty() {
            return Err(ApiError::invalid(fields));
        }
        Ok(NewHousehold {
            settlement_id: self.settlement_id,
            head_name: self.head_name,
            members: self.people,
            needs,
            phone: self.phone,
            counts,
            document: self.document,
            birth_year: self.birth_year,
            client_id: self.client_id,
        })
    }
}

/// 201 for a new record, 200 for a retry that found the first one's.
pub(crate) fn created_or_replayed(replayed: bool) -> StatusCode {
    if replayed { StatusCode::OK } else { StatusCode::CREATED }
}

pub async fn register(
    State(s): State<Shared>,
    c: Caller,
    r: Result<Json<RegisterRequest>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<evac_store::Registered>)> {
    let h = body(r)?.check(&s)?;
    let store = s.store.clone();
    let registered = blocking(move || store.register(&c.actor(), h)).await?;
    Ok((created_or_replayed(registered.replayed), Json(registered)))
}

#[derive(Deserialize)]
pub struct EventRequest {
    pub kind: String,
    #[serde(default)]
    pub centre_id: Option<String>,
    #[serde(default)]
    pub vehicle: Option<String>,
    #[serde(default)]
    pub trip: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

impl EventRequest {
    /// The event, or a message per bad field.
    fn check(self, s: &AppState) -> ApiResult<NewEvent> {
        let mut fields = BTreeMap::new();
        let kind = EventKind::parse(&self.kind);
        if kind.is_none() {
            fields.insert("kind".into(), format!("expected one of {}", EventKind::NAMES.join(", ")));
        }
        match (&self.centre_id, kind) {
            (None, Some(EventKind::Arrived)) => {
                fields.insert("centre_id".into(), "an arrival needs the reception centre's id".into());
            }
            (Some(cid), _) if !s.centres.iter().any(|c| &c.id == cid) => {
                fields.insert("centre_id".into(), format!("no reception centre \"{cid}\""));
            }
            _ => {}
        }
        check_text("vehicle", &self.vehicle, 64, &mut fields);
        check_text("trip", &self.trip, 64, &mut fields);
        check_text("reason", &self.reason, 200, &mut fields);
        check_client_id(&self.client_id, &mut fields);
        match kind {
            Some(kind) if fields.is_empty() => Ok(NewEvent {
                kind,
                centre_id: self.centre_id,
                vehicle: self.vehicle,
                trip: self.trip,
                reason: self.reason,
                client_id: self.client_id,
            }),
            _ => Err(ApiError::invalid(fields)),
        }
    }
}

pub async fn event(
    State(s): State<Shared>,
    c: Caller,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    r: Result<Json<EventRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let ev = body(r)?.check(&s)?;
    let version = if_match(&headers)?;
    let store = s.store.clone();
    let recorded = blocking(move || store.event(&c.actor(), id, ev, version)).await?;
    Ok((created_or_replayed(recorded.replayed), [(header::ETAG, etag(recorded.version))], Json(recorded))
        .into_response())
}

pub async fn list_events(
    State(s): State<Shared>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<evac_store::EventRecord>>> {
    let store = s.store.clone();
    Ok(Json(blocking(move || store.view_events(&c.actor(), id)).await?))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub settlement: Option<String>,
}

/// Households by name (any spelling), phone or document: the best five and how many
/// candidates the index gave. An empty query finds nothing.
pub async fn search(
    State(s): State<Shared>,
    c: Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<evac_store::SearchResults>> {
    if q.q.chars().count() > 200 {
        return Err(ApiError::invalid(BTreeMap::from([("q".to_string(), "at most 200 characters".to_string())])));
    }
    if q.q.trim().is_empty() {
        return Ok(Json(evac_store::SearchResults { results: vec![], total_candidates: 0 }));
    }
    let store = s.store.clone();
    let place = q.settlement.filter(|p| !p.is_empty());
    Ok(Json(blocking(move || store.search(&c.actor(), &q.q, place.as_deref())).await?))
}

#[derive(Deserialize)]
pub struct MergeRequest {
    pub into: i64,
}

#[derive(Debug, Serialize)]
pub struct Merged {
    pub id: i64,
    pub merged_into: i64,
    pub version: i64,
}

pub async fn merge(
    State(s): State<Shared>,
    c: Caller,
    Path(id): Path<i64>,
    r: Result<Json<MergeRequest>, JsonRejection>,
) -> ApiResult<Json<Merged>> {
    let into = body(r)?.into;
    let store = s.store.clone();
    let done = blocking(move || store.merge(&c.actor(), id, into)).await?;
    Ok(Json(Merged { id, merged_into: into, version: done.version }))
}

/// A leading = + - @ (or tab, carriage return) neutralised with a `'`, so that a
/// spreadsheet does not run the value as a formula (CSV and XLSX alike).
fn neutralised(v: &str) -> String {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() }
}

/// A CSV field: quoted when needed, and neutralised against formulas.
fn csv_field(v: &str) -> String {
    let v = neutralised(v);
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// The columns of the household exports (CSV and XLSX).
const EXPORT_COLUMNS: [&str; 20] = [
    "id",
    "settlement_id",
    "settlement",
    "head_name",
    "people",
    "cannot_walk",
    "needs_oxygen",
    "needs_bed",
    "needs_escort",
    "children",
    "pets",
    "needs",
    "phone",
    "document",
    "birth_year",
    "status",
    "centre_id",
    "vehicle",
    "trip",
    "created_at",
];

/// The export's columns that are whole numbers (written as numbers in XLSX).
const EXPORT_NUMBERS: [usize; 9] = [0, 4, 5, 6, 7, 8, 9, 10, 14];

/// Every household (not merged ones), one row of [`EXPORT_COLUMNS`] each, as text; the
/// export is audited (`format`: csv or xlsx).
async fn export_rows(s: &Shared, c: Caller, format: &'static str) -> ApiResult<Vec<[String; 20]>> {
    let store = s.store.clone();
    let rows = blocking(move || store.export_households_as(&c.actor(), format)).await?;
    Ok(rows
        .into_iter()
        .map(|h| {
            let settlement = s.settlement_index.get(&h.settlement_id).map_or("", |&i| s.settlements[i].name.as_str());
            let needs: Vec<&str> = h.needs.iter().map(|n| n.as_str()).collect();
            let c = h.counts;
            [
                h.id.to_string(),
                h.settlement_id.clone(),
                settlement.to_string(),
                h.head_name.clone(),
                h.people.to_string(),
                c.cannot_walk.to_string(),
                c.needs_oxygen.to_string(),
                c.needs_bed.to_string(),
                c.needs_escort.to_string(),
                c.children.to_string(),
                c.pets.to_string(),
                needs.join(" "),
                h.phone.clone().unwrap_or_default(),
                h.document.clone().unwrap_or_default(),
                h.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                h.status.to_string(),
                h.centre_id.clone().unwrap_or_default(),
                h.vehicle.clone().unwrap_or_default(),
                h.trip.clone().unwrap_or_default(),
                h.created_at.clone(),
            ]
        })
        .collect())
}

/// Every household (not merged ones) as CSV for coordinators; the export is audited.
pub async fn export_csv(State(s): State<Shared>, c: Caller) -> ApiResult<Response> {
    let rows = export_rows(&s, c, "csv").await?;
    let mut out = EXPORT_COLUMNS.join(",");
    out.push('\n');
    for fields in rows {
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"households.csv\""),
        ],
        out,
    )
        .into_response())
}

/// The same rows as the CSV export, as an Excel workbook (one sheet, the header row frozen;
/// counts, ids and birth years as numbers, text neutralised against formulas as in the CSV).
pub fn households_xlsx(rows: &[[String; 20]]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("households")?;
    let bold = Format::new().set_bold();
    for (col, name) in EXPORT_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, &bold)?;
    }
    for (r, fields) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        for (col, v) in fields.iter().enumerate() {
            match v.parse::<i64>() {
                Ok(n) if EXPORT_NUMBERS.contains(&col) => sheet.write_number(row, col as u16, n as f64)?,
                _ if v.is_empty() => continue,
                _ => sheet.write_string(row, col as u16, neutralised(v))?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    book.save_to_buffer()
}

/// Every household (not merged ones) as XLSX for coordinators; the export is audited.
pub async fn export_xlsx(State(s): State<Shared>, c: Caller) -> ApiResult<Response> {
    let rows = export_rows(&s, c, "xlsx").await?;
    let bytes = tokio::task::spawn_blocking(move || households_xlsx(&rows))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the XLSX export failed: {e}")))?
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("the XLSX export failed: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"households.xlsx\""),
        ],
        bytes,
    )
        .into_response())
}

// ---- dashboard (aggregates, every role) ----

#[derive(Debug, Serialize)]
pub struct DashboardRow {
    pub settlement: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub zone: Zone,
    /// Population under the current draft order (0 when the settlement is not ordered).
    pub ordered: u64,
    #[serde(flatten)]
    pub progress: Progress,
}

#[derive(Debug, Serialize)]
pub struct DashboardTotals {
    pub ordered: u64,
    #[serde(flatten)]
    pub progress: Progress,
}

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub totals: DashboardTotals,
    pub settlements: Vec<DashboardRow>,
    pub centres: Vec<CentreRow>,
    /// People registered, boarded-or-later and arrived over time.
    pub timeline: evac_store::Timeline,
}

/// Totals, one row per settlement that is ordered or has households, and the centres'
/// occupancy. Counts are people, as the order's population is (`registered`: people of all
/// households; each status: people of the households now in it); `households` counts
/// households. Merged households are not counted.
pub async fn dashboard(State(s): State<Shared>) -> ApiResult<Json<Dashboard>> {
    let store = s.store.clone();
    let (progress, occ, timeline) =
        blocking(move || Ok((store.progress_by_settlement()?, store.occupancy()?, store.timeline()?))).await?;
    // The draft lists the settlements beyond the line too (apart): they are not ordered.
    let ordered: HashMap<&str, u64> = s.draft.ordered().map(|e| (e.id.as_str(), u64::from(e.population))).collect();
    let mut totals = DashboardTotals { ordered: 0, progress: Progress::default() };
    let mut rows = Vec::new();
    for st in &s.settlements {
        let p = progress.get(&st.id).cloned().unwrap_or_default();
        let o = ordered.get(st.id.as_str()).copied().unwrap_or(0);
        if o == 0 && p.registered == 0 {
            continue;
        }
        totals.ordered += o;
        totals.progress.plus(&p);
        rows.push(DashboardRow {
            settlement: st.id.clone(),
            name: st.name.clone(),
            name_uk: st.name_uk.clone(),
            zone: st.zone,
            ordered: o,
            progress: p,
        });
    }
    // Households of settlements the scenario does not know (an older scenario) still count.
    for (id, p) in &progress {
        if !s.settlement_index.contains_key(id) {
            totals.progress.plus(p);
        }
    }
    Ok(Json(Dashboard { totals, settlements: rows, centres: centre_rows(&s, &occ), timeline }))
}

// ---- orders ----

pub async fn draft_order(State(s): State<Shared>) -> Response {
    Json(&s.draft).into_response()
}

pub async fn list_orders(State(s): State<Shared>) -> ApiResult<Json<Vec<evac_store::IssuedOrder>>> {
    let store = s.store.clone();
    Ok(Json(blocking(move || store.orders()).await?))
}

/// Issue the draft. A retried request with the same `Idempotency-Key` gets the order its
/// first try issued (200); an order identical to the last one is refused (409).
pub async fn issue_order(
    State(s): State<Shared>,
    c: Caller,
    headers: axum::http::HeaderMap,
) -> ApiResult<(StatusCode, Json<evac_store::IssuedOrder>)> {
    let key = match headers.get("idempotency-key").map(|v| v.to_str().map(str::trim)) {
        None => None,
        Some(Ok(k)) if (1..=128).contains(&k.len()) => Some(k.to_string()),
        Some(_) => {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "Idempotency-Key: expected 1-128 visible characters"));
        }
    };
    let store = s.store.clone();
    let state = s.clone();
    let body = serde_json::to_string(&s.draft).expect("order serialises");
    let t = s.draft.totals.ordered;
    let scope = format!(
        "all residents: mandatory within {} km, advisory within {} km",
        s.draft.mandatory_km, s.draft.advisory_km
    );
    let record =
        evac_store::OrderRecord { scope, settlements: i64::from(t.settlements), population: t.population as i64, body };
    let html_for = Box::new(move |n, at: &str| state.order_html(n, at));
    let (order, new) = blocking(move || store.issue_order(&c.actor(), record, html_for, key)).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(order)))
}

/// What issuing the draft now would change against the last order in force (issued, not
/// revoked): `previous` its number (none: the draft would be the first order), `identical`
/// whether the draft is that order again (issuing it would be refused, 409
/// `order_identical`), `diff` the settlements added, removed and changed zone, and people.
#[derive(Debug, Serialize)]
pub struct DraftDiff {
    pub previous: Option<i64>,
    pub previous_issued_at: Option<String>,
    pub identical: bool,
    pub diff: evac_zone::OrderDiff,
}

pub async fn draft_diff(State(s): State<Shared>) -> ApiResult<Json<DraftDiff>> {
    let store = s.store.clone();
    let last = blocking(move || {
        let Some(o) = store.orders()?.into_iter().filter(|o| o.status == "issued").max_by_key(|o| o.number) else {
            return Ok(None);
        };
        Ok(store.order(o.number)?.map(|(body, _)| (o, body)))
    })
    .await?;
    let draft_body = serde_json::to_string(&s.draft).expect("order serialises");
    let Some((order, body)) = last else {
        let none = evac_zone::Order { settlements: vec![], ..s.draft.clone() };
        let diff = evac_zone::OrderDiff::between(&none, &s.draft);
        return Ok(Json(DraftDiff { previous: None, previous_issued_at: None, identical: false, diff }));
    };
    let previous: evac_zone::Order = serde_json::from_str(&body).map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("order {} cannot be read: {e}", order.number))
    })?;
    Ok(Json(DraftDiff {
        previous: Some(order.number),
        previous_issued_at: Some(order.issued_at),
        identical: body == draft_body,
        diff: evac_zone::OrderDiff::between(&previous, &s.draft),
    }))
}

#[derive(Deserialize)]
pub struct RevokeRequest {
    pub reason: String,
}

pub async fn revoke_order(
    State(s): State<Shared>,
    c: Caller,
    Path(n): Path<i64>,
    r: Result<Json<RevokeRequest>, JsonRejection>,
) -> ApiResult<Json<evac_store::IssuedOrder>> {
    let reason = body(r)?.reason;
    if reason.chars().count() > 500 {
        return Err(ApiError::invalid(BTreeMap::from([("reason".to_string(), "at most 500 characters".to_string())])));
    }
    let store = s.store.clone();
    Ok(Json(blocking(move || store.revoke_order(&c.actor(), n, &reason)).await?))
}

async fn issued(s: &Shared, n: i64) -> ApiResult<(String, String)> {
    let store = s.store.clone();
    blocking(move || store.order(n))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no order number {n}")))
}

/// The order.json stored when the order was issued, byte for byte.
pub async fn get_order(State(s): State<Shared>, Path(n): Path<i64>) -> ApiResult<Response> {
    let (body, _) = issued(&s, n).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub async fn print_order(State(s): State<Shared>, Path(n): Path<i64>) -> ApiResult<Html<String>> {
    let (_, html) = issued(&s, n).await?;
    Ok(Html(html))
}

// ---- plan ----

/// The plan summaries `evac plan` / `evac transit` wrote, as they wrote them (when planned).
#[derive(Debug, Serialize)]
pub struct PlanSummaries<'a> {
    pub car: Option<&'a serde_json::Value>,
    pub transit: Option<&'a serde_json::Value>,
}

pub async fn plan(State(s): State<Shared>) -> Response {
    Json(PlanSummaries { car: s.plan_summary.as_ref(), transit: s.transit_summary.as_ref() }).into_response()
}

pub async fn plan_chart(State(s): State<Shared>) -> ApiResult<Response> {
    let svg = s.plan_chart.clone().ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "no plan yet: run `evac plan` (or `evac up`) for this scenario")
    })?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

pub async fn layers(State(s): State<Shared>) -> Response {
    ([(header::CONTENT_TYPE, "application/geo+json")], s.layers.clone()).into_response()
}

#[derive(Debug, Serialize)]
pub struct ScenarioInfo<'a> {
    pub name: &'a str,
    pub authority: &'a str,
    pub illustrative: Option<&'a str>,
    pub mandatory_km: f64,
    pub advisory_km: f64,
}

pub async fn scenario_info(State(s): State<Shared>) -> Response {
    Json(ScenarioInfo {
        name: &s.scenario_name,
        authority: &s.authority,
        illustrative: s.illustrative.as_deref(),
        mandatory_km: s.draft.mandatory_km,
        advisory_km: s.draft.advisory_km,
    })
    .into_response()
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

// ---- coordinators ----

#[derive(Deserialize)]
pub struct AuditQuery {
    pub limit: Option<i64>,
}

pub async fn audit(
    State(s): State<Shared>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<evac_store::AuditEntry>>> {
    let store = s.store.clone();
    let limit = q.limit.unwrap_or(200).clamp(1, 5000);
    Ok(Json(blocking(move || store.audit_log(limit)).await?))
}

pub async fn users(State(s): State<Shared>) -> ApiResult<Json<Vec<evac_store::Account>>> {
    let store = s.store.clone();
    Ok(Json(blocking(move || store.users()).await?))
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
) -> ApiResult<(StatusCode, Json<Created>)> {
    let u = body(r)?;
    let role = Role::parse(&u.role).ok_or_else(|| {
        ApiError::invalid(BTreeMap::from([("role".to_string(), format!("expected {}", or_list(Role::NAMES)))]))
    })?;
    let store = s.store.clone();
    let id = blocking(move || store.add_user(&c.actor(), &u.username, role, &u.password)).await?;
    Ok(created(Created { id }))
}

/// "a, b or c"
pub(crate) fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such API call: see /api/openapi.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_error_lists_the_roles() {
        assert_eq!(or_list(Role::NAMES), "viewer, registrar or coordinator");
        assert_eq!(or_list(&["one"]), "one");
    }

    /// The text between `start` and the next `end` after it.
    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text.find(start).unwrap_or_else(|| panic!("{start} not found")) + start.len();
        &text[from..from + text[from..].find(end).unwrap_or_else(|| panic!("{end} not found after {start}"))]
    }

    /// The message of `key` in a language's table of web/js/i18n.js (`key: 'text'`).
    fn message<'a>(table: &'a str, key: &str) -> Option<&'a str> {
        let at = table.find(&format!(" {key}: "))? + key.len() + 3;
        let quote = table[at..].chars().next()?;
        let rest = &table[at + 1..];
        Some(&rest[..rest.find(quote)?])
    }

    /// The UI shows every error code, and every field the server names, in Ukrainian and in
    /// English (web/js/i18n.js): no English-only error text in the Ukrainian UI.
    #[test]
    fn every_error_code_and_field_has_a_ukrainian_and_an_english_message() {
        let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/js/i18n.js")).unwrap();
        let codes = between(&src, "const CODES = {", "};");
        let uk = between(&src, "\n  uk: {", "\n  },");
        let en = between(&src, "\n  en: {", "\n  },");
        let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        for code in ERROR_CODES {
            let key = message(codes, code).unwrap_or_else(|| panic!("{code}: not in CODES of web/js/i18n.js"));
            let (u, e) = (message(uk, key), message(en, key));
            assert!(u.is_some_and(cyrillic), "{code} ({key}): no Ukrainian message: {u:?}");
            assert!(e.is_some_and(|e| !e.is_empty() && !cyrillic(e)), "{code} ({key}): no English message: {e:?}");
        }
        // The fields the server's field errors name (api.rs checks, the store's Invalid).
        let fields = [
            "settlement_id",
            "head_name",
            "people",
            "members",
            "cannot_walk",
            "needs_oxygen",
            "needs_bed",
            "needs_escort",
            "children",
            "pets",
            "needs",
            "phone",
            "document",
            "birth_year",
            "client_id",
            "kind",
            "centre_id",
            "vehicle",
            "trip",
            "reason",
            "q",
            "username",
            "password",
            "role",
        ];
        for field in fields {
            for key in [format!("f_{field}"), format!("fe_{field}")] {
                assert!(message(uk, &key).is_some_and(cyrillic), "{key}: no Ukrainian message");
                assert!(message(en, &key).is_some_and(|e| !e.is_empty()), "{key}: no English message");
            }
        }
    }

    #[test]
    fn errors_are_json_with_fields_only_when_there_are_some() {
        let e = ApiError::new(StatusCode::NOT_FOUND, "gone");
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::json!({"error": "gone", "code": "not_found"}));
        let e = ApiError::invalid(BTreeMap::from([("members".into(), "too many".into())]));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"error": "invalid input", "code": "invalid_input", "fields": {"members": "too many"}})
        );
        let e = ApiError::from(StoreError::Rejected { code: "order_identical", message: "same".into() });
        assert_eq!((e.status, e.code), (StatusCode::CONFLICT, "order_identical"));
    }
}
