//! ECS's enumerated states as types.
//!
//! Each enum has the values the ECS API reference lists and an `Unknown` arm for
//! anything else: ECS adds values over time (lifecycle stages arrived in 2025),
//! and a watcher that meets a new one must still read the rest of the answer. The
//! wire text is kept in `Unknown`, so messages can quote it. Matching on these
//! enums (not on strings) lets the compiler prove every state is handled.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares an ECS enum: its variants with their wire spelling, `Unknown(String)`,
/// string conversion both ways, `Display`, and serde as the plain wire string.
macro_rules! ecs_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this version of the watcher does not know, as ECS spelled it.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in the order the API reference lists them.
            pub const ALL: &'static [Self] = &[$( Self::$variant ),+];

            /// The spelling ECS uses on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(text.as_ref()))
            }
        }
    };
}

ecs_enum! {
    /// `Service.status`.
    ServiceStatus {
        Active = "ACTIVE",
        /// Being deleted.
        Draining = "DRAINING",
        /// Deleted.
        Inactive = "INACTIVE",
    }
}

ecs_enum! {
    /// `Deployment.status` in `DescribeServices` `deployments[]`.
    DeploymentStatus {
        /// The deployment ECS routes to: the newest one.
        Primary = "PRIMARY",
        /// An older deployment still running tasks.
        Active = "ACTIVE",
        Inactive = "INACTIVE",
    }
}

ecs_enum! {
    /// `Deployment.rolloutState`.
    RolloutState {
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        Failed = "FAILED",
    }
}

ecs_enum! {
    /// `ServiceDeployment.status` (and `ServiceDeploymentBrief.status`).
    ServiceDeploymentStatus {
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Successful = "SUCCESSFUL",
        StopRequested = "STOP_REQUESTED",
        Stopped = "STOPPED",
        RollbackRequested = "ROLLBACK_REQUESTED",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackSuccessful = "ROLLBACK_SUCCESSFUL",
        RollbackFailed = "ROLLBACK_FAILED",
    }
}

impl ServiceDeploymentStatus {
    /// Any of the four rollback states, requested to failed.
    pub fn is_rollback(&self) -> bool {
        matches!(
            self,
            Self::RollbackRequested
                | Self::RollbackInProgress
                | Self::RollbackSuccessful
                | Self::RollbackFailed
        )
    }

    /// Still rolling forward: not finished, stopped or rolling back.
    pub fn is_running(&self) -> bool {
        matches!(self, Self::Pending | Self::InProgress)
    }
}

ecs_enum! {
    /// `ServiceDeployment.lifecycleStage`, in the order a deployment passes them.
    /// Rolling deployments report a subset; staged strategies (blue/green, linear,
    /// canary) go through all of them, possibly several between two looks.
    LifecycleStage {
        ReconcileService = "RECONCILE_SERVICE",
        PreScaleUp = "PRE_SCALE_UP",
        ScaleUp = "SCALE_UP",
        PostScaleUp = "POST_SCALE_UP",
        TestTrafficShift = "TEST_TRAFFIC_SHIFT",
        PostTestTrafficShift = "POST_TEST_TRAFFIC_SHIFT",
        ProductionTrafficShift = "PRODUCTION_TRAFFIC_SHIFT",
        PostProductionTrafficShift = "POST_PRODUCTION_TRAFFIC_SHIFT",
        BakeTime = "BAKE_TIME",
        CleanUp = "CLEAN_UP",
    }
}

impl LifecycleStage {
    /// Position in the deployment's course (the stages are declared in it); `None`
    /// for a stage this version does not know. Stages are compared by order, never
    /// by equality, because a deployment may pass several between two looks.
    pub fn position(&self) -> Option<u8> {
        let index = Self::ALL.iter().position(|known| known == self)?;
        u8::try_from(index).ok()
    }
}

ecs_enum! {
    /// `Task.stopCode`.
    TaskStopCode {
        TaskFailedToStart = "TaskFailedToStart",
        EssentialContainerExited = "EssentialContainerExited",
        UserInitiated = "UserInitiated",
        ServiceSchedulerInitiated = "ServiceSchedulerInitiated",
        SpotInterruption = "SpotInterruption",
        TerminationNotice = "TerminationNotice",
    }
}

ecs_enum! {
    /// `ServiceDeploymentCircuitBreaker.status`.
    CircuitBreakerStatus {
        Triggered = "TRIGGERED",
        Monitoring = "MONITORING",
        MonitoringComplete = "MONITORING_COMPLETE",
        Disabled = "DISABLED",
    }
}

ecs_enum! {
    /// `ServiceDeploymentAlarms.status`.
    AlarmStatus {
        Triggered = "TRIGGERED",
        Monitoring = "MONITORING",
        MonitoringComplete = "MONITORING_COMPLETE",
        Disabled = "DISABLED",
    }
}

ecs_enum! {
    /// `DeploymentConfiguration.strategy`: how ECS replaces the tasks.
    DeploymentStrategy {
        /// Replace tasks in batches (the default, and the only one before 2025).
        Rolling = "ROLLING",
        /// Start the whole new revision, shift test then production traffic, bake.
        BlueGreen = "BLUE_GREEN",
        /// Shift production traffic in equal steps, baking after each.
        Linear = "LINEAR",
        /// Shift a canary share of traffic, bake, then the rest.
        Canary = "CANARY",
    }
}

ecs_enum! {
    /// `DeploymentController.type`: who runs the service's deployments.
    DeploymentControllerType {
        /// ECS itself: the only controller whose deployments ECS reports.
        Ecs = "ECS",
        /// AWS CodeDeploy: its own deployment status is the truth.
        CodeDeploy = "CODE_DEPLOY",
        /// A third-party controller using task sets.
        External = "EXTERNAL",
    }
}

ecs_enum! {
    /// `DeploymentLifecycleHookDetail.status`: where one lifecycle hook stands.
    LifecycleHookStatus {
        /// A PAUSE hook waiting for `ContinueServiceDeployment`.
        AwaitingAction = "AWAITING_ACTION",
        InProgress = "IN_PROGRESS",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
    }
}

ecs_enum! {
    /// `DeploymentLifecycleHookDetail.targetType`: what runs the hook.
    LifecycleHookTargetType {
        AwsLambda = "AWS_LAMBDA",
        /// Waits for a person or a pipeline to continue or roll back.
        Pause = "PAUSE",
    }
}

ecs_enum! {
    /// `DeploymentLifecycleHookDetail.timeoutAction`: what ECS does when a hook times out.
    LifecycleHookAction {
        Continue = "CONTINUE",
        Rollback = "ROLLBACK",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_read_and_write_as_ecs_spells_them() {
        let status: ServiceDeploymentStatus = serde_json::from_str("\"ROLLBACK_FAILED\"").unwrap();
        assert_eq!(status, ServiceDeploymentStatus::RollbackFailed);
        assert!(status.is_rollback());
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            "\"ROLLBACK_FAILED\""
        );
        assert_eq!(
            TaskStopCode::from("UserInitiated"),
            TaskStopCode::UserInitiated
        );
        assert_eq!(DeploymentStrategy::BlueGreen.to_string(), "BLUE_GREEN");
    }

    #[test]
    fn unknown_values_are_kept_verbatim_not_rejected() {
        let stage: LifecycleStage = serde_json::from_str("\"WARP_SPEED\"").unwrap();
        assert_eq!(stage, LifecycleStage::Unknown("WARP_SPEED".into()));
        assert_eq!(stage.as_str(), "WARP_SPEED");
        assert_eq!(stage.position(), None);
        assert_eq!(
            serde_json::to_string(&stage).unwrap(),
            "\"WARP_SPEED\"",
            "an unknown value round-trips"
        );
    }

    #[test]
    fn lifecycle_stages_are_ordered_as_a_deployment_passes_them() {
        let order: Vec<u8> = [
            "RECONCILE_SERVICE",
            "PRE_SCALE_UP",
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP",
        ]
        .into_iter()
        .map(|text| LifecycleStage::from(text).position().unwrap())
        .collect();
        assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{order:?}");
    }
}
