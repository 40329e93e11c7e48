//! Figures 3b and 5: N concurrent waits sharing one watcher (as the provider shares one per
//! account/Region), spread over 1 or 3 clusters, in a `bench core-load` process of their own.
//! Every deployment stays IN_PROGRESS, so every wait keeps polling. After discovery (one
//! ListServiceDeployments per wait) the steady state is measured: calls per poll tick, the
//! tick period the request budget allows, CPU per tick, and the process's peak RSS.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ecs_watcher::WaitOptions;
use futures::StreamExt;

use crate::error::{BenchError, BenchResult};
use crate::fixture::{CircuitBreaker, TaskBehaviour, World};
use crate::load::{self, LoadRun};
use crate::recorder::CallRecord;
use crate::stats::busiest_window;

pub(crate) const WAIT_COUNTS: [usize; 4] = [1, 10, 100, 1000];
pub(crate) const CLUSTER_COUNTS: [usize; 2] = [1, 3];
/// Steady-state ticks to observe after discovery: more where ticks are short and few calls
/// make a tick, so the window's edges weigh less.
fn steady_ticks(waits: usize) -> u64 {
    if waits >= 1000 { 4 } else { 8 }
}
const RUN_LIMIT: Duration = Duration::from_secs(240);

#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub waits: usize,
    pub clusters: usize,
    /// The target: ceil(waits in the cluster / 10), for the largest cluster.
    pub target_describe_services: u64,
    /// Measured DescribeServices calls per tick, for the cluster with the most.
    pub describe_services_per_tick: f64,
    /// Services per DescribeServices call, on average (10 is a full batch).
    pub services_per_call: f64,
    /// Every ECS call per tick, all clusters.
    pub calls_per_tick: f64,
    pub per_operation_per_tick: BTreeMap<String, f64>,
    /// Seconds between one wait's looks in the steady state.
    pub tick_seconds: f64,
    /// First call → the last wait's ListServiceDeployments, seconds; and calls made by then.
    pub discovery_seconds: f64,
    pub discovery_calls: usize,
    /// Most calls sent in any 1 s, and the highest 10-s average rate, over the whole run.
    pub peak_calls_in_1s: usize,
    pub peak_rate_10s: f64,
    pub cpu_ms_per_tick: f64,
    pub peak_rss_mib: f64,
    pub recorded_calls: usize,
    pub simulator_calls: u64,
    pub ended_early: BTreeMap<String, u32>,
}

pub(crate) async fn measure() -> BenchResult<Vec<Row>> {
    let mut rows = Vec::new();
    for waits in WAIT_COUNTS {
        for clusters in CLUSTER_COUNTS {
            rows.push(measure_one(waits, clusters).await?);
        }
    }
    Ok(rows)
}

/// Creates `waits` services (never becoming ready) round-robin over `clusters` clusters.
pub(crate) async fn populate(
    world: &World,
    waits: usize,
    clusters: usize,
) -> BenchResult<Vec<String>> {
    for c in 0..clusters {
        world.create_cluster(&format!("c{c}")).await?;
    }
    let task_definition = world.register("load", TaskBehaviour::NeverReady).await?;
    let targets: Vec<(String, String)> = (0..waits)
        .map(|i| (format!("c{}", i % clusters), format!("svc-{i:04}")))
        .collect();
    let created: Vec<BenchResult<()>> = futures::stream::iter(targets.iter())
        .map(|(cluster, service)| {
            world.create_service(cluster, service, &task_definition, CircuitBreaker::Off)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    created.into_iter().collect::<BenchResult<Vec<()>>>()?;
    Ok(targets
        .into_iter()
        .map(|(cluster, service)| format!("{cluster}/{service}"))
        .collect())
}

fn per_cluster_target(waits: usize, clusters: usize) -> Vec<u64> {
    (0..clusters)
        .map(|c| {
            let in_cluster = (0..waits).filter(|i| i % clusters == c).count();
            in_cluster.div_ceil(10) as u64
        })
        .collect()
}

async fn measure_one(waits: usize, clusters: usize) -> BenchResult<Row> {
    let world = World::start(1.0).await?;
    let services = populate(&world, waits, clusters).await?;
    let targets = per_cluster_target(waits, clusters);
    let per_tick: u64 = targets.iter().sum();
    let discovered_at_ds = Cell::new(None::<u64>);
    let done = |counts: &BTreeMap<String, u64>| {
        let count = |op: &str| counts.get(op).copied().unwrap_or(0);
        if count("ListServiceDeployments") < waits as u64 {
            return false;
        }
        let since = *discovered_at_ds
            .get()
            .get_or_insert(count("DescribeServices"));
        discovered_at_ds.set(Some(since));
        count("DescribeServices") >= since + (steady_ticks(waits) + 1) * per_tick
    };
    let run = load::run_child(&world, &services, RUN_LIMIT, done).await?;
    analyse(waits, clusters, &targets, &run)
}

fn analyse(waits: usize, clusters: usize, targets: &[u64], run: &LoadRun) -> BenchResult<Row> {
    let mut calls: Vec<&CallRecord> = run.report.calls.iter().collect();
    calls.sort_by(|a, b| a.at.total_cmp(&b.at));
    let first = calls.first().map_or(0.0, |c| c.at);
    let last = calls.last().map_or(0.0, |c| c.at);
    let discovery: Vec<f64> = calls
        .iter()
        .filter(|c| c.operation == "ListServiceDeployments")
        .map(|c| c.at)
        .collect();
    if discovery.len() < waits {
        return Err(BenchError::new(format!(
            "{waits} waits on {clusters} cluster(s): only {} of {waits} waits found their deployment \
             within {RUN_LIMIT:?}",
            discovery.len()
        )));
    }
    let discovered = discovery[waits - 1];
    let discovery_calls = calls.iter().filter(|c| c.at <= discovered).count();
    // The steady window starts one poll interval after the last discovery, so the tick in
    // which that wait caught up is not counted.
    let window_start = discovered + WaitOptions::default().poll_interval.as_secs_f64();
    let window: Vec<&CallRecord> = calls
        .iter()
        .copied()
        .filter(|c| c.at >= window_start)
        .collect();
    if window.is_empty() {
        return Err(BenchError::new(format!(
            "{waits} waits on {clusters} cluster(s): no calls after discovery to measure"
        )));
    }
    // Each wait looks once per tick, so its DescribeServices look-ups count its ticks.
    let mut look_times: HashMap<(&str, &str), Vec<f64>> = HashMap::new();
    let mut ds_calls: HashMap<&str, u64> = HashMap::new();
    for call in window.iter().filter(|c| c.operation == "DescribeServices") {
        let cluster = call.cluster.as_deref().unwrap_or("");
        *ds_calls.entry(cluster).or_default() += 1;
        for service in &call.services {
            look_times
                .entry((cluster, service.as_str()))
                .or_default()
                .push(call.at);
        }
    }
    let looks: HashMap<(&str, &str), u64> = look_times
        .iter()
        .map(|(key, times)| (*key, times.len() as u64))
        .collect();
    // A wait's tick period: the span of its looks over the intervals between them.
    let periods: Vec<f64> = look_times
        .values()
        .filter(|times| times.len() >= 2)
        .map(|times| (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64)
        .collect();
    let tick_seconds = if periods.is_empty() {
        f64::NAN
    } else {
        periods.iter().sum::<f64>() / periods.len() as f64
    };
    let mean_ticks_in = |cluster: Option<&str>| {
        let selected: Vec<u64> = looks
            .iter()
            .filter(|((c, _), _)| cluster.is_none_or(|want| *c == want))
            .map(|(_, n)| *n)
            .collect();
        if selected.is_empty() {
            0.0
        } else {
            selected.iter().sum::<u64>() as f64 / selected.len() as f64
        }
    };
    let ticks = mean_ticks_in(None);
    if ticks < 1.0 {
        return Err(BenchError::new(format!(
            "{waits} waits on {clusters} cluster(s): not one steady tick was observed"
        )));
    }
    let describe_services_per_tick = (0..clusters)
        .map(|c| {
            let name = format!("c{c}");
            let cluster_ticks = mean_ticks_in(Some(&name));
            let n = ds_calls.get(name.as_str()).copied().unwrap_or(0) as f64;
            if cluster_ticks > 0.0 {
                n / cluster_ticks
            } else {
                0.0
            }
        })
        .fold(0.0, f64::max);
    let total_looks: u64 = looks.values().sum();
    let total_ds_calls: u64 = ds_calls.values().sum();
    let services_per_call = if total_ds_calls > 0 {
        total_looks as f64 / total_ds_calls as f64
    } else {
        0.0
    };
    let mut per_operation_per_tick = BTreeMap::new();
    for call in &window {
        *per_operation_per_tick
            .entry(call.operation.clone())
            .or_insert(0.0) += 1.0 / ticks;
    }
    let cpu = match (
        load::cpu_at(&run.samples, window_start),
        load::cpu_at(&run.samples, last),
    ) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    let times: Vec<f64> = calls.iter().map(|c| c.at).collect();
    Ok(Row {
        waits,
        clusters,
        target_describe_services: targets.iter().copied().max().unwrap_or(0),
        describe_services_per_tick,
        services_per_call,
        calls_per_tick: window.len() as f64 / ticks,
        per_operation_per_tick,
        tick_seconds,
        discovery_seconds: discovered - first,
        discovery_calls,
        peak_calls_in_1s: busiest_window(&times, 1.0),
        peak_rate_10s: busiest_window(&times, 10.0) as f64 / 10.0,
        cpu_ms_per_tick: cpu.as_secs_f64() * 1000.0 / ticks,
        peak_rss_mib: run
            .samples
            .last()
            .map_or(0.0, |s| s.peak_rss_kib as f64 / 1024.0),
        recorded_calls: calls.len(),
        simulator_calls: run.sim_counts.values().sum(),
        ended_early: run.report.ended_early.clone(),
    })
}
