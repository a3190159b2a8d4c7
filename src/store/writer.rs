//! The front of the store: [`Recorder`] hands records to one writer thread without waiting,
//! and knows which answer ids it gave, so feedback can be checked. The thread batches what
//! arrives into one transaction and deletes rows past the retention period.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::issued::Issued;
use super::{Feedback, Job, Store, Turn, now};
use crate::record::{AnswerId, ConversationId};

/// Records waiting for the writer; beyond this they are dropped (and counted), not queued.
const QUEUE: usize = 8192;
/// Records written in one transaction at most.
const BATCH: usize = 2048;
/// How long the writer waits to gather records into one transaction.
pub(super) const LINGER: Duration = Duration::from_millis(25);
/// Answer ids remembered: more than can wait for the writer (the queue and one batch), so an
/// id forgotten is in the database already, or was lost.
const ISSUED: usize = 2 * (QUEUE + BATCH);

pub struct Recorder {
    sender: Mutex<Option<SyncSender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    store: Arc<Store>,
    dropped: Arc<AtomicU64>,
    issued: Issued,
}

impl Recorder {
    /// Opens the store in `dir` and starts the writer. When the database cannot be used the
    /// service still answers: records are dropped, logged, and counted.
    pub fn start(dir: &Path, retention_days: u32) -> Recorder {
        let store = Arc::new(Store::at(dir));
        let dropped = Arc::new(AtomicU64::new(0));
        let (sender, receiver) = sync_channel(QUEUE);
        let writer = {
            let store = store.clone();
            let dropped = dropped.clone();
            std::thread::Builder::new()
                .name("clinic-chat-store".into())
                .spawn(move || write_loop(receiver, store, dropped, retention_days))
                .ok()
        };
        Recorder {
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(writer),
            store,
            dropped,
            issued: Issued::new(ISSUED),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Records lost: the database failed, the queue was full, or the file was deleted.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed) + self.store.lost()
    }

    fn send(&self, job: Job) {
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let Some(sender) = sender.as_ref() else {
            return;
        };
        match sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn turn(&self, turn: Turn) {
        self.issued.note(&turn.answer_id, &turn.conversation_id);
        self.send(Job::Turn(turn));
    }

    /// Whether this service gave `answer_id` lately (and staff have not erased it): memory
    /// only, cheap enough for the async runtime.
    pub fn recently_issued(&self, answer_id: &AnswerId) -> bool {
        self.issued.knows(answer_id)
    }

    /// Whether this service gave `answer_id` and it is not erased; may read the database, so
    /// call it off the async runtime.
    pub fn issued(&self, answer_id: &AnswerId) -> bool {
        self.recently_issued(answer_id) || self.store.has_answer(answer_id)
    }

    /// Stores a vote; the writer keeps it only if the answer is in the database by then.
    pub fn feedback(&self, feedback: Feedback) {
        self.send(Job::Feedback(feedback));
    }

    pub fn erase(&self, conversation: &ConversationId) {
        self.issued.forget_conversation(conversation);
        self.send(Job::Erase(conversation.clone()));
    }

    /// Waits (boundedly) until everything sent so far is written.
    pub fn flush(&self) {
        let (done, wait) = std::sync::mpsc::channel();
        self.send(Job::Flush(done));
        let _ = wait.recv_timeout(Duration::from_secs(5));
    }

    /// Writes what is pending and stops the writer; for shutdown.
    pub fn close(&self) {
        self.sender.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = writer.join();
        }
    }
}

fn write_loop(
    receiver: Receiver<Job>,
    store: Arc<Store>,
    dropped: Arc<AtomicU64>,
    retention_days: u32,
) {
    let mut last_purge = 0;
    let mut failing = false;
    while let Ok(first) = receiver.recv() {
        // Gather what arrives in a short while into one transaction: under load that is one
        // commit for many questions instead of one each. Sleeping rather than waiting on the
        // channel means a question's record wakes no thread.
        if !matches!(first, Job::Flush(_)) {
            std::thread::sleep(LINGER);
        }
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let records = jobs.iter().filter(|j| !matches!(j, Job::Flush(_))).count() as u64;
        if records > 0 {
            failing = record(&store, &jobs, records, &dropped, failing);
        }
        if now() - last_purge > 3600 {
            last_purge = now();
            if let Err(err) = store.purge_older_than(retention_days, last_purge) {
                tracing::warn!("could not delete old questions: {err:#}");
            }
        }
        for job in jobs {
            if let Job::Flush(done) = job {
                let _ = done.send(());
            }
        }
    }
}

/// Writes one batch; returns whether writing fails now. A failure is logged when it starts
/// (not for every batch of an outage) and its records are counted.
fn record(store: &Store, jobs: &[Job], records: u64, dropped: &AtomicU64, failing: bool) -> bool {
    match store.write(jobs) {
        Ok(()) => {
            if failing {
                tracing::info!("questions are being recorded again");
            }
            false
        }
        Err(err) => {
            dropped.fetch_add(records, Ordering::Relaxed);
            if !failing {
                tracing::warn!(
                    lost = records,
                    "could not record questions ({err:#}); further losses are counted on the staff page"
                );
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Kind;
    use crate::store::tests::{conversation, turn};

    #[test]
    fn questions_are_stored_redacted_and_a_conversation_can_be_erased() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path(), 90);
        recorder.turn(turn(1, now(), Kind::Fallback, "email me at a@b.example"));
        recorder.flush();
        let store = recorder.store();
        let report = store.report(1, now()).unwrap();
        assert_eq!(report.unanswered[0].question, "email me at [email]");
        recorder.erase(&conversation("c_1"));
        recorder.flush();
        assert_eq!(store.report(1, now()).unwrap().questions, 0);
        recorder.close();
    }

    #[test]
    fn without_a_database_records_are_counted_as_lost_and_nothing_fails() {
        let dir = tempfile::tempdir().unwrap();
        let blocked = dir.path().join("a-file");
        std::fs::write(&blocked, "not a folder").unwrap();
        let recorder = Recorder::start(&blocked.join("data"), 90);
        let err = recorder.store().report(1, now()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the questions database cannot be read")
        );
        recorder.turn(turn(1, now(), Kind::Answer, "q"));
        recorder.flush();
        assert_eq!(recorder.dropped(), 1);
        recorder.close();
    }

    /// A database deleted under the service (its WAL left behind, as `rm clinic-chat.db`
    /// does): recording goes on in a new file that does not take the old one's pages from the
    /// WAL, and the turn the old file held is counted as lost.
    #[test]
    fn a_deleted_database_file_is_recreated_and_its_rows_counted_as_lost() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path(), 90);
        recorder.turn(turn(1, now(), Kind::Answer, "first"));
        recorder.flush();
        std::fs::remove_file(dir.path().join("clinic-chat.db")).unwrap();
        recorder.turn(turn(2, now(), Kind::Answer, "second"));
        recorder.flush();
        assert_eq!(recorder.dropped(), 1);
        assert!(dir.path().join("clinic-chat.db").exists());
        assert_eq!(recorder.store().report(1, now()).unwrap().questions, 1);
        recorder.close();
    }
}
