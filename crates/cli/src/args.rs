//! Command-line flags. Parsing only checks shapes clap can check; values are validated in `wait` with the
//! same `ecs_watcher::input` rules the Pulumi provider uses, so both refuse bad input with the same words.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ExitCode;

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    COMPLETED    the deployment finished and serves the desired task definition (or reached --wait-until)
  1    FAILED       it failed (circuit breaker without rollback, crash loop, stopped, superseded, service deleted)
  2    ROLLED_BACK  ECS rolled the service back (circuit breaker or CloudWatch alarm)
  3    TIMED_OUT    the timeout passed before a verdict
  4    bad input, or an AWS/setup error (service or cluster not found, access denied, no region, no credentials)
  130  interrupted (Ctrl-C)
With several --service: 4 if any setup error, else 1 if any FAILED, else 2 if any ROLLED_BACK, else 3 if any
TIMED_OUT, else 0.

AWS access uses the standard credential chain (environment, profiles incl. SSO, web identity, container, instance
metadata). The endpoint can also be set with AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_ECS.
Needed IAM permissions: ecs:DescribeServices, ecs:ListServiceDeployments, ecs:DescribeServiceDeployments,
ecs:DescribeServiceRevisions, ecs:ListTasks, ecs:DescribeTasks (and sts:AssumeRole with --assume-role);
ecs:StopServiceDeployment for --rollback-on and `rollback`, ecs:ContinueServiceDeployment for `continue`.
Calls share a client-side budget per account and Region (default 20 requests/s, bursts of 40): set
WAIT_FOR_ECS_DEPLOY_REQUESTS_PER_SECOND and WAIT_FOR_ECS_DEPLOY_REQUEST_BURST to change it.";

/// Waits for an Amazon ECS service deployment and tells, fast and truthfully, whether it worked and if not, why.
#[derive(Debug, Parser)]
#[command(name = "wait-for-ecs-deploy", version, after_help = EXIT_CODES_HELP)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub wait: WaitFlags,

    /// More diagnostics on stderr (-v: info, -vv: debug). WAIT_FOR_ECS_DEPLOY_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Play rollout scenarios against the built-in ECS simulator (offline; no AWS account needed).
    Demo(DemoArgs),
    /// Continue (or roll back) the service's deployment paused at a PAUSE lifecycle hook
    /// (ContinueServiceDeployment). Exit 4 if nothing is paused.
    Continue(ContinueArgs),
    /// Roll back the service's deployment in progress (StopServiceDeployment, stopType ROLLBACK). Exit 4 if no
    /// deployment is in progress; with --wait, 0 when the rollback succeeded and 1 when it failed.
    Rollback(RollbackArgs),
}

#[derive(Debug, Args)]
pub struct WaitFlags {
    /// Cluster name or ARN.
    #[arg(long, required = true, value_name = "NAME|ARN")]
    pub cluster: Option<String>,

    /// Service name or ARN. Repeat it to wait for several services of the cluster at once; give each its task
    /// definition as `--service web=web:7` (then without --task-definition).
    #[arg(long, required = true, value_name = "NAME|ARN[=TASK_DEF]")]
    pub service: Vec<String>,

    /// The task definition the deployment should serve (full ARN or family:revision). Without it (and without
    /// --deployment), the service's current deployment is watched. One service only.
    #[arg(long, value_name = "ARN|FAMILY:REV")]
    pub task_definition: Option<String>,

    /// Watch this deployment (ecs-svc/... id or service-deployment ARN) instead of finding it.
    #[arg(long, value_name = "ID|ARN", conflicts_with = "task_definition")]
    pub deployment: Option<String>,

    /// Give up after this long (e.g. 90s, 3m, 1h).
    #[arg(long, default_value = "3m", value_parser = parse_duration, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout: Duration,

    /// Time between two looks at the deployment (e.g. 2s, 500ms).
    #[arg(long, default_value = "2s", value_parser = parse_duration, value_name = "DURATION", allow_hyphen_values = true)]
    pub poll_interval: Duration,

    /// Declare FAILED after this many tasks of the deployment stopped without any becoming healthy (crash loop),
    /// with or without a circuit breaker. 0 turns this off.
    #[arg(
        long,
        default_value_t = 3,
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub max_task_failures: u32,

    /// What counts as done: `deployed` (the deployment finished, after any bake time), `paused` (a PAUSE
    /// lifecycle hook awaits action), or `stage:<LIFECYCLE_STAGE>` (e.g. stage:POST_TEST_TRAFFIC_SHIFT: test
    /// traffic is on the new revision). `paused` and `stage:` need a BLUE_GREEN, LINEAR or CANARY service.
    #[arg(
        long,
        default_value = "deployed",
        value_name = "deployed|paused|stage:STAGE"
    )]
    pub wait_until: String,

    /// Roll the watched deployment back (StopServiceDeployment ROLLBACK) when the verdict is one of these:
    /// comma-separated `failed`, `timed-out`, `interrupted` (Ctrl-C or SIGTERM). Default: never. The verdict and
    /// exit code stay what they were; the result says what the rollback did. Needs ecs:StopServiceDeployment.
    #[arg(long, default_value = "", value_name = "LIST")]
    pub rollback_on: String,

    /// How long to follow a rollback --rollback-on requested (a second Ctrl-C stops following, not the
    /// rollback).
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION", allow_hyphen_values = true)]
    pub rollback_timeout: Duration,

    /// With several services: the first one that does not complete ends the wait for all (the others are
    /// reported as not waited for).
    #[arg(long)]
    pub fail_fast: bool,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub display: DisplayArgs,
}

/// How to reach ECS: shared by the wait and the commands that act on a deployment.
#[derive(Debug, Args, Clone, Default)]
pub struct AwsArgs {
    /// AWS region (else AWS_REGION / AWS_DEFAULT_REGION / the profile's region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// AWS shared-config profile.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Assume this IAM role before calling ECS.
    #[arg(long, value_name = "ROLE_ARN")]
    pub assume_role: Option<String>,

    /// External id for --assume-role.
    #[arg(long, value_name = "ID", requires = "assume_role")]
    pub external_id: Option<String>,

    /// Session name for --assume-role.
    #[arg(long, value_name = "NAME", requires = "assume_role")]
    pub role_session_name: Option<String>,

    /// Send ECS calls to this endpoint (e.g. a local simulator).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// How results are shown.
#[derive(Debug, Args, Clone, Copy)]
pub struct DisplayArgs {
    /// How the verdict is shown. `github` prints one `::error title=<service> <OUTCOME>::<failureMessage>`
    /// annotation per service that did not complete, before the verdict lines, and puts the progress inside
    /// `::group::`/`::endgroup::` (on stderr). With -v, the text and github verdict lines end in the
    /// deployment's AWS console link; json always carries it as `consoleUrl`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// No progress output; only the verdict (and errors).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `continue`: the paused deployment of one service.
#[derive(Debug, Args)]
pub struct ContinueArgs {
    #[command(flatten)]
    pub target: ServiceArgs,

    /// The PAUSE hook to continue; needed only when several hooks await action.
    #[arg(long, value_name = "ID")]
    pub hook_id: Option<String>,

    /// `continue` lets the deployment go on; `rollback` rolls it back.
    #[arg(long, value_enum, default_value_t = HookAction::Continue)]
    pub action: HookAction,

    /// Then wait for the deployment as the main command does, and exit with its verdict.
    #[arg(long)]
    pub wait: bool,

    /// With --wait: give up after this long.
    #[arg(long, default_value = "3m", value_parser = parse_duration, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout: Duration,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub display: DisplayArgs,
}

/// The one service `continue` and `rollback` act on.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// Cluster name or ARN.
    #[arg(long, value_name = "NAME|ARN")]
    pub cluster: String,

    /// Service name or ARN.
    #[arg(long, value_name = "NAME|ARN")]
    pub service: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HookAction {
    Continue,
    Rollback,
}

/// `rollback`: the deployment in progress of one service.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub target: ServiceArgs,

    /// Then follow the rollback to its end: exit 0 when it succeeded, 1 when it failed, 3 when --timeout passed.
    #[arg(long)]
    pub wait: bool,

    /// With --wait: stop following after this long (the rollback goes on).
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout: Duration,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub display: DisplayArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Progress on stderr, a verdict line on stdout.
    Text,
    /// One JSON object on stdout.
    Json,
    /// For GitHub Actions: the progress in a log group, error annotations, the verdict lines.
    Github,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scenario to play; all of them by default.
    #[arg(long, value_enum)]
    pub scenario: Option<crate::demo::DemoScenario>,

    /// How many times faster than real ECS the simulator runs.
    #[arg(long, default_value_t = 20.0, value_name = "FACTOR")]
    pub time_scale: f64,

    /// No live progress; only one verdict line per scenario.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Accepts humantime durations ("90s", "3m", "1h 30m", "500ms"); a bare number means seconds.
fn parse_duration(value: &str) -> Result<Duration, String> {
    let trimmed = value.trim();
    if let Ok(seconds) = trimmed.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(trimmed).map_err(|error| {
        format!("`{trimmed}` is not a duration ({error}); use e.g. 90s, 3m, 1h or 500ms")
    })
}

/// The first argument that is not UTF-8, described with the flag it belongs to. clap refuses such an
/// argument too, but without saying which one; every value this tool takes is plain text.
pub fn non_utf8_argument(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let mut previous: Option<String> = None;
    for arg in args.into_iter().skip(1) {
        let Some(text) = arg.to_str() else {
            let bytes = arg.as_bytes();
            let (flag, value) = match bytes.iter().position(|b| *b == b'=') {
                Some(equals) if bytes.starts_with(b"--") => (
                    String::from_utf8_lossy(&bytes[..equals]).into_owned(),
                    &bytes[equals + 1..],
                ),
                _ => (
                    previous
                        .filter(|p| p.starts_with('-'))
                        .unwrap_or_else(|| "argument".to_owned()),
                    bytes,
                ),
            };
            return Some(format!(
                "invalid {flag} `{}`: not valid UTF-8; expected plain text such as a name, an ARN, a \
                 duration or a URL",
                escape_bytes(value)
            ));
        };
        previous = Some(text.to_owned());
    }
    None
}

/// Text as is, invalid bytes as `\xNN`, cut after 80 characters.
fn escape_bytes(bytes: &[u8]) -> String {
    let mut shown = String::new();
    for chunk in bytes.utf8_chunks() {
        shown.extend(chunk.valid().escape_debug());
        for byte in chunk.invalid() {
            shown.push_str(&format!("\\x{byte:02X}"));
        }
    }
    ecs_watcher::message::truncate(&shown, 80)
}

/// clap exits with 2 on a usage error, but 2 means ROLLED_BACK here: usage errors must exit 4.
pub fn report_parse_error(error: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let is_informational = matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    let _ = error.print();
    if is_informational && error.kind() != ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        0
    } else {
        ExitCode::SetupError.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_humantime_and_bare_seconds() {
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        let error = parse_duration("soon").unwrap_err();
        assert!(error.contains("`soon`") && error.contains("90s"), "{error}");
    }

    #[test]
    fn wait_flags_parse() {
        let cli = Cli::try_parse_from([
            "wait-for-ecs-deploy",
            "--cluster",
            "prod",
            "--service",
            "web",
            "--task-definition",
            "web:3",
            "--timeout",
            "90s",
            "--output",
            "json",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.wait.cluster.as_deref(), Some("prod"));
        assert_eq!(cli.wait.timeout, Duration::from_secs(90));
        assert_eq!(cli.wait.display.output, OutputFormat::Json);
        assert_eq!(cli.wait.max_task_failures, 3);
    }

    #[test]
    fn demo_needs_no_cluster() {
        let cli =
            Cli::try_parse_from(["wait-for-ecs-deploy", "demo", "--scenario", "healthy"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo(_))));
    }

    #[test]
    fn a_non_utf8_value_is_named_with_its_flag() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let args = |last: Vec<u8>| {
            vec![
                OsString::from("wait-for-ecs-deploy"),
                OsString::from("--service"),
                OsString::from_vec(last),
            ]
        };
        assert_eq!(
            non_utf8_argument(args(b"web\xff".to_vec())).as_deref(),
            Some(
                "invalid --service `web\\xFF`: not valid UTF-8; expected plain text such as a name, an ARN, \
                 a duration or a URL"
            )
        );
        let inline = vec![
            OsString::from("wait-for-ecs-deploy"),
            OsString::from_vec(b"--region=\xfe".to_vec()),
        ];
        assert!(
            non_utf8_argument(inline).is_some_and(|m| m.starts_with("invalid --region `\\xFE`"))
        );
        assert_eq!(non_utf8_argument(args(b"web".to_vec())), None);
    }

    #[test]
    fn missing_cluster_is_a_usage_error() {
        let error = Cli::try_parse_from(["wait-for-ecs-deploy", "--service", "web"]).unwrap_err();
        assert!(error.to_string().contains("--cluster"), "{error}");
    }
}
