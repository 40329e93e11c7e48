//! Rules for the staged strategies (`BLUE_GREEN`, `LINEAR`, `CANARY`): ECS walks
//! them through lifecycle stages (scale up, test and production traffic shifts,
//! bake time, clean-up) and lifecycle hooks, and reports each through
//! `DescribeServiceDeployments`.
//!
//! This is where stage- and hook-aware rules belong (a rollback names the stage
//! it happened in; a paused hook; "done" at a chosen stage). Until they exist, a
//! staged deployment is judged as it always was: by the rolling rules, whose
//! service-deployment part already waits for `SUCCESSFUL`, i.e. through bake time
//! and clean-up.

use super::view::TargetView;
use super::{Assessment, rolling};

pub(super) fn assess(view: &TargetView<'_>) -> Assessment {
    rolling::assess(view)
}
