//! The "resource was created but failed to initialize" error of the Pulumi protocol.
//!
//! When a deployment fails, the resource still has outputs worth keeping (status, failureMessage, ...). The
//! engine records them, and shows the reasons, only if the gRPC error carries a `google.rpc.Status` detail
//! holding a `pulumirpc.ErrorResourceInitFailed`. tonic transports that detail as the raw bytes of a
//! `google.rpc.Status`, which is small enough to declare here rather than pull in a crate for it.

use prost::Message;
use prost::bytes::Bytes;
use prost_types::{Any, Struct};
use pulumi_gestalt_proto::pulumi::pulumirpc::ErrorResourceInitFailed;
use tonic::{Code, Status};

/// `google.rpc.Status`, the payload of gRPC's `grpc-status-details-bin` trailer.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// The type URL under which the engine looks for the detail.
pub const INIT_FAILED_TYPE_URL: &str = "type.googleapis.com/pulumirpc.ErrorResourceInitFailed";

/// What a failed `Create`/`Update` reports alongside its outputs.
#[derive(Clone, Debug)]
pub struct InitFailure {
    pub id: String,
    pub outputs: Struct,
    pub inputs: Struct,
    /// One line per reason; the engine prints each.
    pub reasons: Vec<String>,
}

/// The error status carrying the outputs, so the engine keeps the state and shows `message`.
pub fn resource_init_failed(message: &str, failure: InitFailure) -> Status {
    let detail = ErrorResourceInitFailed {
        id: failure.id,
        properties: Some(failure.outputs),
        reasons: failure.reasons,
        inputs: Some(failure.inputs),
        refresh_before_update: false,
    };
    let status = RpcStatus {
        code: Code::Unknown as i32,
        message: message.to_string(),
        details: vec![Any {
            type_url: INIT_FAILED_TYPE_URL.to_string(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(Code::Unknown, message, Bytes::from(status.encode_to_vec()))
}

/// Reads the detail back out of a status (what the engine does; used by tests and diagnostics).
pub fn init_failure_of(status: &Status) -> Option<ErrorResourceInitFailed> {
    let rpc_status = RpcStatus::decode(status.details()).ok()?;
    rpc_status
        .details
        .iter()
        .find(|any| any.type_url == INIT_FAILED_TYPE_URL)
        .and_then(|any| ErrorResourceInitFailed::decode(any.value.as_slice()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::properties::string_value;

    #[test]
    fn detail_round_trips_with_outputs_and_reasons() {
        let outputs = Struct {
            fields: [("status".to_string(), string_value("FAILED"))]
                .into_iter()
                .collect(),
        };
        let status = resource_init_failed(
            "deployment failed: boom",
            InitFailure {
                id: "c/s/ecs-svc/1".into(),
                outputs: outputs.clone(),
                inputs: Struct::default(),
                reasons: vec!["boom".into()],
            },
        );
        assert_eq!(status.code(), Code::Unknown);
        assert_eq!(status.message(), "deployment failed: boom");
        let detail = init_failure_of(&status).unwrap();
        assert_eq!(detail.id, "c/s/ecs-svc/1");
        assert_eq!(detail.properties, Some(outputs));
        assert_eq!(detail.reasons, ["boom"]);
        let rpc_status = RpcStatus::decode(status.details()).unwrap();
        assert_eq!(rpc_status.code, 2);
    }

    #[test]
    fn plain_errors_have_no_detail() {
        assert!(init_failure_of(&Status::internal("x")).is_none());
    }
}
