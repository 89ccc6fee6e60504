//! The writer thread: one connection, group commit, typed answers.
//!
//! Writes of every result type share one queue: a [`Job`] hides its result type behind the
//! trait and keeps its own typed reply channel, so the thread runs `Box<dyn Job>` and each
//! caller gets back exactly the `T` its closure returned, never a dynamically typed value.

use crate::StoreError;
use rusqlite::{Connection, Transaction};
use std::sync::mpsc;

/// Most writes committed by one COMMIT (one fsync).
const MAX_BATCH: usize = 256;

/// One write waiting for the writer thread.
trait Job: Send {
    /// Run the write (inside its own savepoint); true if it succeeded.
    fn run(&mut self, tx: &Transaction) -> bool;
    /// Answer the caller once the batch's fate is known: `Ok` if the write's savepoint was
    /// kept and the batch committed, so the write's own result stands.
    fn answer(self: Box<Self>, outcome: Result<(), StoreError>);
}

struct Typed<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: mpsc::SyncSender<Result<T, StoreError>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Transaction) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, tx: &Transaction) -> bool {
        let work = self.work.take().expect("a job runs once");
        let result = work(tx);
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
}

/// The queue to the writer thread (cheap to clone).
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Start the writer thread on `conn`; it stops when the last `Writer` is dropped.
    pub(crate) fn start(conn: Connection) -> Writer {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("evac-db-writer".into())
            .spawn(move || run_batches(conn, queue))
            .expect("spawn the database writer");
        Writer { jobs }
    }

    /// Run `work` in the writer thread; returns its result once it is committed (or failed).
    pub(crate) fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Box<dyn Job> = Box::new(Typed { work: Some(work), result: None, reply });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        answer.recv().map_err(|_| StoreError::Closed)?
    }
}

/// Take everything waiting (up to [`MAX_BATCH`]), run each in its own savepoint, commit
/// once, and only then answer: an acknowledged write is on disk, and one fsync serves many.
fn run_batches(mut conn: Connection, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let tx = match conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let msg = e.to_string();
                for job in batch {
                    job.answer(Err(StoreError::Failed(format!("cannot begin a transaction: {msg}"))));
                }
                continue;
            }
        };
        let mut ran = Vec::with_capacity(batch.len());
        let mut broken = None;
        for mut job in batch {
            if broken.is_none()
                && let Err(e) = in_savepoint(&tx, job.as_mut())
            {
                // A savepoint that cannot be released or rolled back may leave a half-done
                // write in the transaction: nothing of this batch may commit then.
                broken = Some(e.to_string());
            }
            ran.push(job);
        }
        let committed = match broken {
            Some(msg) => {
                drop(tx); // rolls back
                Err(format!("the batch was rolled back: {msg}"))
            }
            None => tx.commit().map_err(|e| format!("commit failed: {e}")),
        };
        for job in ran {
            job.answer(committed.clone().map_err(StoreError::Failed));
        }
    }
}

/// Each job in its own savepoint: one failing write does not undo the others.
fn in_savepoint(tx: &Transaction, job: &mut dyn Job) -> Result<(), rusqlite::Error> {
    tx.execute_batch("SAVEPOINT job")?;
    let kept = job.run(tx);
    tx.execute_batch(if kept { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        // A deferred foreign key is only checked at COMMIT: table c lets a test fail one.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;
             CREATE TABLE t (v INTEGER NOT NULL UNIQUE);
             CREATE TABLE p (id INTEGER PRIMARY KEY);
             CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);",
        )
        .unwrap();
        (dir, Writer::start(conn))
    }

    #[test]
    fn each_write_gets_its_own_typed_result() {
        let (_dir, w) = writer();
        let id: i64 = w
            .write(|tx| {
                tx.execute("INSERT INTO t (v) VALUES (7)", [])?;
                Ok(tx.last_insert_rowid())
            })
            .unwrap();
        assert_eq!(id, 1);
        let text: String = w.write(|tx| Ok(tx.query_row("SELECT 'v=' || v FROM t", [], |r| r.get(0))?)).unwrap();
        assert_eq!(text, "v=7");
        let pair: (u8, Vec<&str>) = w.write(|_| Ok((3, vec!["a", "b"]))).unwrap();
        assert_eq!(pair, (3, vec!["a", "b"]));
    }

    #[test]
    fn a_failing_write_is_undone_alone_in_a_concurrent_batch() {
        let (dir, w) = writer();
        let threads: Vec<_> = (0..64)
            .map(|i| {
                let w = w.clone();
                std::thread::spawn(move || {
                    w.write(move |tx| {
                        tx.execute("INSERT INTO t (v) VALUES (?1)", [i])?;
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
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        let rows: Vec<i64> = conn
            .prepare("SELECT v FROM t ORDER BY v")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(rows, (0..64).filter(|i| i % 3 != 0).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_commit_is_answered_as_an_error() {
        let (dir, w) = writer();
        let r = w.write(|tx| {
            tx.execute("INSERT INTO c (p) VALUES (42)", [])?;
            Ok(())
        });
        assert!(matches!(&r, Err(StoreError::Failed(m)) if m.contains("commit failed")), "{r:?}");
        let conn = Connection::open(dir.path().join("w.sqlite")).unwrap();
        assert_eq!(conn.query_row("SELECT count(*) FROM c", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
    }
}
