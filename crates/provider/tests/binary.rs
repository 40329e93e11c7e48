//! The real `pulumi-resource-wait-for-ecs-deploy` executable, as the Pulumi engine runs it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pulumi_gestalt_proto::pulumi::pulumirpc::resource_provider_client::ResourceProviderClient;
use pulumi_resource_wait_for_ecs_deploy::schema::schema_text;

const BINARY: &str = env!("CARGO_BIN_EXE_pulumi-resource-wait-for-ecs-deploy");

#[test]
fn checked_in_schema_json_is_not_stale() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.json");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == schema_text(),
        "crates/provider/schema.json is stale; regenerate it with:\n  \
         cargo run -p pulumi-resource-wait-for-ecs-deploy -- --print-schema > crates/provider/schema.json"
    );
}

#[test]
fn print_schema_prints_the_generated_schema() {
    let output = Command::new(BINARY)
        .arg("--print-schema")
        .output()
        .expect("run binary");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), schema_text());
}

/// Starts the provider the way the engine does (the engine address as the only argument) and returns it
/// with its port and how long it took from exec to the port line.
fn start_provider() -> (Child, BufReader<std::process::ChildStdout>, u16, Duration) {
    let started = Instant::now();
    let mut child = Command::new(BINARY)
        // Nothing listens there: the engine connection is lazy, so start-up must not care.
        .arg("127.0.0.1:9")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn provider");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read port line");
    let elapsed = started.elapsed();
    assert!(
        line.ends_with('\n'),
        "port line must end with a newline: {line:?}"
    );
    let port: u16 = line
        .trim_end()
        .parse()
        .unwrap_or_else(|_| panic!("stdout's first line is not a port: {line:?}"));
    (child, stdout, port, elapsed)
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("provider did not exit within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn prints_only_its_port_serves_and_exits_cleanly_on_sigterm() {
    let (mut child, mut stdout, port, _) = start_provider();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let version = runtime.block_on(async {
        let mut client = ResourceProviderClient::connect(format!("http://127.0.0.1:{port}"))
            .await
            .expect("connect");
        client
            .get_plugin_info(())
            .await
            .expect("GetPluginInfo")
            .into_inner()
            .version
    });
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    // Like the engine at the end of a run: close the connection, then signal.
    drop(runtime);

    terminate(&child);
    let status = wait_for_exit(&mut child, Duration::from_secs(5));
    assert!(status.success(), "exit status {status:?}");
    let mut rest = String::new();
    stdout
        .read_to_string(&mut rest)
        .expect("read rest of stdout");
    assert_eq!(rest, "", "nothing but the port may go to stdout");
}

/// Exec → port printed, the median of several starts. The figure is printed for the record (run with
/// `--nocapture`); the assertion is loose because debug builds on a busy CI machine are slow.
#[test]
fn starts_fast_without_touching_aws() {
    let mut timings: Vec<Duration> = (0..5)
        .map(|_| {
            let (mut child, _stdout, _port, elapsed) = start_provider();
            // Signalled right after the port line: the handlers must already be in place.
            terminate(&child);
            let status = wait_for_exit(&mut child, Duration::from_secs(5));
            assert!(status.success(), "SIGTERM right after start-up: {status:?}");
            elapsed
        })
        .collect();
    timings.sort();
    let median = timings[timings.len() / 2];
    eprintln!("provider start-up (exec -> port printed): median {median:?} of {timings:?}");
    assert!(
        median < Duration::from_millis(500),
        "start-up too slow: {timings:?}"
    );
}
