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

use crate::record::{AnswerId, ConversationId};

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

    /// Notes an answer given in `conversation`.
    pub(super) fn note(&self, answer_id: &AnswerId, conversation: &ConversationId) {
        let conversation = conversation_key(conversation);
        self.recent().put(answer_id.as_u128(), conversation);
    }

    pub(super) fn knows(&self, answer_id: &AnswerId) -> bool {
        self.recent().contains(&answer_id.as_u128())
    }

    /// Forgets the answers given in `conversation` (staff erased it).
    pub(super) fn forget_conversation(&self, conversation: &ConversationId) {
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

fn conversation_key(conversation: &ConversationId) -> u64 {
    foldhash::fast::FixedState::default().hash_one(conversation.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_knows_what_it_noted_up_to_its_capacity_and_forgets_erased_conversations() {
        let [a, b, c] = ["5f", "60", "61"].map(|end| {
            format!("a_0190f0e0a1b27c3d8e9f0a1b2c3d4e{end}")
                .parse::<AnswerId>()
                .unwrap()
        });
        let [one, two] = ["c_one", "c_two"].map(|c| c.parse::<ConversationId>().unwrap());
        let issued = Issued::new(2);
        issued.note(&a, &one);
        issued.note(&b, &two);
        assert!(issued.knows(&a) && issued.knows(&b));
        assert!(!issued.knows(&AnswerId::fresh()));
        issued.note(&c, &one);
        assert!(!issued.knows(&a), "the oldest goes when it is full");
        issued.forget_conversation(&one);
        assert!(!issued.knows(&c));
        assert!(issued.knows(&b));
    }
}
