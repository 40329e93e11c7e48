//! Progress: each change of the target's status, stage, traffic split and pause,
//! told once, whatever kind follows it.

use super::super::ProgressEvent;
use super::Core;
use crate::model::short_task_definition;
use crate::verdict::Progress;

impl Core<'_> {
    pub(super) fn report_progress(&mut self, progress: Progress) {
        let Some(following) = self.following() else {
            return;
        };
        if following.last_progress.as_ref() == Some(&progress) {
            return;
        }
        self.report_staged_progress(&progress);
        let Some(following) = self.following() else {
            return;
        };
        self.emit(ProgressEvent::Status {
            deployment_id: following.target.deployment_id.clone(),
            rollout_state: progress.rollout_state.clone(),
            running: progress.running,
            desired: progress.desired,
            pending: progress.pending,
            failed_tasks: progress.failed_tasks,
        });
        if let Some(following) = self.following_mut() {
            following.last_progress = Some(progress);
        }
    }

    /// Stage changes, traffic shifts and pauses, each told when it changes.
    fn report_staged_progress(&mut self, progress: &Progress) {
        let Some(following) = self.following() else {
            return;
        };
        let Some(staged) = &progress.staged else {
            return;
        };
        let deployment_id = following.target.deployment_id.clone();
        let before = following
            .last_progress
            .as_ref()
            .and_then(|p| p.staged.as_deref().cloned())
            .unwrap_or_default();
        if let Some(stage) = &staged.stage
            && before.stage.as_ref() != Some(stage)
        {
            self.emit(ProgressEvent::StageChanged {
                deployment_id: deployment_id.clone(),
                stage: stage.clone(),
            });
        }
        let weights = (staged.test_traffic_weight, staged.production_traffic_weight);
        if weights != (None, None)
            && weights != (before.test_traffic_weight, before.production_traffic_weight)
        {
            self.emit(ProgressEvent::TrafficShifted {
                deployment_id: deployment_id.clone(),
                task_definition: following
                    .target
                    .task_definition
                    .as_deref()
                    .map(|td| short_task_definition(td).to_owned()),
                test_traffic_weight: staged.test_traffic_weight,
                production_traffic_weight: staged.production_traffic_weight,
            });
        }
        if let Some(hook) = &staged.paused_hook
            && following.told_paused.as_deref() != Some(hook.hook_id.as_str())
        {
            self.emit(ProgressEvent::Paused {
                deployment_id,
                hook: hook.clone(),
                service_deployment_arn: following.target.service_deployment_arn.clone(),
            });
            let hook_id = hook.hook_id.clone();
            if let Some(following) = self.following_mut() {
                following.told_paused = Some(hook_id);
            }
        }
    }
}
