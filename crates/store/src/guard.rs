//! Login protection shared by both engines: exponential lockout per username and a small
//! pool for password hashing.
//!
//! * After [`FREE_FAILURES`] failed logins in a row a name is locked for 30 s, and every
//!   further failure doubles it (up to an hour); a success clears it. The same counter is
//!   kept for names that do not exist, so a lockout tells nothing about which do.
//! * Argon2id needs about 19 MiB per check: at most one check per core runs at once, a few
//!   more wait, and the rest are told to come back (429) instead of growing the server's
//!   memory with every parallel attempt.
//!
//! Kept in memory: a restart clears lockouts (the audit log keeps every attempt), and each
//! server of a PostgreSQL deployment counts its own.

use crate::StoreError;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Failed logins allowed in a row before a name is locked.
pub const FREE_FAILURES: u32 = 5;
const FIRST_LOCK: Duration = Duration::from_secs(30);
const LONGEST_LOCK: Duration = Duration::from_secs(3600);
/// Names remembered at most (an attacker cycling names cannot fill the memory).
const MAX_NAMES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

pub struct LoginGuard {
    failures: Mutex<HashMap<String, Failures>>,
    slots: Mutex<(usize, usize)>,
    freed: Condvar,
    max_running: usize,
    max_waiting: usize,
}

/// A password check may run while this is held.
pub struct HashPermit<'a>(&'a LoginGuard);

impl Drop for HashPermit<'_> {
    fn drop(&mut self) {
        let mut s = self.0.slots.lock().expect("slots");
        s.0 -= 1;
        self.0.freed.notify_one();
    }
}

fn seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl Default for LoginGuard {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        LoginGuard::new(cores.clamp(1, 4), 8)
    }
}

impl LoginGuard {
    pub fn new(max_running: usize, max_waiting: usize) -> LoginGuard {
        LoginGuard {
            failures: Mutex::new(HashMap::new()),
            slots: Mutex::new((0, 0)),
            freed: Condvar::new(),
            max_running,
            max_waiting,
        }
    }

    /// Refused while `name` is locked.
    pub fn check(&self, name: &str) -> Result<(), StoreError> {
        let map = self.failures.lock().expect("failures");
        if let Some(until) = map.get(name).and_then(|f| f.locked_until) {
            let now = Instant::now();
            if until > now {
                let wait = seconds(until - now);
                return Err(StoreError::TooMany {
                    message: format!("too many failed logins for this name: try again in {wait} s"),
                    retry_after_s: wait,
                });
            }
        }
        Ok(())
    }

    /// Count a failure; the lock it starts, if any.
    pub fn failed(&self, name: &str) -> Option<Duration> {
        let mut map = self.failures.lock().expect("failures");
        let now = Instant::now();
        if map.len() >= MAX_NAMES {
            map.retain(|_, f| now.duration_since(f.last) < LONGEST_LOCK);
        }
        let f = map.entry(name.to_string()).or_insert(Failures { count: 0, last: now, locked_until: None });
        f.count += 1;
        f.last = now;
        if f.count >= FREE_FAILURES {
            let doublings = (f.count - FREE_FAILURES).min(16);
            let lock = (FIRST_LOCK * 2u32.pow(doublings)).min(LONGEST_LOCK);
            f.locked_until = Some(now + lock);
            return Some(lock);
        }
        None
    }

    pub fn succeeded(&self, name: &str) {
        self.failures.lock().expect("failures").remove(name);
    }

    /// Wait for a hashing slot, or be refused when too many are waiting already.
    pub fn permit(&self) -> Result<HashPermit<'_>, StoreError> {
        let mut s = self.slots.lock().expect("slots");
        if s.0 >= self.max_running && s.1 >= self.max_waiting {
            return Err(StoreError::TooMany {
                message: "too many logins at once: try again in a moment".into(),
                retry_after_s: 1,
            });
        }
        s.1 += 1;
        while s.0 >= self.max_running {
            s = self.freed.wait(s).expect("slots");
        }
        s.1 -= 1;
        s.0 += 1;
        Ok(HashPermit(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_and_doubles() {
        let g = LoginGuard::new(1, 1);
        for _ in 0..4 {
            assert_eq!(g.failed("olena"), None);
            assert!(g.check("olena").is_ok());
        }
        assert_eq!(g.failed("olena"), Some(Duration::from_secs(30)));
        assert!(matches!(g.check("olena"), Err(StoreError::TooMany { retry_after_s: 30, .. })));
        assert_eq!(g.failed("olena"), Some(Duration::from_secs(60)));
        assert!(g.check("taras").is_ok(), "other names are not affected");
        g.succeeded("olena");
        assert!(g.check("olena").is_ok());
    }

    #[test]
    fn hashing_slots_are_bounded() {
        let g = LoginGuard::new(1, 0);
        let held = g.permit().unwrap();
        assert!(matches!(g.permit(), Err(StoreError::TooMany { .. })));
        drop(held);
        assert!(g.permit().is_ok());
    }
}
