//! A verdict (decided by [`crate::verdict`]) turned into the report the caller
//! gets: outcome, the one-line message, and what led to it.

use super::super::{Outcome, WaitReport};
use super::{Session, UnansweredCall};
use crate::message::{self, TimeoutContext};
use crate::model::PausedHook;
use crate::verdict::{Assessment, Checkpoint};

impl Session<'_> {
    /// The report for `assessment`; `unanswered` names a call the deadline cut off.
    pub(super) fn report_for(
        &self,
        assessment: Assessment,
        unanswered: Option<UnansweredCall>,
    ) -> WaitReport {
        let evidence = &self.evidence;
        match assessment {
            Assessment::Completed => self.report(Outcome::Completed, String::new()),
            Assessment::Checkpoint(checkpoint) => {
                let mut report = self.report(Outcome::Completed, String::new());
                report.checkpoint = Some(message::checkpoint_reached(&checkpoint));
                if let Checkpoint::Paused(hook) = checkpoint {
                    report.paused_hook = Some(hook);
                }
                report
            }
            Assessment::Failed { reason } => self.report(
                Outcome::Failed,
                message::failure_message(&reason, &evidence.stopped, &evidence.events),
            ),
            Assessment::RolledBack {
                to_task_definition,
                reason,
            } => self.report(
                Outcome::RolledBack,
                message::failure_message(
                    &message::rolled_back_head(to_task_definition.as_deref(), &reason),
                    &evidence.stopped,
                    &evidence.events,
                ),
            ),
            Assessment::NotFound { reason } => self.report(Outcome::Failed, reason),
            Assessment::Pending(_) | Assessment::TimedOut => self.timed_out_report(unanswered),
        }
    }

    fn report(&self, outcome: Outcome, failure_message: String) -> WaitReport {
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
            elapsed: self.clock.elapsed(),
            stopped_tasks: self.evidence.stopped.clone(),
            used_fallback: self.service_deployment().is_none(),
            strategy: self.snapshot.as_ref().map(|s| s.strategy()),
            lifecycle_stage: self
                .service_deployment()
                .and_then(|sd| sd.lifecycle_stage.clone()),
            paused_hook: self.service_deployment().and_then(PausedHook::of),
            checkpoint: None,
        }
    }

    fn timed_out_report(&self, unanswered: Option<UnansweredCall>) -> WaitReport {
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
            unanswered_call: unanswered.map(|call| (call.operation, call.waited)),
            stopped_tasks: &self.evidence.stopped,
            paused_hook: self.service_deployment().and_then(PausedHook::of).as_ref(),
        });
        self.report(Outcome::TimedOut, message)
    }
}
