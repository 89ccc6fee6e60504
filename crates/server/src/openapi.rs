//! The OpenAPI document, generated from the route table (which the authorization tests use
//! too, so documentation, access rules and tests cannot drift apart).

use serde_json::{Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any logged-in user (aggregate, non-personal data).
    Anyone,
    /// Registrars and coordinators (personal data).
    Registrars,
    Coordinators,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub request: Option<&'static str>,
    pub response: &'static str,
    pub status: u16,
}

macro_rules! route {
    ($m:literal, $p:literal, $a:ident, $s:literal, $req:expr, $resp:literal, $st:literal) => {
        Route { method: $m, path: $p, summary: $s, access: Access::$a, request: $req, response: $resp, status: $st }
    };
}

pub const ROUTES: &[Route] = &[
    route!("post", "/api/session", Public, "Log in: returns a bearer token", Some("Login"), "Session", 200),
    route!("delete", "/api/session", Anyone, "Log out (the token stops working)", None, "Empty", 204),
    route!("get", "/api/me", Anyone, "Who am I", None, "Me", 200),
    route!("get", "/api/scenario", Anyone, "The scenario: name, authority, zone distances", None, "Scenario", 200),
    route!(
        "get",
        "/api/settlements",
        Anyone,
        "Every settlement with zone, population and people registered, departed, arrived, refused and remaining (aggregates only)",
        None,
        "SettlementList",
        200
    ),
    route!("get", "/api/settlements/{id}", Anyone, "One settlement's counts", None, "Settlement", 200),
    route!("get", "/api/centres", Anyone, "Reception centres with capacity and occupancy", None, "CentreList", 200),
    route!(
        "get",
        "/api/households",
        Registrars,
        "Households (personal data; every view is audited); ?settlement_id= filters",
        None,
        "HouseholdList",
        200
    ),
    route!(
        "post",
        "/api/households",
        Registrars,
        "Register a household; likely duplicates (similar name in any spelling, same phone) are returned",
        Some("NewHousehold"),
        "Registered",
        201
    ),
    route!("get", "/api/households/{id}", Registrars, "One household (personal data; audited)", None, "Household", 200),
    route!(
        "post",
        "/api/households/{id}/events",
        Registrars,
        "Record departed, arrived (with centre_id), refused or returned",
        Some("Event"),
        "Id",
        201
    ),
    route!("get", "/api/orders", Anyone, "Issued orders", None, "OrderList", 200),
    route!("get", "/api/orders/draft", Anyone, "The order as computed now, not yet issued", None, "Order", 200),
    route!(
        "post",
        "/api/orders",
        Coordinators,
        "Issue the draft as the next numbered, immutable order",
        None,
        "IssuedOrder",
        201
    ),
    route!("get", "/api/orders/{n}", Anyone, "An issued order", None, "Order", 200),
    route!(
        "get",
        "/api/orders/{n}/print",
        Anyone,
        "An issued order as a printable A4 document (HTML)",
        None,
        "Html",
        200
    ),
    route!("get", "/api/plan", Anyone, "The car plan and transit plan summaries (when planned)", None, "Plan", 200),
    route!("get", "/api/plan/chart.svg", Anyone, "Vehicles safe over time (SVG)", None, "Svg", 200),
    route!(
        "get",
        "/api/map/layers",
        Anyone,
        "Map layers (GeoJSON): boundary, zones, hazard, roads, rail, loads, bottlenecks",
        None,
        "GeoJson",
        200
    ),
    route!(
        "get",
        "/api/audit",
        Coordinators,
        "Audit log: who did or viewed what, when, from where",
        None,
        "AuditList",
        200
    ),
    route!("get", "/api/users", Coordinators, "Users", None, "UserList", 200),
    route!("post", "/api/users", Coordinators, "Add a user", Some("NewUser"), "Id", 201),
    route!("get", "/api/openapi.json", Public, "This document", None, "OpenApi", 200),
];

fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let str_ = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let num = json!({"type": "number"});
    json!({
        "Login": s(json!({"username": str_, "password": str_}), &["username", "password"]),
        "Session": s(json!({"token": str_, "username": str_, "role": {"type": "string", "enum": ["coordinator", "registrar", "viewer"]}}), &["token"]),
        "Me": s(json!({"username": str_, "role": str_}), &["username", "role"]),
        "Scenario": s(json!({"name": str_, "authority": str_, "illustrative": str_, "mandatory_km": num, "advisory_km": num}), &["name"]),
        "Settlement": s(json!({"id": str_, "name": str_, "name_uk": str_, "hromada": str_, "lat": num, "lon": num,
            "zone": {"type": "string", "enum": ["mandatory", "advisory", "outside"]}, "distance_km": num, "population": int,
            "households": int, "registered": int, "departed": int, "arrived": int, "refused": int, "returned": int,
            "remaining": {"type": "integer", "description": "population minus people departed or arrived"}}),
            &["id", "name", "zone", "population", "registered", "departed", "arrived", "refused", "remaining"]),
        "SettlementList": {"type": "array", "items": {"$ref": "#/components/schemas/Settlement"}},
        "Centre": s(json!({"id": str_, "name": str_, "lat": num, "lon": num, "capacity": int, "occupancy": int, "free": int}), &["id", "capacity", "occupancy"]),
        "CentreList": {"type": "array", "items": {"$ref": "#/components/schemas/Centre"}},
        "NewHousehold": s(json!({"settlement_id": str_, "head_name": {"type": "string", "maxLength": 200}, "members": {"type": "integer", "minimum": 1, "maximum": 50},
            "needs": {"type": "array", "items": {"type": "string", "enum": evac_store::Need::NAMES}}, "phone": {"type": "string", "maxLength": 32}}),
            &["settlement_id", "head_name", "members"]),
        "Household": s(json!({"id": int, "settlement_id": str_, "head_name": str_, "members": int, "needs": {"type": "array", "items": str_},
            "phone": str_, "status": str_, "centre_id": str_, "created_at": str_}), &["id", "settlement_id", "head_name", "members", "status"]),
        "HouseholdList": {"type": "array", "items": {"$ref": "#/components/schemas/Household"}},
        "Registered": s(json!({"id": int, "possible_duplicates": {"type": "array", "items": s(json!({"id": int, "head_name": str_, "reason": str_}), &["id"])}}), &["id"]),
        "Event": s(json!({"kind": {"type": "string", "enum": evac_store::EventKind::NAMES}, "centre_id": str_}), &["kind"]),
        "Id": s(json!({"id": int}), &["id"]),
        "IssuedOrder": s(json!({"number": int, "issued_at": str_, "issued_by": str_, "scope": str_, "settlements": int, "population": int}), &["number"]),
        "OrderList": {"type": "array", "items": {"$ref": "#/components/schemas/IssuedOrder"}},
        "Order": {"type": "object", "description": "order.json (see docs/scenario.md): scenario, mandatory_km, advisory_km, settlements, totals"},
        "Plan": {"type": "object", "properties": {"car": {"type": "object"}, "transit": {"type": "object"}}},
        "AuditEntry": s(json!({"id": int, "at": str_, "username": str_, "action": str_, "target": str_, "ip": str_, "detail": str_}), &["id", "at", "action"]),
        "AuditList": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
        "User": s(json!({"id": int, "username": str_, "role": str_}), &["id", "username", "role"]),
        "UserList": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
        "NewUser": s(json!({"username": str_, "role": {"type": "string", "enum": ["coordinator", "registrar", "viewer"]}, "password": {"type": "string", "minLength": 8}}), &["username", "role", "password"]),
        "Error": s(json!({"error": str_, "fields": {"type": "object", "additionalProperties": str_}}), &["error"]),
        "Empty": {"type": "object"}, "Html": {"type": "string"}, "Svg": {"type": "string"}, "GeoJson": {"type": "object"}, "OpenApi": {"type": "object"},
    })
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let mut op = json!({
            "summary": r.summary,
            "responses": {
                r.status.to_string(): {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", r.response)}}}},
                "400": {"description": "invalid input (field-level messages)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
            "x-access": format!("{:?}", r.access),
        });
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
            op["responses"]["401"] = json!({"description": "no valid token"});
            if matches!(r.access, Access::Registrars | Access::Coordinators) {
                op["responses"]["403"] = json!({"description": "the role may not"});
            }
        }
        if let Some(req) = r.request {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{req}")}}}});
        }
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "evac operations API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Orders, registration, tracking and audit for an evacuation. Personal data (households) only for registrars and coordinators; every view of it is audited."},
        "paths": paths,
        "components": {"schemas": schemas(), "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
}
