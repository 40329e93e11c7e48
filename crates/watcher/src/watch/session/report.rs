//! A verdict (decided by [`crate::verdict`]) turned into the report the caller
//! gets: outcome, the one-line message, and what led to it.

use super::super::{Outcome, WaitReport, Watched};
use super::{Core, UnansweredCall};
use crate::kinds::Kind;
use crate::message::{self, TimeoutContext};
use crate::model::PausedHook;
use crate::verdict::{Assessment, Checkpoint};

impl Core<'_> {
    /// The report for `assessment`; `unanswered` names a call the deadline cut off.
    pub(super) fn report_for(
        &self,
        assessment: Assessment,
        unanswered: Option<UnansweredCall>,
        kind: Option<&Kind>,
    ) -> WaitReport {
        let evidence = &self.evidence;
        let report = |outcome, message| self.report(outcome, message, kind);
        match assessment {
            Assessment::Completed => report(Outcome::Completed, String::new()),
            Assessment::Checkpoint(checkpoint) => {
                let mut report = report(Outcome::Completed, String::new());
                report.checkpoint = Some(message::checkpoint_reached(&checkpoint));
                if let Checkpoint::Paused(hook) = checkpoint {
                    report.paused_hook = Some(hook);
                }
                report
            }
            Assessment::Failed { reason } => report(
                Outcome::Failed,
                message::failure_message(&reason, &evidence.stopped, &evidence.events),
            ),
            Assessment::RolledBack {
                to_task_definition,
                reason,
            } => WaitReport {
                rolled_back_to: to_task_definition.clone(),
                ..report(
                    Outcome::RolledBack,
                    message::failure_message(
                        &message::rolled_back_head(to_task_definition.as_deref(), &reason),
                        &evidence.stopped,
                        &evidence.events,
                    ),
                )
            },
            Assessment::NotFound { reason } => report(Outcome::Failed, reason),
            Assessment::Pending(_) | Assessment::TimedOut => {
                self.timed_out_report(unanswered, kind)
            }
        }
    }

    fn report(&self, outcome: Outcome, failure_message: String, kind: Option<&Kind>) -> WaitReport {
        let service_deployment = kind.and_then(Kind::service_deployment);
        let primary_task_definition = self.snapshot.as_ref().and_then(|s| {
            s.primary_deployment()
                .and_then(|p| p.task_definition.clone())
                .or_else(|| s.task_definition.clone())
        });
        WaitReport {
            outcome,
            failure_message,
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
            desired_task_definition: self.request.desired_task_definition.clone(),
            deployment_id: self.target().map(|t| t.deployment_id.clone()),
            service_deployment_arn: self.target().and_then(|t| t.service_deployment_arn.clone()),
            primary_task_definition,
            rolled_back_to: None,
            elapsed: self.clock.elapsed(),
            stopped_tasks: self.evidence.stopped.clone(),
            used_fallback: service_deployment.is_none(),
            kind: kind.map(Kind::name),
            strategy: self.snapshot.as_ref().map(|s| s.strategy()),
            lifecycle_stage: service_deployment.and_then(|sd| sd.lifecycle_stage.clone()),
            paused_hook: service_deployment.and_then(PausedHook::of),
            checkpoint: None,
        }
    }

    fn timed_out_report(
        &self,
        unanswered: Option<UnansweredCall>,
        kind: Option<&Kind>,
    ) -> WaitReport {
        let desired_text = self.plan.desired.as_ref().map(|d| d.to_string());
        let task_definition = self
            .target()
            .and_then(|t| t.task_definition.as_deref())
            .or(desired_text.as_deref());
        let persistent = self.failures.persistent();
        let message = message::timed_out(&TimeoutContext {
            timeout: self.options.timeout,
            deployment_id: self.target().map(|t| t.deployment_id.as_str()),
            task_definition,
            progress: self.following().and_then(|f| f.last_progress.as_ref()),
            last_event: self.evidence.events.first().map(|e| e.message.as_str()),
            persistent_error: persistent.map(|(_, error, count)| (error, count)),
            failing_operation: persistent.map(|(operation, _, _)| operation),
            unanswered_call: unanswered.map(|call| (call.operation.as_str(), call.waited)),
            stopped_tasks: &self.evidence.stopped,
            paused_hook: kind
                .and_then(Kind::service_deployment)
                .and_then(PausedHook::of)
                .as_ref(),
        });
        self.report(Outcome::TimedOut, message, kind)
    }

    /// The deployment being watched, once found, and how it was followed.
    pub(super) fn watched(&self, kind: Option<&Kind>) -> Option<Watched> {
        let target = self.target()?;
        Some(Watched {
            cluster: self.request.cluster.clone(),
            service: self.request.service.clone(),
            deployment_id: target.deployment_id.clone(),
            service_deployment_arn: target.service_deployment_arn.clone(),
            kind: kind.map(Kind::name),
        })
    }
}
