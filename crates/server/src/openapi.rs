//! The OpenAPI document, generated from the route table ([`crate::routes::ROUTES`]); the
//! `enum` lists come from the store's enums (`NAMES`), never retyped.

use crate::routes::{Access, ROUTES};
use evac_store::{EventKind, HouseholdStatus, Need, Role};
use evac_zone::Zone;
use serde_json::{Value, json};

/// The zones a settlement can be in, for the `enum` of the Settlement schema.
const ZONES: [Zone; 4] = [Zone::Mandatory, Zone::Advisory, Zone::Outside, Zone::BeyondLine];

/// Fails to compile when a zone is added, until it is listed in [`ZONES`].
const _: fn(Zone) = |z| match z {
    Zone::Mandatory | Zone::Advisory | Zone::Outside | Zone::BeyondLine => {}
};

fn names(names: &[&str]) -> Value {
    json!({"type": "string", "enum": names})
}

fn schemas() -> Value {
    let s = |props: Value, required: &[&str]| json!({"type": "object", "properties": props, "required": required});
    let str_ = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let num = json!({"type": "number"});
    let role = names(Role::NAMES);
    let count = json!({"type": "integer", "minimum": 0, "description": "people of the household (at most `people`)"});
    let client_id = json!({"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9-]+$",
        "description": "the client's id of this write: a retry with the same id (same user) creates nothing and answers 200 with the first result, \"replayed\": true"});
    let people = |what: &str| json!({"type": "integer", "description": format!("people of the households {what}")});
    let progress = json!({"ordered": {"type": "integer", "description": "population under the draft order"},
        "households": {"type": "integer", "description": "households registered (all statuses)"},
        "registered": people("registered (all statuses)"), "checked_in": people("checked in now"),
        "boarded": people("boarded now"), "departed": people("departed by their own means"),
        "arrived": people("arrived at a centre"), "refused": people("refusing"),
        "unreachable": people("not reached"), "returned": people("returned"),
        "people": {"type": "integer", "description": "the same as registered (kept for older clients)"},
        "cannot_walk": {"type": "integer", "description": "people who cannot walk"}});
    let mut dashboard_row = progress.clone();
    dashboard_row["settlement"] = str_.clone();
    dashboard_row["name"] = str_.clone();
    dashboard_row["name_uk"] = str_.clone();
    dashboard_row["zone"] = names(&ZONES.map(Zone::as_str));
    json!({
        "Login": s(json!({"username": str_, "password": str_}), &["username", "password"]),
        "Session": s(json!({"token": str_, "username": str_, "role": role}), &["token"]),
        "Me": s(json!({"username": str_, "role": role}), &["username", "role"]),
        "Scenario": s(json!({"name": str_, "authority": str_, "illustrative": str_, "mandatory_km": num, "advisory_km": num}), &["name"]),
        "Settlement": s(json!({"id": str_, "name": str_, "name_uk": str_, "hromada": str_, "lat": num, "lon": num,
            "zone": names(&ZONES.map(Zone::as_str)), "distance_km": num, "population": int,
            "households": int, "registered": int, "checked_in": int, "boarded": int, "departed": int, "arrived": int, "refused": int,
            "unreachable": int, "returned": int,
            "remaining": {"type": "integer", "description": "population minus people boarded, departed or arrived"}}),
            &["id", "name", "zone", "population", "registered", "departed", "arrived", "refused", "remaining"]),
        "SettlementList": {"type": "array", "items": {"$ref": "#/components/schemas/Settlement"}},
        "Centre": s(json!({"id": str_, "name": str_, "lat": num, "lon": num, "capacity": int, "occupancy": int, "free": int}), &["id", "capacity", "occupancy"]),
        "CentreList": {"type": "array", "items": {"$ref": "#/components/schemas/Centre"}},
        "NewHousehold": s(json!({"settlement_id": str_, "head_name": {"type": "string", "maxLength": 200},
            "people": {"type": "integer", "minimum": 1, "maximum": 50, "description": "people in the household (`members` is accepted too)"},
            "cannot_walk": count, "needs_oxygen": count, "needs_bed": count, "needs_escort": count, "children": count,
            "pets": {"type": "integer", "minimum": 0, "maximum": 100},
            "needs": {"type": "array", "items": names(Need::NAMES)}, "phone": {"type": "string", "maxLength": 32},
            "document": {"type": "string", "maxLength": 40, "description": "an identity document's number"},
            "birth_year": {"type": "integer", "minimum": 1900, "description": "of the head of household"},
            "client_id": client_id}),
            &["settlement_id", "head_name", "people"]),
        "Household": s(json!({"id": int, "settlement_id": str_, "head_name": str_, "members": int, "people": int,
            "cannot_walk": int, "needs_oxygen": int, "needs_bed": int, "needs_escort": int, "children": int, "pets": int,
            "needs": {"type": "array", "items": names(Need::NAMES)},
            "phone": str_, "document": str_, "birth_year": int, "status": names(HouseholdStatus::NAMES), "centre_id": str_,
            "vehicle": str_, "trip": str_, "merged_into": {"type": "integer", "description": "merged into this household (then in no list or count)"},
            "created_at": str_,
            "version": {"type": "integer", "description": "goes up with every change; the ETag is \"v<version>\", sent back in If-Match"}}),
            &["id", "settlement_id", "head_name", "members", "people", "status", "version"]),
        "HouseholdList": {"type": "array", "items": {"$ref": "#/components/schemas/Household"}},
        "SearchResults": s(json!({"results": {"type": "array", "maxItems": 5, "items": {"$ref": "#/components/schemas/Household"}, "description": "best first"},
            "total_candidates": {"type": "integer", "description": "households the index gave as candidates"}}), &["results", "total_candidates"]),
        "Registered": s(json!({"id": int, "possible_duplicates": {"type": "array", "maxItems": 5, "description": "best first",
            "items": s(json!({"id": int, "head_name": str_, "settlement_id": str_, "reason": {"type": "string", "enum": ["same document", "same phone and similar name", "same phone", "similar name"]}}), &["id", "reason"])},
            "replayed": {"type": "boolean", "description": "true: registered before by a request with the same client_id (answered 200); nothing new"}}),
            &["id", "possible_duplicates", "replayed"]),
        "Event": s(json!({"kind": names(EventKind::NAMES), "centre_id": {"type": "string", "description": "arrived: the reception centre (required)"},
            "vehicle": {"type": "string", "maxLength": 64}, "trip": {"type": "string", "maxLength": 64},
            "reason": {"type": "string", "maxLength": 200}, "client_id": client_id}), &["kind"]),
        "EventRecorded": s(json!({"id": int, "version": {"type": "integer", "description": "the household's version after the event (also the ETag)"},
            "replayed": {"type": "boolean", "description": "true: recorded before by a request with the same client_id (answered 200)"}}), &["id", "version", "replayed"]),
        "EventRecord": s(json!({"id": int, "kind": names(EventKind::NAMES), "centre_id": str_, "vehicle": str_, "trip": str_, "reason": str_,
            "at": str_, "by": str_, "undone_by": {"type": "integer", "description": "the undo event that took this one back"}}), &["id", "kind", "at", "by"]),
        "EventList": {"type": "array", "items": {"$ref": "#/components/schemas/EventRecord"}},
        "Merge": s(json!({"into": {"type": "integer", "description": "the household that stays"}}), &["into"]),
        "Merged": s(json!({"id": int, "merged_into": int, "version": int}), &["id", "merged_into", "version"]),
        "Revoke": s(json!({"reason": {"type": "string", "maxLength": 500}}), &["reason"]),
        "Dashboard": s(json!({"totals": s(progress.clone(), &["ordered", "households", "registered", "people"]),
            "settlements": {"type": "array", "items": {"$ref": "#/components/schemas/DashboardRow"}},
            "centres": {"type": "array", "items": {"$ref": "#/components/schemas/Centre"}},
            "timeline": {"$ref": "#/components/schemas/Timeline"}}), &["totals", "settlements", "centres", "timeline"]),
        "Timeline": s(json!({"bucket_minutes": {"type": "integer", "enum": [10, 60, 1440]},
            "points": {"type": "array", "maxItems": evac_store::Timeline::MAX_POINTS, "description": "oldest first; people at the end of each bucket (the last point: now)",
                "items": s(json!({"at": {"type": "string", "description": "UTC, 2026-12-07T06:30:00Z"}, "registered": int,
                    "boarded_or_later": {"type": "integer", "description": "people whose household was then boarded, departed or arrived"},
                    "arrived": int}), &["at", "registered", "boarded_or_later", "arrived"])}}), &["bucket_minutes", "points"]),
        "DashboardRow": s(dashboard_row, &["settlement", "ordered", "households", "registered", "checked_in", "boarded", "arrived", "refused", "unreachable", "people", "cannot_walk"]),
        "Id": s(json!({"id": int}), &["id"]),
        "IssuedOrder": s(json!({"number": int, "issued_at": str_, "issued_by": str_, "scope": str_, "settlements": int, "population": int,
            "status": {"type": "string", "enum": ["issued", "revoked"]}, "revoked_at": str_, "revoked_by": str_, "revoke_reason": str_}), &["number", "status"]),
        "OrderList": {"type": "array", "items": {"$ref": "#/components/schemas/IssuedOrder"}},
        "DraftDiff": s(json!({"previous": {"type": "integer", "nullable": true, "description": "the last order in force (none: the draft would be the first)"},
            "previous_issued_at": {"type": "string", "nullable": true},
            "identical": {"type": "boolean", "description": "the draft is the last order again: issuing it is refused (409 order_identical)"},
            "diff": s(json!({"previous_settlements": int, "current_settlements": int,
                "added": {"type": "array", "items": {"type": "object", "description": "an order entry (id, name, name_uk, population, distance_km, zone)"}},
                "removed": {"type": "array", "items": {"type": "object", "description": "an order entry"}},
                "zone_changed": {"type": "array", "items": s(json!({"id": str_, "name": str_, "population": int, "from": str_, "to": str_}), &["id", "name", "population", "from", "to"])},
                "beyond_line_changed": {"type": "array", "description": "settlements the line moved past (beyond the line in one order, ordered in the other; also in added or removed)", "items": s(json!({"id": str_, "name": str_, "population": int, "from": str_, "to": str_}), &["id", "name", "population", "from", "to"])},
                "population_added": int, "population_removed": int, "population_growth": int}),
                &["previous_settlements", "current_settlements", "added", "removed", "zone_changed", "beyond_line_changed", "population_added", "population_removed", "population_growth"])}),
            &["identical", "diff"]),
        "Order": {"type": "object", "description": "order.json (see docs/scenario.md): scenario, mandatory_km, advisory_km, settlements, totals"},
        "Plan": {"type": "object", "properties": {"car": {"type": "object"}, "transit": {"type": "object"}}},
        "AuditEntry": s(json!({"id": int, "at": str_, "username": str_, "action": str_, "target": str_, "ip": str_, "detail": str_}), &["id", "at", "action"]),
        "AuditList": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
        "User": s(json!({"id": int, "username": str_, "role": role, "disabled": {"type": "boolean"}}), &["id", "username", "role", "disabled"]),
        "NewPassword": s(json!({"username": str_, "password": {"type": "string", "description": "shown once"}}), &["username", "password"]),
        "Ended": s(json!({"ended": int}), &["ended"]),
        "UserList": {"type": "array", "items": {"$ref": "#/components/schemas/User"}},
        "NewUser": s(json!({"username": {"type": "string", "description": "2-64 letters (one alphabet), digits, '.', '_' or '-'; compared in lower case"}, "role": role,
            "password": {"type": "string", "minLength": evac_store::names::MIN_PASSWORD_CHARS, "description": "not only spaces, four different characters or more, not the username"}}), &["username", "role", "password"]),
        "Error": s(json!({"error": {"type": "string", "description": "for people (English)"},
            "code": {"type": "string", "enum": crate::api::ERROR_CODES, "description": "stable: what the UI translates"},
            "fields": {"type": "object", "additionalProperties": str_}}), &["error", "code"]),
        "Board": s(json!({"code": {"type": "string", "description": "the household's code as printed on the pickup list (its id; a leading # or H is ignored)"},
            "client_id": client_id}), &["code"]),
        "TripStop": s(json!({"settlement": str_, "name": str_, "point": {"type": "string", "description": "the pickup point"},
            "people": {"type": "integer", "description": "seats the plan gives this stop"}, "immobile": int,
            "at_s": {"type": "number", "description": "departure from the pickup point, seconds after the order"}}), &["settlement", "name", "people", "at_s"]),
        "Trip": s(json!({"id": {"type": "string", "description": "<vehicle>.<number>"}, "vehicle": str_, "kind": str_, "seats": int, "number": int,
            "leave_s": num, "stops": {"type": "array", "items": {"$ref": "#/components/schemas/TripStop"}},
            "dropoff": {"type": "string", "description": "a centre's id or train:<id>"}, "dropoff_name": str_, "arrive_s": num}),
            &["id", "vehicle", "seats", "stops", "dropoff"]),
        "TripList": s(json!({
            "pickup_points": {"type": "array", "items": s(json!({"settlement": str_, "name": str_, "point": str_, "trips": int,
                "people": {"type": "integer", "description": "seats over all its trips"}, "first_s": num}), &["settlement", "trips"])},
            "vehicles": {"type": "array", "items": s(json!({"id": str_, "kind": str_, "seats": int, "depot": str_, "trips": int}), &["id", "trips"])},
            "trips": {"type": "array", "items": {"$ref": "#/components/schemas/Trip"}, "description": "of ?settlement= or ?vehicle=; empty without"}}),
            &["pickup_points", "vehicles", "trips"]),
        "PickupList": s(json!({"trip": {"$ref": "#/components/schemas/Trip"},
            "stops": {"type": "array", "items": s(json!({"settlement": str_, "name": str_, "name_uk": str_, "point": str_, "at_s": num,
                "seats": int, "seated_people": int,
                "households": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/Household"},
                    s(json!({"code": {"type": "string", "description": "typed or scanned to board"}}), &["code"])]}},
                "unseated": {"type": "integer", "description": "households of the settlement that fit on none of its trips"}}),
                &["settlement", "seats", "households"])},
            "dropoff": s(json!({"id": str_, "name": str_, "centre": {"type": "boolean"}, "capacity": int,
                "arrived_people": {"type": "integer", "description": "people arrived at this centre (the database's count)"}}), &["id", "centre"]),
            "boarded_people": {"type": "integer", "description": "people of this list boarded on this trip (or departed, arrived since)"},
            "arrived_people": {"type": "integer", "description": "people of this list arrived"}}),
            &["trip", "stops", "dropoff", "boarded_people", "arrived_people"]),
        "Empty": {"type": "object"}, "Csv": {"type": "string"}, "Xlsx": {"type": "string", "format": "binary"}, "Html": {"type": "string"}, "Svg": {"type": "string"}, "GeoJson": {"type": "object"}, "OpenApi": {"type": "object"},
    })
}

/// How a response schema is sent (none: no body).
fn media_type(schema: &str) -> Option<&'static str> {
    match schema {
        "Empty" => None,
        "Html" => Some("text/html"),
        "Csv" => Some("text/csv"),
        "Xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "Svg" => Some("image/svg+xml"),
        "GeoJson" => Some("application/geo+json"),
        _ => Some("application/json"),
    }
}

/// The query parameters of a route.
fn query_params(method: crate::routes::Method, path: &str) -> Vec<Value> {
    let q = |name: &str, required: bool, description: &str| json!({"name": name, "in": "query", "required": required, "schema": {"type": "string"}, "description": description});
    match (method, path) {
        (crate::routes::Method::Get, "/api/households/search") => vec![
            q("q", true, "a name in any spelling (Ukrainian, Latin, Russian-era), a phone number or a document number"),
            q("settlement", false, "only this settlement (its id)"),
        ],
        (crate::routes::Method::Get, "/api/households") => vec![q("settlement_id", false, "only this settlement")],
        (crate::routes::Method::Get, "/api/trips") => vec![
            q("settlement", false, "the trips stopping at this settlement's pickup point"),
            q("vehicle", false, "this vehicle's trips"),
        ],
        (crate::routes::Method::Get, "/api/audit") => vec![q("limit", false, "most records (200)")],
        _ => vec![],
    }
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let mut ok = json!({"description": "OK"});
        if let Some(media) = media_type(r.response) {
            ok["content"] = json!({media: {"schema": {"$ref": format!("#/components/schemas/{}", r.response)}}});
        }
        let mut op = json!({
            "summary": r.summary,
            "responses": {
                r.status.to_string(): ok,
                "400": {"description": "invalid input (field-level messages)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "429": {"description": "too many requests (or logins) from this address, or a locked name: see Retry-After"},
                "503": {"description": "the database cannot write now (disk full, I/O error, database server down): nothing was saved; see Retry-After"},
            },
            "x-access": format!("{:?}", r.access),
            "x-roles": r.access.roles(),
        });
        if r.personal_data {
            op["x-personal-data"] = json!(true);
        }
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
            op["responses"]["401"] = json!({"description": "no valid token"});
            if Role::ALL.iter().any(|role| !r.access.allows(*role)) {
                op["responses"]["403"] = json!({"description": "the role may not"});
            }
        }
        if let Some(req) = r.request {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{req}")}}}});
        }
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(query_params(r.method, r.path));
        if !params.is_empty() {
            op["parameters"] = json!(params);
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.as_str()] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "evac operations API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Orders, registration, tracking and audit for an evacuation. Personal data (households) only for registrars and coordinators; every view of it is audited."},
        "paths": paths,
        "components": {"schemas": schemas(), "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::*;
    use serde::Serialize;
    use std::collections::BTreeSet;

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.trim_start_matches("#/components/schemas/").to_string());
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn documents_every_route_and_every_schema_it_names() {
        let doc = document();
        let mut documented = BTreeSet::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for method in ops.as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        let table: BTreeSet<_> = ROUTES.iter().map(|r| (r.method.as_str().to_string(), r.path.to_string())).collect();
        assert_eq!(documented, table);
        let mut named = Vec::new();
        refs(&doc, &mut named);
        for r in ROUTES {
            named.extend(r.request.map(str::to_string));
            named.push(r.response.to_string());
        }
        for name in named {
            assert!(doc["components"]["schemas"][&name].is_object(), "no schema {name}");
        }
        let households = &doc["paths"]["/api/households"]["get"];
        assert_eq!(households["x-personal-data"], true);
        assert_eq!(households["x-roles"], json!(["registrar", "coordinator"]));
        assert!(households["responses"]["403"].is_object());
        assert!(doc["paths"]["/api/me"]["get"]["responses"]["403"].is_null(), "every role may ask who it is");
    }

    #[test]
    fn enum_lists_are_the_stores_names() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["NewHousehold"]["properties"]["needs"]["items"]["enum"], json!(Need::NAMES));
        assert_eq!(schemas["Household"]["properties"]["status"]["enum"], json!(HouseholdStatus::NAMES));
        assert_eq!(schemas["Event"]["properties"]["kind"]["enum"], json!(EventKind::NAMES));
        assert_eq!(schemas["NewUser"]["properties"]["role"]["enum"], json!(Role::NAMES));
        let zones: Vec<Value> = ZONES.iter().map(|z| serde_json::to_value(z).unwrap()).collect();
        assert_eq!(schemas["Settlement"]["properties"]["zone"]["enum"], json!(zones));
    }

    fn household() -> evac_store::Household {
        evac_store::Household {
            id: 1,
            settlement_id: "s".into(),
            head_name: "h".into(),
            members: 2,
            people: 2,
            counts: evac_store::PersonCounts { cannot_walk: 1, ..Default::default() },
            needs: vec![Need::Pets],
            phone: None,
            document: None,
            birth_year: Some(1970),
            status: HouseholdStatus::Registered,
            centre_id: None,
            vehicle: None,
            trip: None,
            merged_into: None,
            created_at: "t".into(),
            version: 1,
        }
    }

    /// The response types serialise to exactly the documented properties.
    #[test]
    fn responses_match_their_schemas() {
        fn check<T: Serialize>(name: &str, value: T) {
            let doc = document();
            let schema = &doc["components"]["schemas"][name];
            let v = serde_json::to_value(value).unwrap();
            let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
            let props: BTreeSet<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, props, "{name}");
            for required in schema["required"].as_array().into_iter().flatten() {
                assert!(!v[required.as_str().unwrap()].is_null(), "{required} is required: {v}");
            }
        }
        let text = || "x".to_string();
        check("Session", Session { token: text(), username: text(), role: Role::Viewer });
        check("Me", Me { username: text(), role: Role::Viewer });
        check(
            "Scenario",
            ScenarioInfo { name: "n", authority: "a", illustrative: None, mandatory_km: 10.0, advisory_km: 25.0 },
        );
        check(
            "Settlement",
            SettlementRow {
                id: text(),
                name: text(),
                name_uk: None,
                hromada: None,
                lat: 49.7,
                lon: 37.6,
                zone: Zone::Mandatory,
                distance_km: 3.0,
                population: 100,
                households: 1,
                registered: 3,
                checked_in: 0,
                boarded: 0,
                departed: 0,
                arrived: 3,
                refused: 0,
                unreachable: 0,
                returned: 0,
                remaining: 97,
            },
        );
        check(
            "Centre",
            CentreRow { id: text(), name: text(), lat: 50.0, lon: 36.2, capacity: 10, occupancy: 3, free: 7 },
        );
        check("Id", Created { id: 1 });
        check("Plan", PlanSummaries { car: None, transit: None });
        check("Household", household());
        check(
            "Registered",
            evac_store::Registered {
                id: 1,
                possible_duplicates: vec![evac_store::DuplicateHint {
                    id: 2,
                    head_name: text(),
                    settlement_id: text(),
                    reason: "same phone".into(),
                }],
                replayed: false,
            },
        );
        check("SearchResults", evac_store::SearchResults { results: vec![household()], total_candidates: 3 });
        check("EventRecorded", evac_store::Recorded { id: 1, version: 2, replayed: false });
        check(
            "EventRecord",
            evac_store::EventRecord {
                id: 1,
                kind: EventKind::Boarded,
                centre_id: None,
                vehicle: Some(text()),
                trip: None,
                reason: None,
                at: text(),
                by: text(),
                undone_by: None,
            },
        );
        check("Merged", Merged { id: 1, merged_into: 2, version: 3 });
        let trips = crate::pickup::TransitTrips::parse(
            r#"{"vehicles": [{"id": "bus-1", "kind": "bus", "seats": 50, "depot": "d", "trips": [{"leave_s": 0,
                "pickup": [{"settlement": "s", "name": "S", "point": "p", "people": 2, "immobile": 0, "at_s": 60}],
                "dropoff": "c", "dropoff_name": "C", "arrive_s": 600}]}]}"#,
        )
        .unwrap();
        let trip = trips.trip("bus-1.1").unwrap();
        check("Trip", trip);
        check("TripStop", &trip.stops[0]);
        let list =
            crate::trips::TripList { pickup_points: trips.points(), vehicles: &trips.vehicles, trips: vec![trip] };
        check("TripList", &list);
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<BTreeSet<String>>();
        let v = serde_json::to_value(&list).unwrap();
        assert_eq!(
            keys(&v["pickup_points"][0]),
            keys(&schemas["TripList"]["properties"]["pickup_points"]["items"]["properties"])
        );
        assert_eq!(
            keys(&v["vehicles"][0]),
            keys(&schemas["TripList"]["properties"]["vehicles"]["items"]["properties"])
        );
        let pickup = crate::trips::PickupList {
            trip: trip.clone(),
            stops: vec![crate::trips::PickupStop {
                settlement: text(),
                name: text(),
                name_uk: None,
                point: None,
                at_s: 60.0,
                seats: 2,
                seated_people: 2,
                households: vec![crate::trips::PickupHousehold { code: "1".into(), household: household() }],
                unseated: 0,
            }],
            dropoff: crate::trips::TripDropoff {
                id: text(),
                name: None,
                centre: true,
                capacity: Some(10),
                arrived_people: Some(2),
            },
            boarded_people: 0,
            arrived_people: 0,
        };
        check("PickupList", &pickup);
        let v = serde_json::to_value(&pickup).unwrap();
        let p = &schemas["PickupList"]["properties"];
        assert_eq!(keys(&v["stops"][0]), keys(&p["stops"]["items"]["properties"]));
        assert_eq!(keys(&v["dropoff"]), keys(&p["dropoff"]["properties"]));
        let mut h = keys(&schemas["Household"]["properties"]);
        h.insert("code".into());
        assert_eq!(keys(&v["stops"][0]["households"][0]), h);
        let diff = DraftDiff {
            previous: Some(1),
            previous_issued_at: Some(text()),
            identical: false,
            diff: evac_zone::OrderDiff::default(),
        };
        check("DraftDiff", &diff);
        let inner: BTreeSet<String> =
            serde_json::to_value(&diff.diff).unwrap().as_object().unwrap().keys().cloned().collect();
        let documented: BTreeSet<String> =
            document()["components"]["schemas"]["DraftDiff"]["properties"]["diff"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert_eq!(inner, documented);
        let progress = evac_store::Progress { households: 2, registered: 5, people: 5, ..Default::default() };
        check(
            "DashboardRow",
            DashboardRow {
                settlement: text(),
                name: text(),
                name_uk: None,
                zone: Zone::Mandatory,
                ordered: 100,
                progress: progress.clone(),
            },
        );
        let timeline = evac_store::Timeline {
            bucket_minutes: 10,
            points: vec![evac_store::TimelinePoint { at: text(), registered: 5, boarded_or_later: 2, arrived: 1 }],
        };
        let dashboard = Dashboard {
            totals: DashboardTotals { ordered: 100, progress },
            settlements: vec![],
            centres: vec![],
            timeline,
        };
        check("Dashboard", &dashboard);
        let doc = document();
        let totals: BTreeSet<&str> = doc["components"]["schemas"]["Dashboard"]["properties"]["totals"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let v = serde_json::to_value(&dashboard.totals).unwrap();
        assert_eq!(v.as_object().unwrap().keys().map(String::as_str).collect::<BTreeSet<_>>(), totals);
        check(
            "IssuedOrder",
            evac_store::IssuedOrder {
                number: 1,
                issued_at: text(),
                issued_by: text(),
                scope: text(),
                settlements: 1,
                population: 1,
                status: "revoked".into(),
                revoked_at: Some(text()),
                revoked_by: Some(text()),
                revoke_reason: Some(text()),
            },
        );
        check(
            "AuditEntry",
            evac_store::AuditEntry {
                id: 1,
                at: text(),
                username: None,
                action: text(),
                target: None,
                ip: None,
                detail: None,
            },
        );
        check("User", evac_store::Account { id: 1, username: text(), role: Role::Registrar, disabled: false });
        check("NewPassword", crate::accounts::NewPassword { username: text(), password: text() });
        check("Ended", crate::accounts::Ended { ended: 2 });
        let mut e = ApiError::new(axum::http::StatusCode::BAD_REQUEST, "invalid input");
        e.fields.insert("members".into(), "expected between 1 and 50 people".into());
        check("Error", e);
    }
}
