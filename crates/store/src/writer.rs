//! The writer thread: one connection, group commit, typed answers; the same for SQLite and
//! PostgreSQL.
//!
//! Writes of every result type share one queue: a [`Job`] hides its result type behind the
//! trait and keeps its own typed reply channel, so the thread runs `Box<dyn Job>` and each
//! caller gets back exactly the `T` its closure returned, never a dynamically typed value.
//! Each batch takes the next commit sequence number (on PostgreSQL the row lock that
//! serialises the batches of every server on the database): before its first write that
//! reads what another server's batch may change ([`Order::Serial`], the default; the
//! writes needing no order run first), or, when there is none, only after its writes,
//! before its audit records are chained and committed: on PostgreSQL the batches of several
//! servers do their registrations side by side and wait for one another only for the
//! serial writes, the audit chain and the commit. A batch PostgreSQL rolls back to break a
//! deadlock or serialization conflict with another server's runs again from the start.

use crate::StoreError;
use crate::db::{Sql, WriteConn};
use std::sync::mpsc;

/// Most writes committed by one COMMIT (one fsync).
const MAX_BATCH: usize = 256;

/// One write waiting for the writer thread.
trait Job: Send {
    /// Run the write; true if it succeeded. A write may run more than once (see
    /// [`run_batches`]: again with savepoints when another write of its batch failed, and
    /// the whole batch again on contention): only its last run's result is answered.
    fn run(&mut self, tx: &mut dyn Sql) -> bool;
    /// Answer the caller once the batch's fate is known: `Ok` if the write's last run
    /// succeeded and is part of the committed batch, so the write's own result stands.
    fn answer(self: Box<Self>, outcome: Result<(), StoreError>);
    /// Whether the write must see every batch committed before its own (see [`Order`]).
    fn order(&self) -> Order;
    /// Whether its last run failed on contention with another server's transaction
    /// ([`StoreError::Contention`]): the whole batch is then run again.
    fn contended(&self) -> bool;
}

/// How a write depends on the batches of other servers on the same PostgreSQL database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// It reads something another batch may change and decides on it (a number taken from
    /// a maximum, a state checked then changed): its batch holds the commit sequence row
    /// from before it runs, so no other batch commits meanwhile.
    Serial,
    /// Its statements are correct whatever commits beside them (an insert that meets a
    /// unique key with `ON CONFLICT`, an update conditioned on the row's version in its
    /// WHERE clause: PostgreSQL re-checks it after waiting for the row's lock).
    Any,
}

struct Typed<T, F> {
    order: Order,
    work: F,
    result: Option<Result<T, StoreError>>,
    reply: mpsc::SyncSender<Result<T, StoreError>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send,
    F: FnMut(&mut dyn Sql) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, tx: &mut dyn Sql) -> bool {
        let result = (self.work)(tx);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, outcome: Result<(), StoreError>) {
        let result = match (outcome, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(r)) => r,
            (Ok(()), None) => Err(StoreError::Failed("the write did not run".into())),
        };
        // The caller may have gone (a dropped request): nothing to answer then.
        let _ = self.reply.send(result);
    }

    fn order(&self) -> Order {
        self.order
    }

    fn contended(&self) -> bool {
        matches!(self.result, Some(Err(StoreError::Contention(_))))
    }
}

/// The queue to the writer thread.
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Writer {
    /// Close the queue and wait for the thread to finish what was queued and close its
    /// connection, so that a store dropped is a store closed (its lock is released after).
    fn drop(&mut self) {
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.jobs, closed));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Writer {
    /// Start the writer thread on `conn`; it stops when the `Writer` is dropped, after every
    /// write already queued.
    pub(crate) fn start(conn: Box<dyn WriteConn>) -> Writer {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("evac-db-writer".into())
            .spawn(move || run_batches(conn, queue))
            .expect("spawn the database writer");
        Writer { jobs, thread: Some(thread) }
    }

    /// Run `work` in the writer thread; returns its result once it is committed (or failed).
    /// `work` may be run a second time, from the start, when another write of its batch
    /// failed (see [`run_batches`]): it must depend only on the database and what it owns.
    pub(crate) fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<T, StoreError> + Send + 'static,
    {
        self.write_in(Order::Serial, work)
    }

    /// [`Writer::write`] for a write whose dependence on other servers' batches is `order`.
    pub(crate) fn write_in<T, F>(&self, order: Order, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut dyn Sql) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Box<dyn Job> = Box::new(Typed { order, work, result: None, reply });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }
}

/// The error every write of a failed batch is answered with: unavailable (503) when the
/// database could not write, failed (500) otherwise.
fn batch_error(what: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(format!("{what}: {m}")),
        StoreError::Contention(m) => StoreError::Contention(format!("{what}: {m}")),
        other => StoreError::Failed(format!("{what}: {other}")),
    }
}

impl Clone for StoreError {
    fn clone(&self) -> Self {
        match self {
            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
            StoreError::Contention(m) => StoreError::Contention(m.clone()),
            other => StoreError::Failed(other.to_string()),
        }
    }
}

/// Take everything waiting (up to [`MAX_BATCH`]), run it in one transaction, commit once,
/// and only then answer: an acknowledged write is on disk, and one fsync serves many.
///
/// A batch first runs optimistically, every write straight in the transaction: on
/// PostgreSQL a savepoint around each write would cost a round trip per write, in the one
/// thread every write of every server waits for. If a write fails, the whole transaction is
/// rolled back and the batch runs again from the start with each write in its own savepoint,
/// so that the failing one is undone alone and the others still commit. Failures are rare
/// (a stale version, an identical order), so nearly every batch runs once.
fn run_batches(mut conn: Box<dyn WriteConn>, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // The writes that need no order first: a batch holds the sequence row from its first
        // serial write on, so another server's batch of registrations waiting for that row
        // is never also waited for by this batch's registrations (a deadlock PostgreSQL
        // would take a second to break). The writes of one batch were sent at the same
        // time, so their order among themselves is any.
        batch.sort_by_key(|job| job.order() == Order::Serial);
        let mut committed =
            Err(StoreError::Contention("the batch kept meeting other servers' writes; try again".into()));
        for attempt in 0..=CONTENTION_RETRIES {
            if attempt > 0 {
                // Let the other server's transaction finish before this one runs again.
                std::thread::sleep(std::time::Duration::from_millis(2 << attempt));
            }
            let pass = match run_batch(conn.as_mut(), &mut batch, false) {
                Pass::WriteFailed if batch.len() > 1 => run_batch(conn.as_mut(), &mut batch, true),
                // Alone in its batch, the failed write has nothing to spare: it is answered
                // with its own error (the transaction is rolled back), without a second run.
                Pass::WriteFailed => Pass::Done(Ok(())),
                pass => pass,
            };
            match pass {
                Pass::Done(outcome) => {
                    committed = outcome;
                    break;
                }
                Pass::Contended => continue,
                Pass::WriteFailed => {
                    committed = Err(StoreError::Failed("the batch could not be written".into()));
                    break;
                }
            }
        }
        for job in batch {
            job.answer(committed.clone());
        }
    }
}

/// Forget the audit records appended after `mark` in the open transaction.
fn forget_audits(conn: &mut dyn WriteConn, mark: usize) {
    if let Some(b) = conn.audit_buffer() {
        b.truncate(mark);
    }
}

/// How many times a batch PostgreSQL rolled back on contention (a deadlock between two
/// servers' batches: a client's retry sent to another server while the first attempt was
/// in flight) runs again before its writes are answered with the error.
const CONTENTION_RETRIES: u32 = 5;

/// How one pass over a batch ended.
enum Pass {
    /// Committed (`Ok`) or given up (`Err`: every write is answered with it).
    Done(Result<(), StoreError>),
    /// A write failed in a pass without savepoints: rolled back, to be run with them.
    WriteFailed,
    /// A write, the sequence row or the commit met another server's transaction in a
    /// deadlock or serialization conflict: rolled back, to be run again from the start.
    Contended,
}

/// One pass over `batch` in a fresh transaction: each write in its own savepoint if
/// `savepoints`, otherwise straight in the transaction (stopping at the first that fails).
fn run_batch(conn: &mut dyn WriteConn, batch: &mut [Box<dyn Job>], savepoints: bool) -> Pass {
    // With savepoints the row is taken first if any write is serial (taken inside a job's
    // savepoint, rolling the job back would release it); without, just before the first
    // serial write (the batch is sorted: writes needing no order come first).
    let serial_first = savepoints && batch.iter().any(|job| job.order() == Order::Serial);
    let begun = conn.begin_batch();
    let mut seq = match begun.and_then(|()| if serial_first { next_seq(conn).map(Some) } else { Ok(None) }) {
        Ok(seq) => seq,
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            if matches!(e, StoreError::Contention(_)) {
                return Pass::Contended;
            }
            return Pass::Done(Err(batch_error("cannot begin a transaction", e)));
        }
    };
    forget_audits(conn, 0);
    let count = batch.len();
    let mut broken = None;
    let mut open = false;
    for (i, job) in batch.iter_mut().enumerate() {
        if !savepoints {
            if seq.is_none() && job.order() == Order::Serial {
                match next_seq(conn) {
                    Ok(n) => seq = Some(n),
                    Err(e) => {
                        let _ = conn.batch("ROLLBACK");
                        forget_audits(conn, 0);
                        if matches!(e, StoreError::Contention(_)) {
                            return Pass::Contended;
                        }
                        return Pass::Done(Err(batch_error("cannot take the commit sequence", e)));
                    }
                }
            }
            if !job.run(conn) {
                let _ = conn.batch("ROLLBACK");
                forget_audits(conn, 0);
                return if job.contended() { Pass::Contended } else { Pass::WriteFailed };
            }
            continue;
        }
        // The release of one savepoint and the start of the next go in one round trip.
        let started = if open { Ok(()) } else { conn.batch("SAVEPOINT job") };
        let ended = started.and_then(|()| {
            let mark = conn.audit_buffer().map_or(0, |b| b.mark());
            let kept = job.run(conn);
            if job.contended() {
                // Undone alone, its write would be answered with an error that running it
                // again fixes: the whole batch runs again instead.
                return Err(StoreError::Contention("a write met another server's".into()));
            }
            if !kept {
                // Its audit record, if any, goes with it.
                forget_audits(conn, mark);
            }
            let more = i + 1 < count;
            conn.batch(match (kept, more) {
                (true, true) => "RELEASE SAVEPOINT job; SAVEPOINT job",
                (true, false) => "RELEASE SAVEPOINT job",
                (false, true) => "ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job; SAVEPOINT job",
                (false, false) => "ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job",
            })?;
            open = more;
            Ok(())
        });
        if let Err(e) = ended {
            // A savepoint that cannot be released or rolled back may leave a half-done
            // write in the transaction: nothing of this batch may commit then.
            broken = Some(e);
            break;
        }
    }
    // The audit chain continues from the last record committed: the sequence row is taken
    // before it is extended, if the batch did not take it at its start.
    let broken = broken.or_else(|| match seq {
        Some(_) => None,
        None => next_seq(conn).map(|s| seq = Some(s)).err(),
    });
    let broken = broken.or_else(|| crate::audit::flush(conn).err());
    forget_audits(conn, 0);
    let outcome = match broken {
        Some(e) => {
            let _ = conn.batch("ROLLBACK");
            Err((e, "the batch was rolled back"))
        }
        None => match conn.batch("COMMIT") {
            Ok(()) => {
                conn.committed(seq.expect("a batch without an error took its sequence number"));
                Ok(())
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                Err((e, "commit failed"))
            }
        },
    };
    match outcome {
        Ok(()) => Pass::Done(Ok(())),
        Err((StoreError::Contention(_), _)) => Pass::Contended,
        Err((e, what)) => Pass::Done(Err(batch_error(what, e))),
    }
}

/// Take the next commit sequence number (on PostgreSQL: lock its row until the commit).
fn next_seq(conn: &mut dyn WriteConn) -> Result<i64, StoreError> {
    conn.query_one("UPDATE commit_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq", &[])?.int(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::vals;
    use rusqlite::Connection;

    /// The values in table t of the test database in `dir`, in order.
    fn values_of_t(dir: &std::path::Path) -> Vec<i64> {
        let conn = Connection::open(dir.join("w.sqlite")).unwrap();
        let mut statement = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
        statement.query_map([], |r| r.get(0)).unwrap().flatten().collect()
    }

    fn writer() -> (tempfile::TempDir, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::sqlite::connect(&dir.path().join("w.sqlite"), false).unwrap();
        // A deferred foreign key is only checked at COMMIT: table c lets a test fail one.
        conn.batch(
            "CREATE TABLE commit_seq (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
             INSERT INTO commit_seq VALUES (1, 0);
             CREATE TABLE t (v INTEGER NOT NULL UNIQUE);
             CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        (dir, Writer::start(Box::new(conn)))
    }

    #[test]
    fn each_write_gets_its_own_typed_result() {
        let (_dir, w) = writer();
        let id: i64 = w.write(|tx| tx.query_one("INSERT INTO t (v) VALUES (7) RETURNING rowid", &[])?.int(0)).unwrap();
        assert_eq!(id, 1);
        let text: String = w.write(|tx| tx.query_one("SELECT 'v=' || v FROM t", &[])?.text(0)).unwrap();
        assert_eq!(text, "v=7");
        let pair: (u8, Vec<&str>) = w.write(|_| Ok((3, vec!["a", "b"]))).unwrap();
        assert_eq!(pair, (3, vec!["a", "b"]));
    }

    #[test]
    fn a_failing_write_is_undone_alone_in_a_concurrent_batch() {
        let (dir, w) = writer();
        let w = std::sync::Arc::new(w);
        let threads: Vec<_> = (0..64)
            .map(|i| {
                let w = w.clone();
                std::thread::spawn(move || {
                    w.write(move |tx| {
                        tx.exec("INSERT INTO t (v) VALUES (?1)", vals![i as i64])?;
                        // Every third write fails after inserting: its row must go too.
                        if i % 3 == 0 {
                            return Err(StoreError::Conflict(format!("no {i}")));
                        }
                        Ok(i)
                    })
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for (i, r) in results.iter().enumerate() {
            match r {
                Ok(v) => assert_eq!(*v as usize, i),
                Err(StoreError::Conflict(m)) => assert!(i % 3 == 0 && m == &format!("no {i}")),
                Err(e) => panic!("{i}: {e}"),
            }
        }
        let rows = values_of_t(dir.path());
        assert_eq!(rows, (0..64).filter(|i| i % 3 != 0).collect::<Vec<_>>());
    }

    /// Without a failure a write runs once; with failures in its batch at most twice, and
    /// its answer is its last run's.
    #[test]
    fn writes_run_again_only_when_their_batch_had_a_failure() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for fail_every in [0usize, 5] {
            let (_dir, w) = writer();
            let w = std::sync::Arc::new(w);
            let runs = std::sync::Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..64usize)
                .map(|i| {
                    let (w, runs) = (w.clone(), runs.clone());
                    std::thread::spawn(move || {
                        let mut mine = 0;
                        let r = w.write(move |tx| {
                            mine += 1;
                            runs.fetch_add(1, Ordering::SeqCst);
                            tx.exec("INSERT INTO t (v) VALUES (?1)", vals![i as i64])?;
                            if fail_every > 0 && i % fail_every == 0 {
                                return Err(StoreError::Conflict("refused".into()));
                            }
                            Ok(mine)
                        });
                        (i, r)
                    })
                })
                .collect();
            for t in threads {
                let (i, r) = t.join().unwrap();
                match r {
                    Ok(mine) if fail_every == 0 => {
                        assert_eq!(mine, 1, "write {i} ran again in a batch without failures")
                    }
                    Ok(mine) => assert!((1..=2).contains(&mine), "write {i} ran {mine} times"),
                    Err(e) => assert!(fail_every > 0 && i % fail_every == 0, "{i}: {e}"),
                }
            }
            let total = runs.load(Ordering::SeqCst);
            if fail_every == 0 {
                assert_eq!(total, 64);
            } else {
                assert!((64..=128).contains(&total), "{total} runs");
            }
        }
    }

    /// A write alone in its batch that fails runs once, is answered with its own error, and
    /// leaves nothing behind.
    #[test]
    fn a_lone_failing_write_runs_once() {
        let (dir, w) = writer();
        let mut runs = 0;
        let r: Result<(), StoreError> = w.write(move |tx| {
            runs += 1;
            assert_eq!(runs, 1, "the write ran again");
            tx.exec("INSERT INTO t (v) VALUES (5)", &[])?;
            Err(StoreError::Conflict("refused".into()))
        });
        assert!(matches!(&r, Err(StoreError::Conflict(m)) if m == "refused"), "{r:?}");
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        assert_eq!(conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
    }

    #[test]
    fn a_failed_commit_is_answered_as_an_error() {
        let (dir, w) = writer();
        let r = w.write(|tx| {
            tx.exec("INSERT INTO c (p) VALUES (42)", &[])?;
            Ok(())
        });
        assert!(matches!(&r, Err(StoreError::Failed(m)) if m.contains("commit failed")), "{r:?}");
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        assert_eq!(conn.query_row("SELECT count(*) FROM c", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
    }

    /// A write that meets another server's transaction in a deadlock runs again with its
    /// whole batch, and is answered with its result once a run goes through; one that
    /// keeps meeting it is answered with the contention (503), never with a success.
    #[test]
    fn a_contended_batch_runs_again_and_says_so_when_it_keeps_failing() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (dir, w) = writer();
        let runs = std::sync::Arc::new(AtomicUsize::new(0));
        let r = {
            let runs = runs.clone();
            w.write(move |tx| {
                tx.exec("INSERT INTO t (v) VALUES (1)", &[])?;
                if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                    return Err(StoreError::Contention("deadlock detected (40P01)".into()));
                }
                Ok(7)
            })
        };
        assert_eq!(r.unwrap(), 7);
        assert_eq!(runs.load(Ordering::SeqCst), 3, "two contended runs, then one that commits");
        let always = w.write(|tx| -> Result<(), StoreError> {
            tx.exec("INSERT INTO t (v) VALUES (2)", &[])?;
            Err(StoreError::Contention("deadlock detected (40P01)".into()))
        });
        assert!(matches!(always, Err(StoreError::Contention(_))), "{always:?}");
        let rows = values_of_t(dir.path());
        assert_eq!(rows, vec![1], "the write that never went through left nothing");
    }
}
