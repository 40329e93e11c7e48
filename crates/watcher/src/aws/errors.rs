//! SDK errors → [`ApiError`] classes. The loop decides retry, fallback or stop
//! from the class alone, so every ECS error code the watcher can meet is sorted here.

use aws_sdk_ecs::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::api::ApiError;

const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Codes endpoints use for operations they do not implement: old regions,
/// LocalStack-style emulators, partitions without the newer APIs.
const UNSUPPORTED_CODES: &[&str] = &[
    "UnknownOperationException",
    "UnknownOperation",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "UnsupportedFeatureException",
    "InvalidAction",
    "NotImplemented",
    "NotImplementedException",
];

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
    "UnauthorizedException",
];

const SERVER_CODES: &[&str] = &[
    "ServerException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

/// An error and its sources on one line, without the SDK's debug dumps of raw
/// responses (long, and no help to someone fixing their setup).
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = crate::message::one_line(&current.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    crate::message::truncate(&parts.join(": "), 400)
}

/// Sorts an SDK error into the class that decides what the loop does next.
pub fn classify<E>(error: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = error.raw_response().map(|r| r.status().as_u16());
    match &error {
        SdkError::ServiceError(_) => classify_code(
            error.code(),
            error.message().unwrap_or_default(),
            status,
            || error_chain(&error),
        ),
        SdkError::ResponseError(_) if status.is_some_and(|s| s >= 500) => ApiError::Unavailable {
            code: format!("HTTP {}", status.unwrap_or_default()),
            message: error_chain(&error),
        },
        SdkError::ConstructionFailure(_) => ApiError::InvalidParameter {
            code: "request construction failed".into(),
            message: error_chain(&error),
        },
        // Said plainly, because a timeout message may end up quoting it: "could not
        // reach" and "unreadable answer" call for different fixes.
        SdkError::TimeoutError(_) => ApiError::Transport {
            message: format!("no answer in time: {}", error_chain(&error)),
        },
        SdkError::ResponseError(_) => ApiError::Transport {
            message: format!("unreadable answer from ECS: {}", error_chain(&error)),
        },
        _ => ApiError::Transport {
            message: format!("could not reach ECS: {}", error_chain(&error)),
        },
    }
}

/// Classification by error code, HTTP status and message, for service errors.
pub(crate) fn classify_code(
    code: Option<&str>,
    message: &str,
    status: Option<u16>,
    describe: impl FnOnce() -> String,
) -> ApiError {
    let code_text = code
        .map(str::to_owned)
        .or_else(|| status.map(|s| format!("HTTP {s}")))
        .unwrap_or_else(|| "unknown error".to_owned());
    let message = if message.is_empty() {
        describe()
    } else {
        message.to_owned()
    };
    let is = |codes: &[&str]| code.is_some_and(|c| codes.contains(&c));
    // ECS answers throttling as `ThrottlingException: Rate exceeded`, but some
    // proxies keep only the message.
    if is(THROTTLING_CODES) || status == Some(429) || message.contains("Rate exceeded") {
        return ApiError::Throttled {
            code: code_text,
            message,
        };
    }
    if is(ACCESS_DENIED_CODES) {
        return ApiError::AccessDenied { message };
    }
    match code {
        Some("ClusterNotFoundException") => return ApiError::ClusterNotFound { message },
        Some("ServiceNotFoundException") => return ApiError::ServiceNotFound { message },
        _ => {}
    }
    if is(UNSUPPORTED_CODES) || matches!(status, Some(404 | 501)) {
        return ApiError::Unsupported {
            code: code_text,
            message,
        };
    }
    if is(SERVER_CODES) || status.is_some_and(|s| s >= 500) {
        return ApiError::Unavailable {
            code: code_text,
            message,
        };
    }
    ApiError::InvalidParameter {
        code: code_text,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_of(code: Option<&str>, message: &str, status: u16) -> ApiError {
        classify_code(code, message, Some(status), || "described".to_owned())
    }

    /// The class's name, so a table can say which class it expects.
    fn class(error: &ApiError) -> &'static str {
        match error {
            ApiError::Throttled { .. } => "Throttled",
            ApiError::Unavailable { .. } => "Unavailable",
            ApiError::Unsupported { .. } => "Unsupported",
            ApiError::AccessDenied { .. } => "AccessDenied",
            ApiError::ClusterNotFound { .. } => "ClusterNotFound",
            ApiError::ServiceNotFound { .. } => "ServiceNotFound",
            ApiError::InvalidParameter { .. } => "InvalidParameter",
            ApiError::Transport { .. } => "Transport",
        }
    }

    fn assert_classes(cases: &[(Option<&str>, &str, u16, &str)]) {
        for &(code, message, status, expected) in cases {
            assert_eq!(
                class(&classify_of(code, message, status)),
                expected,
                "{code:?} {message:?} HTTP {status}"
            );
        }
    }

    #[test]
    fn throttling_is_recognised_by_code_status_or_message() {
        assert_classes(&[
            (
                Some("ThrottlingException"),
                "Rate exceeded",
                400,
                "Throttled",
            ),
            (None, "", 429, "Throttled"),
            (Some("ClientException"), "Rate exceeded", 400, "Throttled"),
        ]);
    }

    #[test]
    fn ecs_error_codes_map_to_their_classes() {
        assert_classes(&[
            (Some("AccessDeniedException"), "no", 400, "AccessDenied"),
            (
                Some("ClusterNotFoundException"),
                "Cluster not found.",
                400,
                "ClusterNotFound",
            ),
            (
                Some("ServiceNotFoundException"),
                "x",
                400,
                "ServiceNotFound",
            ),
            (Some("ServerException"), "x", 500, "Unavailable"),
            (Some("UnknownOperationException"), "x", 400, "Unsupported"),
            (None, "", 501, "Unsupported"),
            (
                Some("InvalidParameterException"),
                "x",
                400,
                "InvalidParameter",
            ),
        ]);
    }

    #[test]
    fn an_empty_message_falls_back_to_the_full_description() {
        match classify_of(Some("ServerException"), "", 500) {
            ApiError::Unavailable { code, message } => {
                assert_eq!(code, "ServerException");
                assert_eq!(message, "described");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
