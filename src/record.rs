//! What a reply is known by once it has left the answerer: its kind, its own id, its
//! conversation's id and how its question was read ([`Reading`]). The HTTP edge, the answerer and the store all speak of them, so each is
//! made and parsed here, once; this module knows nothing of those three. In JSON each is a
//! plain string, in the shapes the widget has always been sent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What kind of reply a visitor got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Answer,
    Fallback,
    Urgent,
    Smalltalk,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Answer, Kind::Fallback, Kind::Urgent, Kind::Smalltalk];

    /// Its name, as in the reply's JSON and the questions database.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Fallback => "fallback",
            Kind::Urgent => "urgent",
            Kind::Smalltalk => "smalltalk",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = BadRecord;

    fn from_str(name: &str) -> Result<Kind, BadRecord> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or(BadRecord::Kind)
    }
}

/// How the answerer read a question, kept with it so that staff can group questions by
/// meaning: the treatment it names and what it asks about it. Two wordings of one question
/// ("how many fat freezing sessions?", "number of cryolipolysis treatments needed") read the
/// same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The treatment in the visitor's words, typo-corrected: "fat freezing".
    pub treatment: String,
    /// The same treatment whichever way it is said: the first of its wordings' stems.
    pub treatment_key: String,
    /// What is asked about it: its primary intent's name ("count"), when one was recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// Text that is not the record it was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadRecord {
    #[error("not a kind of reply")]
    Kind,
    #[error("not an answer id this service gives")]
    AnswerId,
    #[error("not a conversation id: 1 to 64 letters, digits, '_' or '-'")]
    ConversationId,
}

/// One reply's id: `a_` and 32 hex digits. Feedback names the answer by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(pattern = "^a_[0-9a-f]{32}$")]
pub struct AnswerId(String);

impl AnswerId {
    pub fn fresh() -> AnswerId {
        AnswerId(fresh(ANSWER_PREFIX))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Its 32 hex digits as a number: a compact key for remembering it.
    pub fn as_u128(&self) -> u128 {
        u128::from_str_radix(&self.0[ANSWER_PREFIX.len()..], 16)
            .expect("an answer id is 32 hex digits")
    }
}

const ANSWER_PREFIX: &str = "a_";

impl FromStr for AnswerId {
    type Err = BadRecord;

    fn from_str(id: &str) -> Result<AnswerId, BadRecord> {
        match id.strip_prefix(ANSWER_PREFIX) {
            Some(hex) if hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Ok(AnswerId(id.to_string()))
            }
            _ => Err(BadRecord::AnswerId),
        }
    }
}

/// A conversation's id: this service makes `c_` and 32 hex digits, and takes from a client any
/// id of 1 to 64 ASCII letters, digits, `_` or `-` (the widget sends back the one it was given;
/// another client may keep its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
pub struct ConversationId(String);

impl ConversationId {
    pub fn fresh() -> ConversationId {
        ConversationId(fresh("c_"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ConversationId {
    type Err = BadRecord;

    fn from_str(id: &str) -> Result<ConversationId, BadRecord> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if (1..=64).contains(&id.len()) && id.bytes().all(allowed) {
            Ok(ConversationId(id.to_string()))
        } else {
            Err(BadRecord::ConversationId)
        }
    }
}

/// A fresh id: `prefix` and 32 hex digits of a UUID v7, whose leading timestamp keeps the
/// questions database appending to its indexes instead of dirtying a random page per record.
fn fresh(prefix: &str) -> String {
    let mut hex = uuid::Uuid::encode_buffer();
    let hex = uuid::Uuid::now_v7().simple().encode_lower(&mut hex);
    let mut id = String::with_capacity(prefix.len() + hex.len());
    id.push_str(prefix);
    id.push_str(hex);
    id
}

/// `TryFrom<&str>`, `Display` and serde as a plain string, for the id types.
macro_rules! text_record {
    ($type:ty) => {
        impl TryFrom<&str> for $type {
            type Error = BadRecord;

            fn try_from(text: &str) -> Result<$type, BadRecord> {
                text.parse()
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$type, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_record!(AnswerId);
text_record!(ConversationId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_have_their_prefix_and_32_hex_digits_and_parse_back() {
        let answer = AnswerId::fresh();
        let conversation = ConversationId::fresh();
        for (id, prefix) in [(answer.as_str(), "a_"), (conversation.as_str(), "c_")] {
            assert_eq!(id.len(), 34, "{id}");
            assert!(id.starts_with(prefix), "{id}");
            assert!(id[2..].bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        }
        assert_eq!(answer.as_str().parse(), Ok(answer.clone()));
        assert_eq!(
            ConversationId::try_from(conversation.as_str()),
            Ok(conversation)
        );
        assert_ne!(AnswerId::fresh(), answer, "two answers never share an id");
    }

    #[test]
    fn only_ids_this_service_gives_are_answer_ids() {
        let given = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f";
        assert!(given.parse::<AnswerId>().is_ok());
        for other in [
            "",
            "a_",
            &given[..33],
            &format!("{given}0"),
            "c_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f",
            "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5g",
            "a_0190f0e0a1b27c3d8e9f0a1b2c3d4é",
            "<script>",
        ] {
            assert_eq!(
                other.parse::<AnswerId>(),
                Err(BadRecord::AnswerId),
                "{other}"
            );
        }
        assert_eq!(
            given.parse::<AnswerId>().unwrap().as_u128(),
            0x0190f0e0a1b27c3d8e9f0a1b2c3d4e5f
        );
    }

    #[test]
    fn a_visitors_own_conversation_id_is_taken_when_short_and_plain() {
        for taken in ["visitor-42", "c_1", "X", &"a".repeat(64)] {
            assert_eq!(taken.parse::<ConversationId>().unwrap().as_str(), taken);
        }
        for refused in [
            "",
            &"a".repeat(65),
            "with space",
            "semi;colon",
            "café",
            "a/b",
        ] {
            assert_eq!(
                refused.parse::<ConversationId>(),
                Err(BadRecord::ConversationId),
                "{refused}"
            );
        }
    }

    #[test]
    fn records_are_plain_strings_in_json() {
        let id: AnswerId = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f".parse().unwrap();
        let json = serde_json::json!({"id": id, "kind": Kind::Smalltalk});
        assert_eq!(
            json.to_string(),
            r#"{"id":"a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f","kind":"smalltalk"}"#
        );
        let back: ConversationId = serde_json::from_str(r#""visitor-42""#).unwrap();
        assert_eq!(back.to_string(), "visitor-42");
        assert!(serde_json::from_str::<AnswerId>(r#""a_1""#).is_err());
    }

    #[test]
    fn a_kind_is_read_back_from_its_name() {
        for kind in Kind::ALL {
            assert_eq!(kind.to_string().parse(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        assert_eq!("Answer".parse::<Kind>(), Err(BadRecord::Kind));
    }
}
