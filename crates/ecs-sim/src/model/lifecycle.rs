//! The lifecycle of a staged (BLUE_GREEN, LINEAR, CANARY) deployment: the plan of lifecycle
//! stages it goes through, where it is, its traffic weights and the lifecycle hooks it ran.
//!
//! The plan is a flat list of steps fixed when the deployment starts; the scheduler
//! (`super::staged`) enters them one after the other as their work finishes:
//!
//! RECONCILE_SERVICE (only with more than one source revision) → PRE_SCALE_UP → SCALE_UP (green
//! tasks started beside blue, all healthy needed) → POST_SCALE_UP → TEST_TRAFFIC_SHIFT (test
//! traffic to green) → POST_TEST_TRAFFIC_SHIFT → PRODUCTION_TRAFFIC_SHIFT (per step:
//! PRE_PRODUCTION_TRAFFIC_SHIFT hooks, shift, PRODUCTION_TRAFFIC_SHIFT hooks, step bake) →
//! POST_PRODUCTION_TRAFFIC_SHIFT → BAKE_TIME → CLEAN_UP (blue tasks stopped).
//!
//! Every stage without other work lasts [`STAGE_SECONDS`], a traffic shift too; hooks of a stage
//! start together once its work is done, and the stage ends when all of them succeeded (or timed
//! out with CONTINUE).

use crate::model::strategy::{HookAction, HookConfig, HookStage, HookTarget, Strategy};

/// Simulated seconds of a stage with no other work, and of one traffic shift.
pub(crate) const STAGE_SECONDS: f64 = 3.0;
/// Simulated seconds an AWS_LAMBDA hook takes to answer.
pub(crate) const LAMBDA_SECONDS: f64 = 5.0;

/// `ServiceDeploymentLifecycleStage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    ReconcileService,
    PreScaleUp,
    ScaleUp,
    PostScaleUp,
    TestTrafficShift,
    PostTestTrafficShift,
    ProductionTrafficShift,
    PostProductionTrafficShift,
    BakeTime,
    CleanUp,
}

impl Stage {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Stage::ReconcileService => "RECONCILE_SERVICE",
            Stage::PreScaleUp => "PRE_SCALE_UP",
            Stage::ScaleUp => "SCALE_UP",
            Stage::PostScaleUp => "POST_SCALE_UP",
            Stage::TestTrafficShift => "TEST_TRAFFIC_SHIFT",
            Stage::PostTestTrafficShift => "POST_TEST_TRAFFIC_SHIFT",
            Stage::ProductionTrafficShift => "PRODUCTION_TRAFFIC_SHIFT",
            Stage::PostProductionTrafficShift => "POST_PRODUCTION_TRAFFIC_SHIFT",
            Stage::BakeTime => "BAKE_TIME",
            Stage::CleanUp => "CLEAN_UP",
        }
    }
}

/// What one step of the plan does before the next may start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum StepKind {
    /// Nothing but time passing (a stage's own duration, a step bake, the final bake).
    Wait(f64),
    /// Green tasks up to the desired count, all healthy.
    ScaleUp,
    /// Sets the green revision's traffic weights, then takes [`STAGE_SECONDS`].
    Shift {
        test: Option<f64>,
        production: Option<f64>,
    },
    /// Runs the hooks configured for this stage (none: done at once).
    Hooks(HookStage),
    /// Blue tasks stopped.
    CleanUp,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Step {
    pub(crate) stage: Stage,
    pub(crate) kind: StepKind,
    /// Which production traffic shift this step belongs to (0 outside PRODUCTION_TRAFFIC_SHIFT).
    pub(crate) shift: usize,
}

/// `DeploymentLifecycleHookStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HookStatus {
    AwaitingAction,
    InProgress,
    Succeeded,
    Failed,
    TimedOut,
}

impl HookStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HookStatus::AwaitingAction => "AWAITING_ACTION",
            HookStatus::InProgress => "IN_PROGRESS",
            HookStatus::Succeeded => "SUCCEEDED",
            HookStatus::Failed => "FAILED",
            HookStatus::TimedOut => "TIMED_OUT",
        }
    }
}

/// One invocation of a hook at one stage (a hook at PRODUCTION_TRAFFIC_SHIFT runs once per shift).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HookRun {
    /// `<service deployment id>-hook<index>-<stage>[-<shift>]`: stable and unique per deployment,
    /// hook and invocation.
    pub(crate) id: String,
    pub(crate) target: HookTarget,
    pub(crate) stage: HookStage,
    pub(crate) status: HookStatus,
    pub(crate) started_at: f64,
    /// When a Lambda hook answers (none for `slow` functions and PAUSE hooks).
    pub(crate) answers_at: Option<f64>,
    pub(crate) answer: HookStatus,
    pub(crate) expires_at: f64,
    pub(crate) timeout_action: HookAction,
}

impl HookRun {
    pub(crate) fn is_pending(&self) -> bool {
        matches!(
            self.status,
            HookStatus::AwaitingAction | HookStatus::InProgress
        )
    }

    /// Whether this run's outcome lets the deployment go on.
    pub(crate) fn lets_continue(&self) -> bool {
        match self.status {
            HookStatus::Succeeded => true,
            HookStatus::TimedOut => self.timeout_action == HookAction::Continue,
            _ => false,
        }
    }

    pub(crate) fn target_arn(&self) -> Option<&str> {
        match &self.target {
            HookTarget::Lambda { function_arn } => Some(function_arn),
            HookTarget::Pause => None,
        }
    }

    pub(crate) fn target_type(&self) -> &'static str {
        match self.target {
            HookTarget::Lambda { .. } => "AWS_LAMBDA",
            HookTarget::Pause => "PAUSE",
        }
    }
}

/// How a Lambda hook answers, from its function name: `fail` → FAILED, `slow` → never answers
/// (TIMED_OUT at its timeout), anything else → SUCCEEDED.
fn lambda_answer(function_arn: &str) -> Option<HookStatus> {
    let name = function_arn
        .split_once(":function:")
        .map_or(function_arn, |(_, rest)| rest)
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if name.contains("fail") {
        Some(HookStatus::Failed)
    } else if name.contains("slow") {
        None
    } else {
        Some(HookStatus::Succeeded)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Running,
    /// Traffic is back on the source revision; green tasks are stopping.
    RollingBack {
        to: u64,
    },
    /// The rollback finished: the source revision is PRIMARY again.
    RolledBack,
    /// Failed without rollback (or with nothing to roll back to): frozen as it is.
    Failed,
    Done,
}

/// Where a staged deployment is in its plan.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lifecycle {
    pub(crate) steps: Vec<Step>,
    pub(crate) cursor: usize,
    pub(crate) step_started_at: f64,
    pub(crate) hooks: Vec<HookRun>,
    /// The green revision's requested test and production traffic weights (0-100).
    pub(crate) test_weight: f64,
    pub(crate) production_weight: f64,
    pub(crate) outcome: Outcome,
    /// The `SIM_ALARM_IN_BAKE` alarm of the green task definition.
    pub(crate) alarm_in_bake: Option<String>,
    pub(crate) bake_started_at: Option<f64>,
    /// The source revision serving traffic when the deployment started (the last completed
    /// one, else the newest source): where the rest of the traffic is, and what a rollback
    /// returns to.
    pub(crate) serving: Option<u64>,
}

impl Lifecycle {
    /// The plan of a staged deployment, started at `now`. `reconcile` when more than one source
    /// revision is active; `bake_minutes` is `bakeTimeInMinutes`.
    pub(crate) fn new(
        strategy: Strategy,
        bake_minutes: u32,
        reconcile: bool,
        alarm_in_bake: Option<String>,
        now: f64,
    ) -> Lifecycle {
        let step = |stage, kind| Step {
            stage,
            kind,
            shift: 0,
        };
        let mut steps = Vec::new();
        if reconcile {
            steps.push(step(Stage::ReconcileService, StepKind::Wait(STAGE_SECONDS)));
            steps.push(step(
                Stage::ReconcileService,
                StepKind::Hooks(HookStage::ReconcileService),
            ));
        }
        steps.extend([
            step(Stage::PreScaleUp, StepKind::Wait(STAGE_SECONDS)),
            step(Stage::PreScaleUp, StepKind::Hooks(HookStage::PreScaleUp)),
            step(Stage::ScaleUp, StepKind::ScaleUp),
            step(Stage::PostScaleUp, StepKind::Wait(STAGE_SECONDS)),
            step(Stage::PostScaleUp, StepKind::Hooks(HookStage::PostScaleUp)),
            step(
                Stage::TestTrafficShift,
                StepKind::Shift {
                    test: Some(100.0),
                    production: None,
                },
            ),
            step(
                Stage::TestTrafficShift,
                StepKind::Hooks(HookStage::TestTrafficShift),
            ),
            step(Stage::PostTestTrafficShift, StepKind::Wait(STAGE_SECONDS)),
            step(
                Stage::PostTestTrafficShift,
                StepKind::Hooks(HookStage::PostTestTrafficShift),
            ),
        ]);
        for (shift, (weight, bake)) in strategy.production_steps().into_iter().enumerate() {
            let production = |kind| Step {
                stage: Stage::ProductionTrafficShift,
                kind,
                shift,
            };
            steps.push(production(StepKind::Hooks(
                HookStage::PreProductionTrafficShift,
            )));
            steps.push(production(StepKind::Shift {
                test: None,
                production: Some(weight),
            }));
            steps.push(production(StepKind::Hooks(
                HookStage::ProductionTrafficShift,
            )));
            if bake > 0.0 {
                steps.push(production(StepKind::Wait(bake)));
            }
        }
        steps.extend([
            step(
                Stage::PostProductionTrafficShift,
                StepKind::Wait(STAGE_SECONDS),
            ),
            step(
                Stage::PostProductionTrafficShift,
                StepKind::Hooks(HookStage::PostProductionTrafficShift),
            ),
            step(
                Stage::BakeTime,
                StepKind::Wait(f64::from(bake_minutes) * 60.0),
            ),
            step(Stage::CleanUp, StepKind::CleanUp),
        ]);
        Lifecycle {
            steps,
            cursor: 0,
            step_started_at: now,
            hooks: Vec::new(),
            test_weight: 0.0,
            production_weight: 0.0,
            outcome: Outcome::Running,
            alarm_in_bake,
            bake_started_at: None,
            serving: None,
        }
    }

    pub(crate) fn step(&self) -> Step {
        self.steps[self.cursor.min(self.steps.len() - 1)]
    }

    pub(crate) fn stage(&self) -> Stage {
        self.step().stage
    }

    /// The scheduler drives this lifecycle (rather than rolling replacement).
    pub(crate) fn is_driving(&self) -> bool {
        matches!(self.outcome, Outcome::Running | Outcome::RollingBack { .. })
    }

    /// Green tasks run from SCALE_UP on.
    pub(crate) fn has_scaled_up(&self) -> bool {
        self.steps[..=self.cursor.min(self.steps.len() - 1)]
            .iter()
            .any(|s| s.kind == StepKind::ScaleUp)
    }

    /// The hook runs of the current step.
    fn current_runs(&self) -> impl Iterator<Item = &HookRun> {
        let step = self.step();
        let started = self.step_started_at;
        self.hooks.iter().filter(move |run| {
            matches!(step.kind, StepKind::Hooks(stage) if stage == run.stage)
                && run.started_at >= started
        })
    }

    /// The next moment this lifecycle changes by itself after `t` (task changes aside).
    pub(crate) fn next_event_after(&self, t: f64) -> Option<f64> {
        if self.outcome != Outcome::Running {
            return None;
        }
        let at = match self.step().kind {
            StepKind::Wait(seconds) => Some(self.step_started_at + seconds),
            StepKind::Shift { .. } => Some(self.step_started_at + STAGE_SECONDS),
            StepKind::ScaleUp | StepKind::CleanUp => Some(self.step_started_at + STAGE_SECONDS),
            StepKind::Hooks(_) => self
                .current_runs()
                .filter(|run| run.is_pending())
                .flat_map(|run| run.answers_at.into_iter().chain([run.expires_at]))
                .filter(|&at| at > t)
                .reduce(f64::min),
        };
        at.filter(|&at| at > t)
    }

    /// Enters the current step at `now`: shifts traffic, starts hooks, notes the bake's start.
    pub(crate) fn enter(&mut self, now: f64, hooks: &[HookConfig], deployment_id: &str) {
        self.step_started_at = now;
        let step = self.step();
        match step.kind {
            StepKind::Shift { test, production } => {
                if let Some(test) = test {
                    self.test_weight = test;
                }
                if let Some(production) = production {
                    self.production_weight = production;
                }
            }
            StepKind::Wait(_) if step.stage == Stage::BakeTime => {
                self.bake_started_at = Some(now);
            }
            StepKind::Hooks(stage) => {
                for (index, hook) in hooks.iter().enumerate() {
                    if !hook.stages.contains(&stage) {
                        continue;
                    }
                    let mut id = format!(
                        "{deployment_id}-hook{index}-{}",
                        stage.as_str().to_ascii_lowercase().replace('_', "-")
                    );
                    if step.stage == Stage::ProductionTrafficShift {
                        id.push_str(&format!("-{}", step.shift + 1));
                    }
                    let (status, answer) = match &hook.target {
                        HookTarget::Lambda { function_arn } => {
                            (HookStatus::InProgress, lambda_answer(function_arn))
                        }
                        HookTarget::Pause => (HookStatus::AwaitingAction, None),
                    };
                    self.hooks.push(HookRun {
                        id,
                        target: hook.target.clone(),
                        stage,
                        status,
                        started_at: now,
                        answers_at: answer.map(|_| now + LAMBDA_SECONDS),
                        answer: answer.unwrap_or(HookStatus::TimedOut),
                        expires_at: now + hook.timeout_seconds(),
                        timeout_action: hook.effective_timeout_action(),
                    });
                }
            }
            _ => {}
        }
    }

    /// Settles the current step's hooks at `now`: Lambda answers and timeouts. `Err` with the
    /// run that asks for a rollback; `Ok(true)` once every run lets the deployment go on.
    pub(crate) fn settle_hooks(&mut self, now: f64) -> Result<bool, HookRun> {
        let step = self.step();
        let started = self.step_started_at;
        let mut all_done = true;
        for run in self.hooks.iter_mut().filter(|run| {
            matches!(step.kind, StepKind::Hooks(stage) if stage == run.stage)
                && run.started_at >= started
        }) {
            if run.is_pending() {
                if let Some(at) = run.answers_at.filter(|&at| now >= at) {
                    run.status = run.answer;
                    run.expires_at = run.expires_at.max(at);
                } else if now >= run.expires_at {
                    run.status = HookStatus::TimedOut;
                }
            }
            if run.is_pending() {
                all_done = false;
            } else if !run.lets_continue() {
                return Err(run.clone());
            }
        }
        Ok(all_done)
    }

    pub(crate) fn hook_mut(&mut self, id: &str) -> Option<&mut HookRun> {
        self.hooks.iter_mut().find(|run| run.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_outcome_follows_the_function_name() {
        let arn = |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
        assert_eq!(lambda_answer(&arn("check")), Some(HookStatus::Succeeded));
        assert_eq!(lambda_answer(&arn("will-FAIL")), Some(HookStatus::Failed));
        assert_eq!(lambda_answer(&arn("slow-check:live")), None);
    }

    #[test]
    fn the_plan_visits_every_stage_in_order() {
        let plan = Lifecycle::new(Strategy::BlueGreen, 1, false, None, 0.0);
        let mut stages: Vec<Stage> = plan.steps.iter().map(|s| s.stage).collect();
        stages.dedup();
        assert_eq!(
            stages,
            [
                Stage::PreScaleUp,
                Stage::ScaleUp,
                Stage::PostScaleUp,
                Stage::TestTrafficShift,
                Stage::PostTestTrafficShift,
                Stage::ProductionTrafficShift,
                Stage::PostProductionTrafficShift,
                Stage::BakeTime,
                Stage::CleanUp,
            ]
        );
        let reconciling = Lifecycle::new(Strategy::BlueGreen, 1, true, None, 0.0);
        assert_eq!(reconciling.stage(), Stage::ReconcileService);
    }
}
