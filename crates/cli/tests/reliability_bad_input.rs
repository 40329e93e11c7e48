//! Bad input to the binary: every case exits 4 before any AWS call, with one message on stderr that names the
//! flag, shows the value (cut short when huge, escaped when unprintable) and says what would be valid — and
//! never a panic. Complements `bad_input_exits_4_naming_the_flag_and_value_without_calling_aws` in
//! cli_against_sim.rs, which covers empty names, missing revisions, zero/negative/absurd timeouts and typos.

mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use support::*;

/// Nothing listens there: an AWS call would fail slowly and differently, so exit 4 fast proves none was made.
const NOWHERE: &str = "http://127.0.0.1:9";

struct Case {
    args: Vec<String>,
    /// Every one of these must appear in stderr.
    says: Vec<&'static str>,
}

fn case(args: &[&str], says: &[&'static str]) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        says: says.to_vec(),
    }
}

/// A case for service `web` of cluster `prod`: `--cluster prod --service web` then `args`.
fn web_case(args: &[&str], says: &[&'static str]) -> Case {
    case(
        &[&["--cluster", "prod", "--service", "web"], args].concat(),
        says,
    )
}

/// A [`web_case`] of `flag value` whose message names the flag, echoes the value and says `valid` too.
fn echoed(flag: &'static str, value: &'static str, valid: &[&'static str]) -> Case {
    web_case(&[flag, value], &[&[flag, value], valid].concat())
}

async fn assert_refused(args: &[String], says: &[&str]) {
    let run = run(
        command(Some(NOWHERE)),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    let shown: Vec<String> = args.iter().map(|a| a.chars().take(60).collect()).collect();
    assert_eq!(run.code, 4, "{shown:?} → {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "{shown:?}: no verdict on stdout: {}",
        run.stdout
    );
    assert_says(format!("{shown:?}: stderr"), &run.stderr, says);
    assert!(
        run.elapsed < std::time::Duration::from_secs(3),
        "{shown:?}: took {:?}, as if it had called AWS",
        run.elapsed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_types_and_unparseable_values_name_the_flag_and_what_is_valid() {
    let cases = [
        echoed("--timeout", "soon", &["90s"]),
        echoed("--poll-interval", "often", &[]),
        web_case(&["--poll-interval", "1ns"], &["--poll-interval", "100ms"]),
        echoed("--max-task-failures", "many", &[]),
        echoed("--max-task-failures", "99999999999", &[]),
        echoed("--timeout", "99999999999999999999d", &[]),
        case(
            &["--cluster", "prod", "--service", " web"],
            &["--service", "` web`", "letters, digits"],
        ),
        echoed("--region", "Sydney", &["us-east-1"]),
        echoed("--endpoint-url", "ftp://127.0.0.1", &["http://"]),
        echoed("--assume-role", "arn:aws:iam::12:role/x", &["role ARN"]),
        echoed("--deployment", "latest", &["ecs-svc/"]),
        web_case(
            &[
                "--task-definition",
                "arn:aws:ecs:us-east-1:123456789012:task-definition/web",
            ],
            &["--task-definition", "<family>:<revision>"],
        ),
        echoed("--task-definition", "web:0", &[]),
        echoed("--output", "xml", &["json"]),
    ];
    for Case { args, says } in &cases {
        assert_refused(args, says).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arns_for_another_cluster_region_or_account_are_refused_before_any_call() {
    let cases = [
        // The service ARN names another cluster than --cluster.
        case(
            &[
                "--cluster",
                "prod",
                "--service",
                "arn:aws:ecs:us-east-1:123456789012:service/staging/web",
            ],
            &["--service", "staging", "prod"],
        ),
        // The cluster ARN is in another region than --region.
        case(
            &[
                "--cluster",
                "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
                "--service",
                "web",
                "--region",
                "us-east-1",
            ],
            &["--cluster", "eu-west-1", "us-east-1"],
        ),
        // Cluster and service ARNs of different accounts.
        case(
            &[
                "--cluster",
                "arn:aws:ecs:us-east-1:111111111111:cluster/prod",
                "--service",
                "arn:aws:ecs:us-east-1:222222222222:service/prod/web",
            ],
            &["--service", "222222222222", "111111111111"],
        ),
        // A task definition of another region than the service: it could never be deployed there.
        case(
            &[
                "--cluster",
                "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
                "--service",
                "web",
                "--task-definition",
                "arn:aws:ecs:ap-southeast-2:123456789012:task-definition/web:3",
            ],
            &["--task-definition", "ap-southeast-2", "us-east-1"],
        ),
    ];
    for Case { args, says } in &cases {
        assert_refused(args, says).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_values_are_refused_with_the_value_cut_short() {
    let huge = "w".repeat(100_000);
    let run = run(
        command(Some(NOWHERE)),
        &["--cluster", "prod", "--service", &huge],
    )
    .await;
    assert_eq!(run.code, 4, "{}", &run.stderr[..run.stderr.len().min(300)]);
    assert!(
        run.stderr.contains("--service"),
        "{}",
        &run.stderr[..run.stderr.len().min(300)]
    );
    assert!(
        run.stderr.len() < 1_000,
        "the error echoes {} bytes instead of a short excerpt",
        run.stderr.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_utf8_values_are_refused_naming_the_flag() {
    for flag in ["--cluster", "--service", "--task-definition", "--region"] {
        let mut args: Vec<&OsStr> = ["--cluster", "prod", "--service", "web"]
            .into_iter()
            .map(OsStr::new)
            .collect();
        args.push(OsStr::new(flag));
        args.push(OsStr::from_bytes(b"web\xff\xfe:3"));
        // Replaces an earlier flag of the same name: clap would refuse the repetition instead.
        if flag == "--cluster" || flag == "--service" {
            args.drain(..4);
            args.splice(
                0..0,
                if flag == "--cluster" {
                    [OsStr::new("--service"), OsStr::new("web")]
                } else {
                    [OsStr::new("--cluster"), OsStr::new("prod")]
                },
            );
        }
        let output = command(Some(NOWHERE))
            .args(&args)
            .output()
            .await
            .expect("binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(4), "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!("invalid {flag} `")),
            "{flag}: the error names the flag: {stderr}"
        );
        assert!(
            stderr.contains("UTF-8"),
            "{flag}: says what is wrong: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
