//! The route table: every API call once, with who may make it. The axum router, the access
//! check and the OpenAPI document are all built from [`ROUTES`], and the authorization
//! test (crates/cli/tests/serve.rs) calls every row with every role, so what is served,
//! what is allowed and what is documented cannot drift apart.

use crate::accounts;
use crate::api::{self, ApiError, Caller, Shared, blocking, client_ip};
use crate::trips;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter};
use evac_store::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    /// The lower-case name OpenAPI uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Delete => "delete",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Delete => MethodFilter::DELETE,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No session needed.
    Public,
    /// Any logged-in user (aggregate, non-personal data).
    Anyone,
    /// Registrars and coordinators (personal data).
    Registrars,
    Coordinators,
}

impl Access {
    /// The roles allowed (none for a public route: it needs no session at all).
    pub const fn roles(self) -> &'static [Role] {
        match self {
            Access::Public => &[],
            Access::Anyone => Role::ALL,
            Access::Registrars => &[Role::Registrar, Role::Coordinator],
            Access::Coordinators => &[Role::Coordinator],
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

/// One API call.
#[derive(Debug)]
pub struct Route {
    pub method: Method,
    /// axum's syntax, which is also OpenAPI's: `/api/households/{id}`.
    pub path: &'static str,
    pub access: Access,
    /// Answers with or changes personal data (names, phones, needs, who refuses to leave):
    /// only for registrars and coordinators, never cached, and the handler audits reads.
    pub personal_data: bool,
    pub summary: &'static str,
    /// Schema names (components/schemas of the OpenAPI document).
    pub request: Option<&'static str>,
    pub response: &'static str,
    /// The status of a successful call.
    pub status: u16,
    /// Attaches the handler for `method` (a plain function, so the table is a constant).
    pub handler: fn(MethodFilter) -> MethodRouter<Shared>,
}

macro_rules! route {
    ($method:ident $path:literal => $handler:path, $access:ident $(+ $personal:ident)?,
     $request:tt -> $response:literal $status:literal, $summary:literal) => {
        Route {
            method: Method::$method,
            path: $path,
            access: Access::$access,
            personal_data: route!(@personal $($personal)?),
            summary: $summary,
            request: route!(@request $request),
            response: $response,
            status: $status,
            handler: |m| axum::routing::on(m, $handler),
        }
    };
    (@personal personal_data) => { true };
    (@personal) => { false };
    (@request _) => { None };
    (@request $name:literal) => { Some($name) };
}

pub const ROUTES: &[Route] = &[
    route!(Post "/api/session" => api::login, Public, "Login" -> "Session" 200, "Log in: returns a bearer token"),
    route!(Delete "/api/session" => api::logout, Anyone, _ -> "Empty" 204, "Log out (the token stops working)"),
    route!(Get "/api/me" => api::me, Anyone, _ -> "Me" 200, "Who am I"),
    route!(
        Get "/api/scenario" => api::scenario_info, Anyone,
        _ -> "Scenario" 200, "The scenario: name, authority, zone distances"
    ),
    route!(
        Get "/api/settlements" => api::settlements, Anyone,
        _ -> "SettlementList" 200,
        "Every settlement with zone, population and people registered, departed, arrived, refused and remaining (aggregates only)"
    ),
    route!(Get "/api/settlements/{id}" => api::settlement, Anyone, _ -> "Settlement" 200, "One settlement's counts"),
    route!(
        Get "/api/dashboard" => api::dashboard, Anyone,
        _ -> "Dashboard" 200,
        "Progress: totals, a row per settlement (ordered population; people registered, checked in, boarded, arrived, refused, unreachable; households; people who cannot walk), centre occupancy"
    ),
    route!(
        Get "/api/centres" => api::centres, Anyone,
        _ -> "CentreList" 200, "Reception centres with capacity and occupancy"
    ),
    route!(
        Get "/api/households" => api::list_households, Registrars + personal_data,
        _ -> "HouseholdList" 200, "Households (personal data; every view is audited); ?settlement_id= filters"
    ),
    route!(
        Post "/api/households" => api::register, Registrars + personal_data,
        "NewHousehold" -> "Registered" 201,
        "Register a household; likely duplicates (similar name in any spelling, same phone or document) are returned, best first, at most 5; a retry with the same client_id answers 200 with the first result"
    ),
    route!(
        Get "/api/households/search" => api::search, Registrars + personal_data,
        _ -> "SearchResults" 200,
        "Search by name (any spelling), phone or document: ?q=TEXT&settlement=ID (optional); the best 5 (personal data; audited)"
    ),
    route!(
        Get "/api/households/export.csv" => api::export_csv, Coordinators + personal_data,
        _ -> "Csv" 200, "Every household as CSV (personal data; audited)"
    ),
    route!(
        Get "/api/households/export.xlsx" => api::export_xlsx, Coordinators + personal_data,
        _ -> "Xlsx" 200, "Every household as an Excel workbook, the CSV's columns (personal data; audited)"
    ),
    route!(
        Get "/api/households/{id}" => api::get_household, Registrars + personal_data,
        _ -> "Household" 200, "One household (personal data; audited)"
    ),
    route!(
        Get "/api/households/{id}/events" => api::list_events, Registrars + personal_data,
        _ -> "EventList" 200, "A household's events, oldest first, with who and when (personal data; audited)"
    ),
    route!(
        Post "/api/households/{id}/events" => api::event, Registrars + personal_data,
        "Event" -> "EventRecorded" 201,
        "Record checked_in, boarded (vehicle, trip), departed, arrived (centre_id), refused (reason), unreachable, returned, or undo the last event; a retry with the same client_id answers 200 with the first result"
    ),
    route!(
        Post "/api/households/{id}/merge" => api::merge, Coordinators + personal_data,
        "Merge" -> "Merged" 200,
        "Merge this household into another (the same family registered twice): it keeps a pointer and leaves lists and counts (audited)"
    ),
    route!(Get "/api/orders" => api::list_orders, Anyone, _ -> "OrderList" 200, "Issued orders"),
    route!(
        Get "/api/orders/draft" => api::draft_order, Anyone,
        _ -> "Order" 200, "The order as computed now, not yet issued"
    ),
    route!(
        Get "/api/orders/draft/diff" => api::draft_diff, Anyone,
        _ -> "DraftDiff" 200,
        "What issuing the draft now would change against the last order in force: settlements added, removed, changed zone, people; identical: it would be refused"
    ),
    route!(
        Post "/api/orders" => api::issue_order, Coordinators,
        _ -> "IssuedOrder" 201, "Issue the draft as the next numbered, immutable order (409 order_identical when it is the last order again)"
    ),
    route!(
        Post "/api/orders/{n}/revoke" => api::revoke_order, Coordinators,
        "Revoke" -> "IssuedOrder" 200, "Revoke an issued order (with the reason); it stays listed as revoked"
    ),
    route!(Get "/api/orders/{n}" => api::get_order, Anyone, _ -> "Order" 200, "An issued order"),
    route!(
        Get "/api/orders/{n}/print" => api::print_order, Anyone,
        _ -> "Html" 200, "An issued order as a printable A4 document (HTML)"
    ),
    route!(
        Get "/api/plan" => api::plan, Anyone,
        _ -> "Plan" 200, "The car plan and transit plan summaries (when planned)"
    ),
    route!(Get "/api/plan/chart.svg" => api::plan_chart, Anyone, _ -> "Svg" 200, "Vehicles safe over time (SVG)"),
    route!(
        Get "/api/trips" => trips::list, Anyone,
        _ -> "TripList" 200,
        "The transit plan's pickup points and vehicles; ?settlement=ID lists the trips stopping there (in departure order), ?vehicle=ID that vehicle's trips (404 without a transit plan)"
    ),
    route!(
        Get "/api/trips/{trip}" => trips::pickup, Registrars + personal_data,
        _ -> "PickupList" 200,
        "A trip's pickup list: per pickup point the departure, seats and the households who need transport seated on it (registration order, first trip with room), with their status and code; the drop-off centre's arrivals (personal data; audited)"
    ),
    route!(
        Get "/api/trips/{trip}/print" => trips::print, Registrars + personal_data,
        _ -> "Html" 200, "A trip's pickup list as a printable A4 page with a boarding slip per household (personal data; audited)"
    ),
    route!(
        Post "/api/trips/{trip}/board" => trips::board, Registrars + personal_data,
        "Board" -> "EventRecorded" 201,
        "Board a household on this trip by its code (tapped or typed/scanned): status boarded with the trip's vehicle and trip; If-Match and client_id as for events"
    ),
    route!(
        Get "/api/map/layers" => api::layers, Anyone,
        _ -> "GeoJson" 200, "Map layers (GeoJSON): boundary, zones, hazard, roads, rail, loads, bottlenecks"
    ),
    route!(
        Get "/api/audit" => api::audit, Coordinators,
        _ -> "AuditList" 200, "Audit log: who did or viewed what, when, from where"
    ),
    route!(Get "/api/users" => api::users, Coordinators, _ -> "UserList" 200, "Users"),
    route!(Post "/api/users" => api::add_user, Coordinators, "NewUser" -> "Id" 201, "Add a user"),
    route!(
        Post "/api/users/{username}/disable" => accounts::disable, Coordinators,
        _ -> "Empty" 204, "Disable an account: it cannot log in, and its sessions end"
    ),
    route!(Post "/api/users/{username}/enable" => accounts::enable, Coordinators, _ -> "Empty" 204, "Enable an account again"),
    route!(
        Delete "/api/users/{username}" => accounts::delete, Coordinators,
        _ -> "Empty" 204, "Delete an account (its records keep its name, which stays taken)"
    ),
    route!(
        Post "/api/users/{username}/password" => accounts::reset_password, Coordinators,
        _ -> "NewPassword" 200, "Reset the password: a new random one, shown once in this answer; sessions end"
    ),
    route!(
        Delete "/api/users/{username}/sessions" => accounts::logout_all, Coordinators,
        _ -> "Ended" 200, "End every session of an account"
    ),
    route!(Get "/api/openapi.json" => api::openapi, Public, _ -> "OpenApi" 200, "This document"),
];

/// The API: every row of [`ROUTES`], each behind its access check.
pub fn api_router(state: &Shared) -> Router<Shared> {
    ROUTES.iter().fold(Router::new(), |router, route| {
        let mut endpoint = (route.handler)(route.method.filter());
        if route.access != Access::Public {
            // route_layer: a request for another method gets its 405 without a session.
            endpoint = endpoint.route_layer(middleware::from_fn_with_state(Gate { state: state.clone(), route }, gate));
        }
        // Rows with the same path are merged into one method router by axum.
        router.route(route.path, endpoint)
    })
}

/// The access check of one route.
#[derive(Clone)]
struct Gate {
    state: Shared,
    route: &'static Route,
}

/// No session: 401. A role the route does not allow: 403. Otherwise the handler runs with
/// the [`Caller`] in the request, and personal data is marked not to be cached.
async fn gate(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let ip = client_ip(request.extensions());
    let caller = match authenticate(&gate.state, request.headers(), ip).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    let role = caller.user.role;
    if !gate.route.access.allows(role) {
        // A refused request is audited: probing for what another role may do shows up.
        let store = gate.state.store.clone();
        let (actor, target) =
            (caller.actor(), format!("{} {}", gate.route.method.as_str().to_uppercase(), request.uri().path()));
        let message = format!("a {role} may not do this");
        let detail = message.clone();
        if let Err(e) = blocking(move || store.record(&actor, "refused", &target, Some(detail))).await {
            return e.into_response();
        }
        return ApiError::new(StatusCode::FORBIDDEN, message).into_response();
    }
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    if gate.route.personal_data {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The caller of `Authorization: Bearer <token>`.
async fn authenticate(state: &Shared, headers: &HeaderMap, ip: Option<String>) -> Result<Caller, ApiError> {
    let token = headers
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
    Ok(Caller { user, ip, token })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn each_method_and_path_once() {
        let mut seen = HashSet::new();
        for r in ROUTES {
            assert!(seen.insert((r.method, r.path)), "{} {} twice", r.method.as_str(), r.path);
            assert!(r.path.starts_with("/api/"), "{}", r.path);
            assert!((200..300).contains(&r.status), "{}", r.path);
        }
    }

    #[test]
    fn personal_data_only_for_registrars_and_coordinators() {
        for r in ROUTES.iter().filter(|r| r.personal_data) {
            assert!(!r.access.allows(Role::Viewer) && r.access != Access::Public, "{} {}", r.method.as_str(), r.path);
        }
        // Every household route is marked.
        for r in ROUTES.iter().filter(|r| r.path.starts_with("/api/households")) {
            assert!(r.personal_data, "{}", r.path);
        }
    }

    #[test]
    fn access_levels_nest() {
        assert_eq!(Access::Public.roles(), &[] as &[Role]);
        assert!(Role::ALL.iter().all(|r| Access::Anyone.allows(*r)));
        assert!(!Access::Registrars.allows(Role::Viewer) && Access::Registrars.allows(Role::Registrar));
        assert!(!Access::Coordinators.allows(Role::Registrar) && Access::Coordinators.allows(Role::Coordinator));
    }
}
