//! The scenarios, and the order `all` runs them in.

pub(crate) mod calls;
pub(crate) mod peer;
pub(crate) mod resources;
pub(crate) mod scale;
pub(crate) mod verdicts;

use std::path::PathBuf;
use std::time::Instant;

use crate::args::BenchScenario;
use crate::error::{BenchError, BenchResult, Context};
use crate::procfs;
use crate::report::{self, Report};
use verdicts::Case;

/// Figure 1's rows, in order: rolling deployments, then staged (BLUE_GREEN with bake time).
pub(crate) const LATENCY_CASES: [Case; 5] = [
    Case::Completes,
    Case::BreakerFails,
    Case::BreakerRollsBack,
    Case::BlueGreenCompletes,
    Case::AlarmInBakeRollsBack,
];

pub(crate) async fn run(
    scenario: BenchScenario,
    runs: usize,
    write: Option<PathBuf>,
) -> BenchResult<()> {
    if write.is_some() && scenario != BenchScenario::All {
        return Err(BenchError::new(
            "--write needs `all`: the report is written only when every figure was measured",
        ));
    }
    let started = Instant::now();
    let mut report = Report::new(procfs::machine(), runs);
    let wants = |s: BenchScenario| scenario == s || scenario == BenchScenario::All;

    // The verdict-timing runs are light (one poll per run every 2 s) and each has its own
    // simulator, so they share the machine without disturbing each other.
    let latency = async {
        if !wants(BenchScenario::Latency) {
            return Ok(None);
        }
        let mut figures = Vec::new();
        for case in LATENCY_CASES {
            eprintln!("bench: latency — {} ({runs} runs)", case.name());
            figures.push((case, verdicts::measure(case, runs).await?));
        }
        BenchResult::Ok(Some(figures))
    };
    let crash_loop = async {
        if !wants(BenchScenario::CrashLoop) {
            return Ok(None);
        }
        eprintln!("bench: crash loop ({runs} runs)");
        verdicts::measure(Case::CrashLoop, runs).await.map(Some)
    };
    let calls = async {
        if !wants(BenchScenario::Calls) {
            return Ok(None);
        }
        eprintln!("bench: calls per wait, 60-second rollout ({runs} runs)");
        calls::measure(runs).await.map(Some)
    };
    let (latency, crash_loop, calls) = tokio::join!(latency, crash_loop, calls);
    report.latency = latency?;
    report.crash_loop = crash_loop?;
    report.calls = calls?;
    if wants(BenchScenario::Scale) {
        eprintln!("bench: calls per tick for 1..1,000 concurrent waits on 1 and 3 clusters");
        report.scale = Some(scale::measure().await?);
    }
    if wants(BenchScenario::Resources) {
        eprintln!("bench: CLI and provider resources, start-up, binary sizes");
        report.resources = Some(resources::measure(runs).await?);
    }
    report.elapsed = started.elapsed();
    let markdown = report::render(&report);
    match write {
        Some(path) => {
            std::fs::write(&path, &markdown).context(format!("writing {}", path.display()))?;
            eprintln!("bench: wrote {}", path.display());
        }
        None => println!("{markdown}"),
    }
    Ok(())
}
