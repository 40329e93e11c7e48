//! Many concurrent waits in a process of their own, so their memory and CPU can be measured
//! apart from the simulator: the parent starts `bench core-load`, samples its /proc figures,
//! and closes its stdin to stop it; the child then prints the log of every call it sent.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use ecs_watcher::aws::SdkEcsApi;
use ecs_watcher::budget::{BudgetConfig, BudgetedEcsApi, RequestBudget};
use ecs_watcher::{WaitOptions, WaitRequest, Watcher};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::args::CoreLoadArgs;
use crate::error::{BenchError, BenchResult, Context};
use crate::fixture::{World, sdk_client};
use crate::procfs;
use crate::recorder::{CallLog, CallRecord, RecordingEcsApi, epoch_seconds};

/// What the child reports when stopped.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ChildReport {
    pub calls: Vec<CallRecord>,
    /// Waits that ended before they were stopped, by outcome or error (should be none).
    pub ended_early: BTreeMap<String, u32>,
}

/// The child: waits for every service until stdin closes, then reports.
pub(crate) async fn serve_child(args: CoreLoadArgs) -> BenchResult<()> {
    let sdk = Arc::new(SdkEcsApi::new(sdk_client(&args.endpoint)));
    let recorder = Arc::new(RecordingEcsApi::new(sdk, CallLog::default()));
    let budget = Arc::new(RequestBudget::new(BudgetConfig::default()));
    let watcher = Watcher::new(Arc::new(BudgetedEcsApi::new(recorder.clone(), budget)));
    let cancel = CancellationToken::new();
    let mut waits = Vec::with_capacity(args.services.len());
    for target in &args.services {
        let (cluster, service) = target.split_once('/').ok_or_else(|| {
            BenchError::new(format!(
                "--services entry `{target}` is not CLUSTER/SERVICE"
            ))
        })?;
        let request = WaitRequest {
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            ..WaitRequest::default()
        };
        let options = WaitOptions {
            timeout: Duration::from_secs(3600),
            ..WaitOptions::default()
        };
        let (watcher, cancel) = (watcher.clone(), cancel.clone());
        waits.push(tokio::spawn(async move {
            watcher
                .wait(request, options, cancel, Arc::new(|_| {}))
                .await
        }));
    }
    // Stdin closing is the parent's "stop".
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    cancel.cancel();
    let mut ended_early = BTreeMap::new();
    for wait in waits {
        let ended = match wait.await {
            Ok(Ok(report)) => report.outcome.as_str().to_owned(),
            Ok(Err(ecs_watcher::WaitError::Cancelled { .. })) => continue,
            Ok(Err(error)) => error.to_string(),
            Err(error) => format!("the wait task failed: {error}"),
        };
        *ended_early.entry(ended).or_insert(0) += 1;
    }
    let report = ChildReport {
        calls: recorder.records(),
        ended_early,
    };
    let json = serde_json::to_vec(&report).context("encoding the call log")?;
    let mut stdout = tokio::io::stdout();
    stdout
        .write_all(&json)
        .await
        .context("writing the call log")?;
    stdout.flush().await.context("writing the call log")?;
    Ok(())
}

/// One sample of the child's /proc figures.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProcSample {
    pub at: f64,
    pub cpu: Duration,
    pub peak_rss_kib: u64,
}

/// What the parent saw of one child run.
pub(crate) struct LoadRun {
    pub report: ChildReport,
    pub samples: Vec<ProcSample>,
    /// Calls the simulator counted during the run, by operation.
    pub sim_counts: BTreeMap<String, u64>,
}

/// Starts `bench core-load` for `services` (CLUSTER/SERVICE), lets it run until `done` says
/// so (checked every 100 ms with the simulator's counters) or `limit` passes, then stops it.
pub(crate) async fn run_child(
    world: &World,
    services: &[String],
    limit: Duration,
    done: impl Fn(&BTreeMap<String, u64>) -> bool,
) -> BenchResult<LoadRun> {
    let exe = std::env::current_exe().context("finding the bench executable")?;
    world.sim.reset_call_counts();
    let mut child = tokio::process::Command::new(exe)
        .arg("core-load")
        .arg("--endpoint")
        .arg(world.endpoint())
        .arg("--services")
        .arg(services.join(","))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting `bench core-load`")?;
    let pid = child.id().context("the pid of `bench core-load`")?;
    let mut stdout = child
        .stdout
        .take()
        .context("the stdout of `bench core-load`")?;
    let reading = tokio::spawn(async move {
        let mut json = Vec::new();
        stdout.read_to_end(&mut json).await.map(|_| json)
    });
    let started = tokio::time::Instant::now();
    let mut samples = Vec::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let (Some(cpu), Some(peak_rss_kib)) = (procfs::cpu_time(pid), procfs::peak_rss_kib(pid))
        {
            samples.push(ProcSample {
                at: epoch_seconds(),
                cpu,
                peak_rss_kib,
            });
        }
        if done(&world.sim.call_counts()) || started.elapsed() >= limit {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(BenchError::new(format!(
                "`bench core-load` exited early ({status})"
            )));
        }
    }
    drop(child.stdin.take());
    let status = child
        .wait()
        .await
        .context("waiting for `bench core-load`")?;
    let sim_counts = world.sim.call_counts();
    let json = reading
        .await
        .map_err(|e| BenchError::new(format!("reading the call log: {e}")))?
        .context("reading the call log")?;
    if !status.success() {
        return Err(BenchError::new(format!(
            "`bench core-load` failed ({status})"
        )));
    }
    let report: ChildReport = serde_json::from_slice(&json).context("decoding the call log")?;
    Ok(LoadRun {
        report,
        samples,
        sim_counts,
    })
}

/// Linear interpolation of the sampled CPU time at `at`.
pub(crate) fn cpu_at(samples: &[ProcSample], at: f64) -> Option<Duration> {
    let after = samples.iter().position(|s| s.at >= at)?;
    if after == 0 {
        return Some(samples[0].cpu);
    }
    let (a, b) = (samples[after - 1], samples[after]);
    let span = b.at - a.at;
    if span <= 0.0 {
        return Some(b.cpu);
    }
    let fraction = (at - a.at) / span;
    let nanos =
        a.cpu.as_nanos() as f64 + fraction * (b.cpu.as_nanos() as f64 - a.cpu.as_nanos() as f64);
    Some(Duration::from_nanos(nanos.max(0.0) as u64))
}
