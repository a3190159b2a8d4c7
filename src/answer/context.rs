//! Conversation memory: what the last turn of each conversation asked about, so "and for hair
//! loss?" is read as "how many sessions for hair loss?". Bounded: least recently used
//! conversations are dropped beyond a capacity, and any older than a time limit are forgotten.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lru::LruCache;

use super::analysis::{Analysis, Concept};
use super::intent::Intent;
use super::scope::Scope;

/// What a follow-up may borrow from the turn before it. Kept small (the words, not their
/// analysis) because every conversation has one; a follow-up analyses them again.
#[derive(Debug, Clone)]
pub struct Turn {
    pub intents: Vec<Intent>,
    /// The words of what was asked ("sessions") and what about ("hair loss").
    pub cue_words: String,
    pub topic_words: String,
    /// The articles its treatment decided, for a follow-up that names none.
    pub scope: Scope,
    at: Instant,
}

impl Turn {
    pub fn of(analysis: &Analysis, scope: Scope) -> Turn {
        let words = |cue: bool| {
            let labels: Vec<&str> = analysis
                .concepts
                .iter()
                .filter(|c| c.cue == cue && !c.context)
                .map(|c| c.label.as_str())
                .collect();
            labels.join(" ")
        };
        Turn {
            intents: analysis.intents.clone(),
            cue_words: words(true),
            topic_words: words(false),
            scope,
            at: Instant::now(),
        }
    }

    /// Fills in what a follow-up leaves out: its topic, or what it asks about the new topic.
    /// `analyse` turns the earlier turn's words back into concepts.
    pub fn complete(&self, analysis: &mut Analysis, analyse: impl Fn(&str) -> Vec<Concept>) {
        let has_topic = analysis.topics().next().is_some();
        let has_intent = !analysis.intents.is_empty() || analysis.concepts.iter().any(|c| c.cue);
        if !has_topic && !self.topic_words.is_empty() {
            let topics = analyse(&self.topic_words)
                .into_iter()
                .filter(|c| c.is_topic());
            analysis.concepts.extend(topics);
        }
        let short = analysis.concepts.len() <= 3;
        if has_topic && (!has_intent && short || analysis.continues) && !self.intents.is_empty() {
            analysis.intents = self.intents.clone();
            for cue in analyse(&self.cue_words) {
                if !analysis.concepts.iter().any(|c| c.forms[0] == cue.forms[0]) {
                    analysis.concepts.push(cue);
                }
            }
        }
    }
}

pub struct Memory {
    turns: Mutex<LruCache<String, Turn>>,
    ttl: Duration,
}

impl Memory {
    pub fn new(capacity: usize, ttl: Duration) -> Memory {
        let capacity = NonZeroUsize::new(capacity.max(1)).expect("capacity is at least one");
        Memory {
            turns: Mutex::new(LruCache::new(capacity)),
            ttl,
        }
    }

    pub fn last(&self, conversation: &str) -> Option<Turn> {
        let mut turns = self.turns.lock().unwrap_or_else(|e| e.into_inner());
        match turns.get(conversation) {
            Some(turn) if turn.at.elapsed() <= self.ttl => Some(turn.clone()),
            Some(_) => {
                turns.pop(conversation);
                None
            }
            None => None,
        }
    }

    pub fn remember(&self, conversation: &str, turn: Turn) {
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(conversation.to_string(), turn);
    }

    pub fn forget(&self, conversation: &str) -> bool {
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop(conversation)
            .is_some()
    }

    pub fn len(&self) -> usize {
        self.turns.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn() -> Turn {
        Turn {
            intents: vec![Intent::Count],
            cue_words: "sessions".into(),
            topic_words: String::new(),
            scope: Scope::Any,
            at: Instant::now(),
        }
    }

    #[test]
    fn memory_never_holds_more_than_its_capacity() {
        let memory = Memory::new(3, Duration::from_secs(60));
        for i in 0..10 {
            memory.remember(&format!("c{i}"), turn());
        }
        assert_eq!(memory.len(), 3);
        assert!(memory.last("c0").is_none());
        assert!(memory.last("c9").is_some());
    }

    #[test]
    fn old_turns_are_forgotten() {
        let memory = Memory::new(3, Duration::ZERO);
        memory.remember("c", turn());
        std::thread::sleep(Duration::from_millis(2));
        assert!(memory.last("c").is_none());
        assert!(memory.is_empty());
    }
}
