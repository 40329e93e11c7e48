//! ECS errors in the JSON 1.1 shape: `{"__type": "<Code>", "message": "..."}` with a status code.

use serde::Serialize;

/// The error codes this simulator answers with, spelled exactly as ECS spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    ClusterNotFound,
    ClusterContainsServices,
    ResourceNotFound,
    ServiceNotFound,
    ServiceNotActive,
    ServiceDeploymentNotFound,
    Conflict,
    InvalidParameter,
    Client,
    Throttling,
    AccessDenied,
    UnknownOperation,
    Serialization,
    Server,
    /// A session credential past its expiry (STS-issued credentials only).
    ExpiredToken,
}

impl ErrorCode {
    /// The `__type` value; the SDK maps it to a typed error (or `Unhandled` with this code).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ClusterNotFound => "ClusterNotFoundException",
            ErrorCode::ClusterContainsServices => "ClusterContainsServicesException",
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::ServiceNotFound => "ServiceNotFoundException",
            ErrorCode::ServiceNotActive => "ServiceNotActiveException",
            ErrorCode::ServiceDeploymentNotFound => "ServiceDeploymentNotFoundException",
            ErrorCode::Conflict => "ConflictException",
            ErrorCode::InvalidParameter => "InvalidParameterException",
            ErrorCode::Client => "ClientException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::UnknownOperation => "com.amazon.coral.service#UnknownOperationException",
            ErrorCode::Serialization => "SerializationException",
            ErrorCode::Server => "ServerException",
            ErrorCode::ExpiredToken => "ExpiredTokenException",
        }
    }

    /// ECS answers client faults with 400 and its own faults with 500.
    pub(crate) fn http_status(self) -> u16 {
        match self {
            ErrorCode::Server => 500,
            _ => 400,
        }
    }
}

/// An error answer to an ECS operation.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub(crate) struct EcsError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl EcsError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn cluster_not_found() -> Self {
        Self::new(ErrorCode::ClusterNotFound, "Cluster not found.")
    }

    pub(crate) fn service_not_found() -> Self {
        Self::new(ErrorCode::ServiceNotFound, "Service not found.")
    }

    pub(crate) fn service_not_active() -> Self {
        Self::new(ErrorCode::ServiceNotActive, "Service was not ACTIVE.")
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message)
    }

    pub(crate) fn client(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Client, message)
    }

    pub(crate) fn throttling() -> Self {
        Self::new(ErrorCode::Throttling, "Rate exceeded")
    }

    pub(crate) fn server(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Server, message)
    }

    /// The JSON body ECS sends with an error (an empty message is left out, as for an unknown action).
    pub(crate) fn body(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Body<'a> {
            #[serde(rename = "__type")]
            kind: &'a str,
            #[serde(skip_serializing_if = "str::is_empty")]
            message: &'a str,
        }
        serde_json::to_vec(&Body {
            kind: self.code.as_str(),
            message: &self.message,
        })
        .unwrap_or_else(|_| br#"{"__type":"ServerException","message":"error body"}"#.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_json_1_1_error_shape() {
        let body = EcsError::cluster_not_found().body();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"__type": "ClusterNotFoundException", "message": "Cluster not found."})
        );
    }

    #[test]
    fn server_errors_are_500_and_the_rest_400() {
        assert_eq!(ErrorCode::Server.http_status(), 500);
        assert_eq!(ErrorCode::Throttling.http_status(), 400);
    }
}
