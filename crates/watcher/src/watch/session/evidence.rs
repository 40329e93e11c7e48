//! Evidence about the target: its stopped tasks (why it fails) and the service
//! events since it began (what ECS said), each reported once.

use std::collections::HashSet;

use futures::future::join_all;

use super::super::ProgressEvent;
use super::{Core, Step, Stop};
use crate::api::ApiError;
use crate::layer::Operation;
use crate::model::{ServiceEvent, ServiceSnapshot, StoppedTask};

/// Events older than this before the wait began are history, not news.
const EVENT_LOOKBACK_MILLIS: i64 = 10 * 60 * 1000;

#[derive(Default)]
pub(crate) struct Evidence {
    seen_events: HashSet<String>,
    /// Events since the deployment began, newest first.
    pub(super) events: Vec<ServiceEvent>,
    /// At least one look happened: events without a timestamp that appear later are new.
    looked_before: bool,
    seen_tasks: HashSet<String>,
    /// Stopped tasks started by the target.
    pub(crate) stopped: Vec<StoppedTask>,
}

impl Evidence {
    /// Events in `snapshot` not seen before, oldest first, that happened after `since_millis`.
    fn take_new_events(
        &mut self,
        snapshot: &ServiceSnapshot,
        since_millis: i64,
    ) -> Vec<ServiceEvent> {
        let mut fresh = Vec::new();
        for event in snapshot.events.iter().rev() {
            let key = match (&event.id, event.created_at) {
                (Some(id), _) => id.clone(),
                (None, created) => format!("{created:?}:{}", event.message),
            };
            if !self.seen_events.insert(key) {
                continue;
            }
            let recent = match event.created_at {
                Some(created) => created.epoch_millis() >= since_millis,
                // Without a timestamp only what appears after the first look is new.
                None => self.looked_before,
            };
            if recent {
                self.events.insert(0, event.clone());
                fresh.push(event.clone());
            }
        }
        self.looked_before = true;
        fresh
    }
}

impl Core<'_> {
    /// New service events, emitted once each in the order they happened. Events
    /// from well before this deployment are history, not news.
    pub(super) fn take_new_events(&mut self, snapshot: &ServiceSnapshot) -> Vec<ServiceEvent> {
        let lookback_start = self.clock.started_wall_millis() - EVENT_LOOKBACK_MILLIS;
        let since = self
            .target()
            .and_then(|t| t.created_at)
            .map(|t| t.epoch_millis().max(lookback_start))
            .unwrap_or(lookback_start);
        let fresh = self.evidence.take_new_events(snapshot, since);
        for event in &fresh {
            self.emit(ProgressEvent::ServiceEvent {
                message: event.message.clone(),
            });
        }
        fresh
    }

    /// Lists the service's stopped tasks and describes the ones not seen before.
    /// Returns false when a transient error cut the look short.
    pub(super) async fn collect_stopped_tasks(&mut self) -> Result<bool, Stop> {
        let answer = self
            .guard(
                Operation::ListTasks,
                self.shared
                    .api
                    .list_stopped_tasks(&self.plan.cluster, &self.plan.service),
            )
            .await?;
        let arns = match answer {
            Ok(arns) => arns,
            Err(error) => return self.task_call_failed(Operation::ListTasks, error),
        };
        let unseen: Vec<String> = arns
            .into_iter()
            .filter(|arn| !self.evidence.seen_tasks.contains(arn))
            .collect();
        if unseen.is_empty() {
            return Ok(true);
        }
        let lookups = join_all(unseen.iter().map(|arn| {
            self.shared
                .tasks
                .get(self.plan.cluster.clone(), arn.clone())
        }));
        let answers = self.guard(Operation::DescribeTasks, lookups).await?;
        let target_id = self.target().map(|t| t.deployment_id.clone());
        // Tasks left undescribed are simply asked about again next time; one
        // failed batch is one failed call, reported once.
        let mut first_error: Option<ApiError> = None;
        for (arn, answer) in unseen.into_iter().zip(answers) {
            match answer {
                Ok(Some(task)) => {
                    self.evidence.seen_tasks.insert(arn);
                    if task.started_by.is_some() && task.started_by == target_id {
                        self.emit(ProgressEvent::TaskStopped { task: task.clone() });
                        self.evidence.stopped.push(task);
                    }
                }
                // Gone already (ECS keeps stopped tasks about an hour).
                Ok(None) => {
                    self.evidence.seen_tasks.insert(arn);
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => self.task_call_failed(Operation::DescribeTasks, error),
            None => Ok(true),
        }
    }

    fn task_call_failed(&mut self, operation: Operation, error: ApiError) -> Result<bool, Stop> {
        match self.call_failed(operation, error)? {
            Step::Retry => Ok(false),
            Step::Continue | Step::Decided(_) => Ok(true),
        }
    }
}
