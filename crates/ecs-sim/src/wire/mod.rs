//! The ECS JSON 1.1 wire protocol: operation names, error shapes, request fields, ARNs,
//! timestamps and pagination tokens. Nothing here knows about the simulated state.

pub(crate) mod arn;
pub(crate) mod error;
pub(crate) mod request;

pub(crate) use error::{EcsError, ErrorCode};
pub(crate) use request::Fields;

/// The `X-Amz-Target` prefix of every ECS operation.
pub(crate) const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";

/// The content type ECS requests and responses carry.
pub(crate) const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A timestamp as ECS writes it: epoch seconds with millisecond precision.
pub(crate) fn timestamp(epoch_seconds: f64) -> f64 {
    (epoch_seconds * 1000.0).round() / 1000.0
}

/// An opaque-looking `nextToken` for "continue after `offset` items".
///
/// Offset paging can skip or repeat an item when the list changes between pages; real ECS
/// tokens are snapshot-free too, so callers must tolerate that anyway.
pub(crate) fn next_token(offset: usize) -> String {
    format!("sim-page-{offset:08x}")
}

/// The offset encoded by [`next_token`].
pub(crate) fn parse_next_token(token: &str) -> Result<usize, EcsError> {
    token
        .strip_prefix("sim-page-")
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| {
            EcsError::invalid_parameter(format!(
                "nextToken: `{token}` is not a token returned by a previous call of this operation."
            ))
        })
}

/// Checks a `maxResults` input against ECS's range for the operation.
pub(crate) fn max_results(
    value: Option<i32>,
    default: usize,
    max: usize,
) -> Result<usize, EcsError> {
    match value {
        None => Ok(default),
        Some(n) if n >= 1 && (n as usize) <= max => Ok(n as usize),
        Some(n) => Err(EcsError::invalid_parameter(format!(
            "maxResults: {n} is out of range; it must be between 1 and {max}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_rejected() {
        assert_eq!(parse_next_token(&next_token(250)).unwrap(), 250);
        let err = parse_next_token("abc").unwrap_err();
        assert!(err.message.contains("nextToken") && err.message.contains("abc"));
    }

    #[test]
    fn timestamps_keep_milliseconds() {
        assert_eq!(timestamp(1.23456), 1.235);
    }

    #[test]
    fn max_results_range() {
        assert_eq!(max_results(None, 100, 100).unwrap(), 100);
        assert_eq!(max_results(Some(5), 100, 100).unwrap(), 5);
        assert!(max_results(Some(0), 100, 100).is_err());
        assert!(max_results(Some(101), 100, 100).is_err());
    }
}
