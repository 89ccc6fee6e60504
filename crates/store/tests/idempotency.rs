//! Property: whatever the sequence of writes and how often (and how concurrently) each is
//! retried with its client id, the database holds exactly one record per client id, and
//! every retry is answered with that record. On SQLite always; on PostgreSQL too when
//! `EVAC_TEST_POSTGRES` is set.

use evac_store::{Actor, EventKind, NewEvent, NewHousehold, Role, Store, User};
use proptest::prelude::*;
use std::collections::HashMap;

fn registrar(store: &Store) -> Actor {
    let id = store.add_user(&Actor::command_line(), "reg", Role::Registrar, "a-long-passphrase").unwrap();
    Actor::user(&User { id, username: "reg".into(), role: Role::Registrar }, None)
}

/// One write, retried `tries` times at once: a registration (client `c`) or a check-in of
/// the household of client `c` (event client id `e-c`).
#[derive(Debug, Clone)]
struct Op {
    client: u8,
    event: bool,
    tries: usize,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        (0u8..5, any::<bool>(), 1usize..5).prop_map(|(client, event, tries)| Op { client, event, tries }),
        1..10,
    )
}

fn run(store: &Store, by: &Actor, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut households: HashMap<u8, i64> = HashMap::new();
    let mut events: HashMap<u8, i64> = HashMap::new();
    for op in ops {
        let cid = format!("client-{:04}", op.client);
        if op.event {
            let Some(&h) = households.get(&op.client) else { continue };
            let answers: Vec<_> = (0..op.tries)
                .map(|_| {
                    let (store, by) = (store.clone(), by.clone());
                    let ev = NewEvent { client_id: Some(format!("e-{cid}")), ..NewEvent::of(EventKind::CheckedIn) };
                    std::thread::spawn(move || store.event(&by, h, ev, None))
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap().unwrap())
                .collect();
            prop_assert_eq!(
                answers.iter().filter(|a| !a.replayed).count(),
                usize::from(!events.contains_key(&op.client))
            );
            for a in &answers {
                let first = *events.entry(op.client).or_insert(a.id);
                prop_assert_eq!(a.id, first);
            }
        } else {
            let answers: Vec<_> = (0..op.tries)
                .map(|_| {
                    let (store, by) = (store.clone(), by.clone());
                    let h = NewHousehold {
                        settlement_id: "s1".into(),
                        head_name: format!("Коваленко {}", op.client),
                        members: 2,
                        client_id: Some(cid.clone()),
                        ..Default::default()
                    };
                    std::thread::spawn(move || store.register(&by, h))
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap().unwrap())
                .collect();
            let fresh = usize::from(!households.contains_key(&op.client));
            prop_assert_eq!(answers.iter().filter(|a| !a.replayed).count(), fresh);
            for a in &answers {
                let first = *households.entry(op.client).or_insert(a.id);
                prop_assert_eq!(a.id, first);
            }
        }
    }
    let all = store.view_households(by, None).unwrap();
    prop_assert_eq!(all.len(), households.len(), "one household per client id");
    for h in &all {
        let checked_in = h.status == evac_store::HouseholdStatus::CheckedIn;
        prop_assert_eq!(h.version, if checked_in { 2 } else { 1 }, "one check-in at most: {:?}", h);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn retried_writes_leave_one_record_per_client_id_sqlite(ops in ops()) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("evac.sqlite")).unwrap();
        let by = registrar(&store);
        run(&store, &by, &ops)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn retried_writes_leave_one_record_per_client_id_postgres(ops in ops()) {
        let Some(admin) = std::env::var("EVAC_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
            return Ok(());
        };
        let name = format!("evac_prop{}", std::process::id());
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let url = format!("{}/{name}", &admin[..admin.rfind('/').unwrap()]);
        let result = {
            let store = Store::connect(&url, false).unwrap();
            let by = registrar(&store);
            run(&store, &by, &ops)
        };
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        result?;
    }
}
