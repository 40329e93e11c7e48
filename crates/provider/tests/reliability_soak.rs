//! Soak: thousands of waits one after another and hundreds at once, in one provider process, over real
//! gRPC against the simulator. Afterwards the process has no more file descriptors, no more live tokio tasks
//! and not much more memory than before: nothing a wait opens, spawns or caches outlives it.
//!
//! This binary holds one test on purpose: file descriptors and memory are per process, so no other test
//! may run beside it.

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::task::JoinSet;

/// Services to spread the waits over (each wait names one; waits on the same service share calls).
const SERVICES: usize = 40;
/// Waits run one after another in each lane; lanes run side by side (a wait takes ~0.1 s, mostly the
/// watcher's 20 ms batching windows, so one lane of 2,000 would take minutes).
const SEQUENTIAL_PER_LANE: usize = 200;
const LANES: usize = 10;
/// Waits started at the same moment, per round.
const CONCURRENT: usize = 300;
const CONCURRENT_ROUNDS: usize = 3;

/// Generous: allocator arenas and caches settle at their own pace; a leak of even a few KiB per wait
/// over thousands of waits would still exceed it.
const RSS_GROWTH_LIMIT_KIB: u64 = 48 * 1024;
/// Connections in the SDK's and gRPC's pools may come and go by a few.
const FD_SLACK: usize = 6;
const TASK_SLACK: usize = 6;

#[derive(Debug, Clone, Copy)]
struct Usage {
    open_fds: usize,
    alive_tasks: usize,
    rss_kib: u64,
}

fn usage() -> Usage {
    let open_fds = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count();
    let rss_kib = std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    Usage {
        open_fds,
        alive_tasks: tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks(),
        rss_kib,
    }
}

/// Waits until background work of the last phase (connection tasks, log delivery) has settled.
async fn settled_usage() -> Usage {
    let mut last = usage();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = usage();
        if now.open_fds == last.open_fds && now.alive_tasks == last.alive_tasks {
            return now;
        }
        last = now;
    }
    last
}

#[test]
fn thousands_of_waits_leave_no_file_descriptors_tasks_or_memory_behind() {
    init_environment();
    // SAFETY: this binary has a single test, and nothing else runs yet: no thread reads the environment.
    // The client-side request budget is for real ECS; here it would only slow the soak down.
    unsafe {
        std::env::set_var("WAIT_FOR_ECS_DEPLOY_REQUESTS_PER_SECOND", "10000");
        std::env::set_var("WAIT_FOR_ECS_DEPLOY_REQUEST_BURST", "10000");
    }
    runtime().block_on(async {
        let mut h = Harness::start().await;
        h.create_cluster("prod").await;
        let mut inputs = Vec::new();
        for index in 0..SERVICES {
            let name = format!("svc-{index}");
            let task_definition = h.register(&name, TaskBehaviour::Healthy).await;
            h.create_service("prod", &name, &task_definition, Some(true))
                .await;
            let mut wait = wait_inputs("prod", &name, &task_definition);
            wait.retain(|(property, _)| *property != "pollIntervalMs");
            wait.push(("pollIntervalMs", number(100.0)));
            inputs.push(h.checked(object(&wait)).await);
        }
        let create = |index: usize| {
            let mut client = h.client.clone();
            let properties = inputs[index % SERVICES].clone();
            async move {
                let response = client
                    .create(pulumi_gestalt_proto::pulumi::pulumirpc::CreateRequest {
                        urn: urn(&format!("wait-{index}")),
                        properties: Some(properties),
                        r#type: TOKEN.into(),
                        name: format!("wait-{index}"),
                        ..Default::default()
                    })
                    .await
                    .expect("Create");
                let outputs = response.into_inner().properties.expect("outputs");
                assert_eq!(string_of(&outputs, "outcome"), "COMPLETED");
            }
        };
        // Runs the waits `indexes` side by side and waits for all of them.
        let side_by_side = |indexes: Vec<usize>| {
            let mut waits = JoinSet::new();
            for index in indexes {
                waits.spawn(create(index));
            }
            async move {
                while let Some(done) = waits.join_next().await {
                    done.expect("a wait task panicked");
                }
            }
        };

        // Warm-up: connection pools (as many connections as calls were ever in flight at once), caches and
        // allocator arenas reach their working size.
        for _ in 0..2 {
            side_by_side((0..CONCURRENT).collect()).await;
        }
        for index in 0..50 {
            create(index).await;
        }
        h.engine.logs.lock().unwrap().clear();
        let before = settled_usage().await;

        let started = Instant::now();
        let mut lanes = JoinSet::new();
        for lane in 0..LANES {
            let waits: Vec<_> = (0..SEQUENTIAL_PER_LANE)
                .map(|step| create(lane * SEQUENTIAL_PER_LANE + step))
                .collect();
            lanes.spawn(async move {
                for wait in waits {
                    wait.await;
                }
            });
        }
        while let Some(done) = lanes.join_next().await {
            done.expect("a lane panicked");
        }
        let sequential = started.elapsed();
        h.engine.logs.lock().unwrap().clear();
        let after_sequential = settled_usage().await;

        let started = Instant::now();
        let mut after_rounds = Vec::new();
        for round in 0..CONCURRENT_ROUNDS {
            side_by_side((0..CONCURRENT).map(|index| round * CONCURRENT + index).collect()).await;
            h.engine.logs.lock().unwrap().clear();
            let usage = settled_usage().await;
            eprintln!("soak: after concurrent round {round}: {usage:?}");
            after_rounds.push(usage);
        }
        let concurrent = started.elapsed();
        let after = settled_usage().await;
        assert!(
            after.rss_kib <= before.rss_kib + RSS_GROWTH_LIMIT_KIB,
            "concurrent: resident memory grew from {} KiB to {} KiB",
            before.rss_kib,
            after.rss_kib
        );
        // Concurrent rounds may grow the connection pools to a new peak of calls in flight (both ends of each
        // loopback connection, and its connection task, live in this process), and that peak varies from round
        // to round. Pools are bounded by calls in flight: at most two descriptors and two tasks per wait of a
        // round. A leak of even one descriptor or task per wait would pass that bound within the 900 waits.
        let pool_bound = 2 * CONCURRENT;
        for (round, usage) in after_rounds.iter().enumerate() {
            assert!(
                usage.open_fds <= before.open_fds + pool_bound + FD_SLACK
                    && usage.alive_tasks <= before.alive_tasks + pool_bound + TASK_SLACK,
                "concurrent round {round} holds more than its calls in flight could: {before:?} → {usage:?}"
            );
        }

        eprintln!(
            "soak: {} sequential waits in {LANES} lanes in {sequential:?}, {CONCURRENT_ROUNDS}x{CONCURRENT} \
             concurrent in {concurrent:?}; before {before:?}, after the sequential waits \
             {after_sequential:?}, after all {after:?}",
            LANES * SEQUENTIAL_PER_LANE
        );
        // Sequential waits never have more than a lane's worth in flight: the pools stay as warmed up.
        assert!(
            after_sequential.open_fds <= before.open_fds + FD_SLACK,
            "sequential: file descriptors grew from {} to {}",
            before.open_fds,
            after_sequential.open_fds
        );
        assert!(
            after_sequential.alive_tasks <= before.alive_tasks + TASK_SLACK,
            "sequential: live tasks grew from {} to {}",
            before.alive_tasks,
            after_sequential.alive_tasks
        );
        assert!(
            after_sequential.rss_kib <= before.rss_kib + RSS_GROWTH_LIMIT_KIB,
            "sequential: resident memory grew from {} KiB to {} KiB",
            before.rss_kib,
            after_sequential.rss_kib
        );
    });
}
