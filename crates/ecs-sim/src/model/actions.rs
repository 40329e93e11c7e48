//! The deployment actions callers took (ContinueServiceDeployment, StopServiceDeployment), kept
//! so tests can prove exactly which deployment a client stopped or continued, and how often.

use serde::Serialize;

/// One accepted ContinueServiceDeployment or StopServiceDeployment call (rejected calls are not
/// recorded; they are counted like every call).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedAction {
    /// `ContinueServiceDeployment` or `StopServiceDeployment`.
    pub operation: String,
    pub service_deployment_arn: String,
    /// ContinueServiceDeployment's `hookId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook_id: Option<String>,
    /// ContinueServiceDeployment's `action` (CONTINUE when not given, as ECS defaults it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// StopServiceDeployment's `stopType` (ROLLBACK when not given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_type: Option<String>,
    /// Simulated epoch seconds of the call.
    pub at: f64,
}
