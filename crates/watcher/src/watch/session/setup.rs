//! From a request to a plan: validated names, what to look for, and the clock.
//! What cannot be followed at all is refused by the wait kinds, at the first look.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::super::wanted::Wanted;
use super::super::{WaitError, WaitOptions, WaitRequest};
use crate::input::{self, DeploymentRef, InputError, TaskDefinitionRef};
use crate::message;

/// The request, validated.
pub(crate) struct Plan {
    pub(crate) cluster: String,
    pub(crate) service: String,
    pub(crate) wanted: Wanted,
    pub(crate) desired: Option<TaskDefinitionRef>,
}

impl Plan {
    pub(super) fn new(request: &WaitRequest, options: &WaitOptions) -> Result<Self, WaitError> {
        let cluster = input::cluster("cluster", &request.cluster)?;
        let service = input::service("service", &request.service)?;
        let desired = request
            .desired_task_definition
            .as_deref()
            .map(|td| input::task_definition("desired task definition", td))
            .transpose()?;
        let deployment = request
            .deployment
            .as_deref()
            .map(|d| input::deployment("deployment", d))
            .transpose()?;
        let given = |field, value| input::Given { field, value };
        input::same_place(
            Some(given("cluster", &request.cluster)),
            Some(given("service", &request.service)),
            request
                .desired_task_definition
                .as_deref()
                .map(|td| given("desired task definition", td)),
            None,
        )?;
        if options.poll_interval.is_zero() {
            return Err(InputError::new(
                "poll interval",
                "0s",
                "expected a positive duration such as 2s",
            )
            .into());
        }
        let wanted = match (deployment, &desired) {
            (Some(DeploymentRef::DeploymentId(id)), _) => Wanted::DeploymentId(id),
            (Some(DeploymentRef::ServiceDeploymentArn(arn)), _) => {
                Wanted::ServiceDeploymentArn(arn)
            }
            (None, Some(reference)) => Wanted::TaskDefinition(reference.clone()),
            (None, None) => Wanted::Current,
        };
        Ok(Self {
            cluster,
            service,
            wanted,
            desired,
        })
    }

    /// The phrase after "no deployment" in the not-found message.
    pub(super) fn wanted_phrase(&self) -> String {
        match &self.wanted {
            Wanted::TaskDefinition(reference) => format!("of task definition {reference}"),
            Wanted::DeploymentId(id) => id.clone(),
            Wanted::ServiceDeploymentArn(arn) => arn.clone(),
            Wanted::Current => "at all".to_owned(),
        }
    }
}

/// The moments a wait is measured against, fixed when it starts.
pub(super) struct Clock {
    started: Instant,
    /// TIMED_OUT after this; the last look happens right at it.
    pub(super) deadline: Instant,
    /// One poll interval past the deadline: a call still unanswered then is abandoned.
    pub(super) hard_stop: Instant,
    /// The wanted deployment must have appeared by then.
    pub(super) discovery_ends: Instant,
    /// `started` on the wall clock, to compare with the timestamps ECS reports.
    started_wall_millis: i64,
}

impl Clock {
    /// How long the wait has run.
    pub(super) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// When the wait started, in epoch milliseconds.
    pub(super) fn started_wall_millis(&self) -> i64 {
        self.started_wall_millis
    }

    pub(super) fn start(options: &WaitOptions) -> Result<Self, WaitError> {
        let started = Instant::now();
        // Library callers may pass any Duration; one the clock cannot reach is bad
        // input, not a panic.
        let unreachable = |field: &str, value: Duration| {
            InputError::new(
                field,
                &message::human_duration(value),
                "expected a duration of at most a few years, such as 3m",
            )
        };
        let deadline = started
            .checked_add(options.timeout)
            .ok_or_else(|| unreachable("timeout", options.timeout))?;
        let hard_stop = deadline
            .checked_add(options.poll_interval)
            .ok_or_else(|| unreachable("poll interval", options.poll_interval))?;
        let started_wall_millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        Ok(Self {
            started,
            deadline,
            hard_stop,
            discovery_ends: started
                .checked_add(options.discovery_grace)
                .map_or(deadline, |ends| ends.min(deadline)),
            started_wall_millis,
        })
    }
}
