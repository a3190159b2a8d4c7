//! Optional front matter: `key: value` lines between two `---` lines at the top of a file.

use std::collections::BTreeMap;

/// The keys the service understands, and the rest kept as metadata.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub url: Option<String>,
    pub date: Option<String>,
    pub meta: BTreeMap<String, String>,
}

impl FrontMatter {
    /// Splits `text` into its front matter (empty when there is none) and the rest.
    pub fn split(text: &str) -> (FrontMatter, &str) {
        let Some(rest) = strip_fence(text) else {
            return (FrontMatter::default(), text);
        };
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.trim_end() == "---" {
                let header = &rest[..offset];
                return (FrontMatter::parse(header), &rest[offset + line.len()..]);
            }
            offset += line.len();
        }
        // An opening fence without a closing one is ordinary text.
        (FrontMatter::default(), text)
    }

    fn parse(header: &str) -> FrontMatter {
        let mut front = FrontMatter::default();
        for line in header.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = unquote(value.trim());
            if key.is_empty() || value.is_empty() || key.starts_with('#') {
                continue;
            }
            match key.as_str() {
                "title" => front.title = Some(value),
                "url" | "canonical" => front.url = Some(value),
                "date" => front.date = Some(value),
                _ => {
                    front.meta.insert(key, value);
                }
            }
        }
        front
    }
}

fn strip_fence(text: &str) -> Option<&str> {
    let first = text.lines().next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let len = text.find('\n').map_or(text.len(), |i| i + 1);
    Some(&text[len..])
}

fn unquote(value: &str) -> String {
    let stripped = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
    stripped.unwrap_or(value).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_are_read_and_others_kept() {
        let (front, body) = FrontMatter::split(
            "---\ntitle: \"Chemical peels: a guide\"\nurl: https://x.example/p\ndate: 2025-01-02\ntags: skin\n---\nBody\n",
        );
        assert_eq!(front.title.as_deref(), Some("Chemical peels: a guide"));
        assert_eq!(front.url.as_deref(), Some("https://x.example/p"));
        assert_eq!(front.date.as_deref(), Some("2025-01-02"));
        assert_eq!(front.meta["tags"], "skin");
        assert_eq!(body, "Body\n");
    }

    #[test]
    fn a_file_without_front_matter_is_left_whole() {
        let (front, body) = FrontMatter::split("Title\n---\nmore");
        assert_eq!(front, FrontMatter::default());
        assert_eq!(body, "Title\n---\nmore");
    }

    #[test]
    fn an_unclosed_fence_is_not_front_matter() {
        let (front, body) = FrontMatter::split("---\ntitle: x\nno end");
        assert_eq!(front.title, None);
        assert_eq!(body, "---\ntitle: x\nno end");
    }
}
