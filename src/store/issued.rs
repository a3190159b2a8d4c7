//! The answer ids given out lately, kept in memory so that feedback can be checked at once:
//! a turn reaches the database only after the writer's next batch, and a visitor may rate an
//! answer before that. Older ids are looked up in the database instead.
//!
//! It is bounded: it holds as many ids as can be waiting for the writer (the queue and one
//! batch) with room to spare, so an id it has forgotten is already in the database or lost.
//! Noting an id allocates nothing once it is full: the chat path pays a lock and a hash.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;

/// Answer ids, as the 128 bits of their hex, with a hash of their conversation's id (for
/// forgetting a conversation's answers when staff erase it).
pub(super) struct Issued {
    recent: Mutex<LruCache<u128, u64>>,
}

impl Issued {
    pub(super) fn new(capacity: usize) -> Issued {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Issued {
            recent: Mutex::new(LruCache::new(capacity)),
        }
    }

    fn recent(&self) -> std::sync::MutexGuard<'_, LruCache<u128, u64>> {
        self.recent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes an answer given in `conversation`; an id of another shape is not ours to note.
    pub(super) fn note(&self, answer_id: &str, conversation: &str) {
        if let Some(key) = key(answer_id) {
            let conversation = conversation_key(conversation);
            self.recent().put(key, conversation);
        }
    }

    pub(super) fn knows(&self, answer_id: &str) -> bool {
        key(answer_id).is_some_and(|key| self.recent().contains(&key))
    }

    /// Forgets the answers given in `conversation` (staff erased it).
    pub(super) fn forget_conversation(&self, conversation: &str) {
        let conversation = conversation_key(conversation);
        let mut recent = self.recent();
        let gone: Vec<u128> = recent
            .iter()
            .filter(|(_, c)| **c == conversation)
            .map(|(answer, _)| *answer)
            .collect();
        for answer in gone {
            recent.pop(&answer);
        }
    }
}

/// The id's 32 hex digits as a number; `None` for anything this service does not issue.
fn key(answer_id: &str) -> Option<u128> {
    let hex = answer_id.strip_prefix("a_")?;
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(hex, 16).ok()
}

fn conversation_key(conversation: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one(conversation)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f";
    const B: &str = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e60";
    const C: &str = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e61";

    #[test]
    fn it_knows_what_it_noted_up_to_its_capacity_and_forgets_erased_conversations() {
        let issued = Issued::new(2);
        issued.note(A, "c_one");
        issued.note(B, "c_two");
        assert!(issued.knows(A) && issued.knows(B));
        assert!(!issued.knows("a_not-hex") && !issued.knows(&A[..20]));
        issued.note(C, "c_one");
        assert!(!issued.knows(A), "the oldest goes when it is full");
        issued.forget_conversation("c_one");
        assert!(!issued.knows(C));
        assert!(issued.knows(B));
    }
}
