//! Keeps secret values out of everything the provider says: engine log messages, error texts, check failures.
//!
//! A program may mark any input secret (a cluster name, say); ECS then echoes it back in service events and
//! reasons. Rather than trusting every message source, the provider passes each outgoing text through the
//! [`Redactor`] of the resource it concerns.

/// What a secret value is replaced with.
const MASK: &str = "[secret]";

/// Replaces every occurrence of the secret values of one resource.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn apply(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |text, secret| {
            text.replace(secret.as_str(), MASK)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_occurrence_longest_first() {
        let redactor =
            Redactor::new(["web".to_string(), "web-internal".to_string(), String::new()]);
        assert_eq!(
            redactor.apply("(service web-internal) talks to web"),
            "(service [secret]) talks to [secret]"
        );
    }

    #[test]
    fn without_secrets_text_is_unchanged() {
        assert_eq!(Redactor::default().apply("all fine"), "all fine");
    }
}
