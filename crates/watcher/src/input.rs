//! Validation of user input shared by the CLI and the Pulumi provider.
//!
//! Every check returns an [`InputError`] naming the field, the offending value and
//! what would have been accepted, so both front ends report bad input the same way.

use std::fmt;
use std::time::Duration;

/// Bad input: which field, what was given, what is valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} `{value}`: {expected}")]
pub struct InputError {
    pub field: String,
    /// The given value, truncated and escaped so it prints on one line.
    pub value: String,
    pub expected: String,
}

impl InputError {
    pub fn new(field: &str, value: &str, expected: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            value: printable(value),
            expected: expected.into(),
        }
    }
}

const MAX_SHOWN_CHARS: usize = 80;

/// Escapes control characters and cuts long values so an error stays one readable line.
fn printable(value: &str) -> String {
    let escaped: String = value.escape_debug().collect();
    crate::message::truncate(&escaped, MAX_SHOWN_CHARS)
}

/// A desired task definition: either a full ARN (compared exactly) or
/// `family:revision` (compared against the ARN's `task-definition/<family>:<rev>` suffix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskDefinitionRef {
    Arn(String),
    FamilyRevision { family: String, revision: u32 },
}

impl TaskDefinitionRef {
    /// True when `task_definition_arn` is this task definition.
    pub fn matches(&self, task_definition_arn: &str) -> bool {
        match self {
            TaskDefinitionRef::Arn(arn) => arn == task_definition_arn,
            TaskDefinitionRef::FamilyRevision { family, revision } => {
                let family_revision = format!("{family}:{revision}");
                // Emulators sometimes report the bare `family:revision`.
                task_definition_arn == family_revision
                    || task_definition_arn
                        .strip_suffix(&format!("task-definition/{family_revision}"))
                        .is_some_and(|prefix| prefix.ends_with(':'))
            }
        }
    }
}

impl fmt::Display for TaskDefinitionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskDefinitionRef::Arn(arn) => f.write_str(arn),
            TaskDefinitionRef::FamilyRevision { family, revision } => {
                write!(f, "{family}:{revision}")
            }
        }
    }
}

/// Which deployment to watch when the caller names one explicitly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeploymentRef {
    /// `ecs-svc/<number>`, as `DescribeServices` lists it.
    DeploymentId(String),
    /// `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`.
    ServiceDeploymentArn(String),
}

impl fmt::Display for DeploymentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeploymentRef::DeploymentId(id) => f.write_str(id),
            DeploymentRef::ServiceDeploymentArn(arn) => f.write_str(arn),
        }
    }
}

const NAME_RULE: &str = "1-255 letters, digits, hyphens and underscores";

fn is_ecs_name(value: &str) -> bool {
    (1..=255).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An AWS ARN split into its parts: `arn:<partition>:<service>:<region>:<account>:<resource>`.
struct Arn<'a> {
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

/// `value` as an ARN of an AWS partition with a 12-digit account.
fn parse_arn(value: &str) -> Option<Arn<'_>> {
    let mut parts = value.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let valid = arn == "arn"
        && partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(Arn {
        service,
        region,
        account,
        resource,
    })
}

/// `value` as an ECS ARN, which always names a region.
fn parse_ecs_arn(value: &str) -> Option<Arn<'_>> {
    parse_arn(value).filter(|arn| {
        arn.service == "ecs" && !arn.region.is_empty() && arn.region.bytes().all(is_region_byte)
    })
}

fn is_region_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
}

/// `value` itself when `valid`, else the error saying what is `expected`.
fn accept(
    field: &str,
    value: &str,
    valid: bool,
    expected: impl Into<String>,
) -> Result<String, InputError> {
    if valid {
        Ok(value.to_owned())
    } else {
        Err(InputError::new(field, value, expected))
    }
}

/// A cluster name or cluster ARN (`arn:aws:ecs:<region>:<account>:cluster/<name>`).
pub fn cluster(field: &str, value: &str) -> Result<String, InputError> {
    let is_cluster_arn =
        |resource: &str| resource.strip_prefix("cluster/").is_some_and(is_ecs_name);
    name_or_arn(field, value, "cluster", "cluster/<name>", is_cluster_arn)
}

/// A service name or service ARN, in the old (`service/<name>`) or the new
/// (`service/<cluster>/<name>`) format.
pub fn service(field: &str, value: &str) -> Result<String, InputError> {
    let is_service_arn = |resource: &str| match resource.strip_prefix("service/") {
        Some(path) => match path.split_once('/') {
            Some((cluster, name)) => is_ecs_name(cluster) && is_ecs_name(name),
            None => is_ecs_name(path),
        },
        None => false,
    };
    name_or_arn(
        field,
        value,
        "service",
        "service/<cluster>/<name>",
        is_service_arn,
    )
}

/// `value` as given when it is a valid ECS name, or an ECS ARN whose resource
/// part `valid_resource` accepts; the error shows the ARN's `resource_form`.
fn name_or_arn(
    field: &str,
    value: &str,
    kind: &str,
    resource_form: &str,
    valid_resource: impl Fn(&str) -> bool,
) -> Result<String, InputError> {
    let valid = match parse_ecs_arn(value) {
        Some(arn) => valid_resource(arn.resource),
        None => is_ecs_name(value),
    };
    accept(
        field,
        value,
        valid,
        format!(
            "expected a {kind} name ({NAME_RULE}) or a {kind} ARN \
             (arn:aws:ecs:<region>:<account>:{resource_form})"
        ),
    )
}

/// A task definition ARN or `family:revision`.
pub fn task_definition(field: &str, value: &str) -> Result<TaskDefinitionRef, InputError> {
    let expected = "expected a task definition ARN \
                    (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>) \
                    or <family>:<revision> such as my-app:42";
    let family_revision = |text: &str| -> Option<(String, u32)> {
        let (family, revision) = text.rsplit_once(':')?;
        let revision: u32 = revision.parse().ok().filter(|r| *r > 0)?;
        is_ecs_name(family).then(|| (family.to_owned(), revision))
    };
    let parsed = match parse_ecs_arn(value) {
        Some(arn) => arn
            .resource
            .strip_prefix("task-definition/")
            .and_then(family_revision)
            .map(|_| TaskDefinitionRef::Arn(value.to_owned())),
        None => family_revision(value)
            .map(|(family, revision)| TaskDefinitionRef::FamilyRevision { family, revision }),
    };
    parsed.ok_or_else(|| InputError::new(field, value, expected))
}

/// A deployment id (`ecs-svc/<number>`) or a service-deployment ARN.
pub fn deployment(field: &str, value: &str) -> Result<DeploymentRef, InputError> {
    let expected = "expected a deployment id such as ecs-svc/1234567890123456789 or a \
                    service deployment ARN \
                    (arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>)";
    if crate::model::deployment_number(value).is_some() {
        return Ok(DeploymentRef::DeploymentId(value.to_owned()));
    }
    let is_service_deployment_arn = parse_ecs_arn(value)
        .and_then(|arn| arn.resource.strip_prefix("service-deployment/"))
        .is_some_and(|path| {
            let segments: Vec<&str> = path.split('/').collect();
            segments.len() == 3
                && is_ecs_name(segments[0])
                && is_ecs_name(segments[1])
                && !segments[2].is_empty()
                && segments[2]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if is_service_deployment_arn {
        Ok(DeploymentRef::ServiceDeploymentArn(value.to_owned()))
    } else {
        Err(InputError::new(field, value, expected))
    }
}

/// An AWS region code such as `ap-southeast-2`.
pub fn region(field: &str, value: &str) -> Result<String, InputError> {
    let valid = (4..=32).contains(&value.len())
        && value.contains('-')
        && value.bytes().all(is_region_byte)
        && !value.starts_with('-')
        && !value.ends_with('-');
    accept(
        field,
        value,
        valid,
        "expected an AWS region code such as us-east-1 or ap-southeast-2",
    )
}

/// An IAM role ARN (`arn:aws:iam::<account>:role/<path/name>`).
pub fn role_arn(field: &str, value: &str) -> Result<String, InputError> {
    let expected = "expected an IAM role ARN such as arn:aws:iam::123456789012:role/deployer";
    let valid = parse_arn(value).is_some_and(|arn| {
        arn.service == "iam"
            && arn.region.is_empty()
            && arn.resource.strip_prefix("role/").is_some_and(|name| {
                !name.is_empty() && !name.ends_with('/') && !name.contains(char::is_whitespace)
            })
    });
    accept(field, value, valid, expected)
}

/// One input as the user gave it: the field's name (`--service`, `serviceName`) and the value.
#[derive(Clone, Copy, Debug)]
pub struct Given<'a> {
    pub field: &'a str,
    pub value: &'a str,
}

/// Cross-checks inputs that must all point at one service, each already valid on
/// its own: a service ARN must be in the cluster given, the ARNs among cluster,
/// service and task definition must share one region and account, and when the
/// region is known (`region`), every ARN must be in it. Otherwise the wait would
/// look in the wrong place and fail slowly ("not found", "no deployment").
/// Inputs not known yet (a Pulumi preview) are `None` and skipped.
pub fn same_place(
    cluster: Option<Given<'_>>,
    service: Option<Given<'_>>,
    task_definition: Option<Given<'_>>,
    region: Option<Given<'_>>,
) -> Result<(), InputError> {
    if let (Some(cluster), Some(service)) = (cluster, service) {
        service_in_cluster(cluster, service)?;
    }
    let arns: Vec<(Given<'_>, Arn<'_>)> = [cluster, service, task_definition]
        .into_iter()
        .flatten()
        .filter_map(|given| parse_ecs_arn(given.value).map(|arn| (given, arn)))
        .collect();
    if let Some(region) = region
        && let Some((given, arn)) = arns.iter().find(|(_, arn)| arn.region != region.value)
    {
        return Err(InputError::new(
            given.field,
            given.value,
            format!(
                "the ARN is in region `{}`, but {} is `{}`: the cluster, service and task definition \
                 must be in the region the wait looks in",
                arn.region, region.field, region.value
            ),
        ));
    }
    if let Some(((first, first_arn), rest)) = arns.split_first() {
        for (given, arn) in rest {
            let mismatch = if arn.region != first_arn.region {
                format!(
                    "the ARN is in region `{}`, but {} is in `{}`: the cluster, service and task \
                     definition must be in one region",
                    arn.region, first.field, first_arn.region
                )
            } else if arn.account != first_arn.account {
                format!(
                    "the ARN belongs to account `{}`, but {} to account `{}`: the cluster, service and \
                     task definition must be in one account",
                    arn.account, first.field, first_arn.account
                )
            } else {
                continue;
            };
            return Err(InputError::new(given.field, given.value, mismatch));
        }
    }
    Ok(())
}

/// A service ARN of the new format names its cluster; it must be the one given.
fn service_in_cluster(cluster: Given<'_>, service: Given<'_>) -> Result<(), InputError> {
    let cluster_name = parse_ecs_arn(cluster.value)
        .and_then(|arn| arn.resource.strip_prefix("cluster/"))
        .unwrap_or(cluster.value);
    if let Some(service_cluster) = parse_ecs_arn(service.value)
        .and_then(|arn| arn.resource.strip_prefix("service/"))
        .and_then(|path| path.split_once('/'))
        .map(|(service_cluster, _)| service_cluster)
        && service_cluster != cluster_name
    {
        return Err(InputError::new(
            service.field,
            service.value,
            format!(
                "the ARN is of a service in cluster `{service_cluster}`, but {} is `{cluster_name}`: \
                 pass the service name, or the ARN of the service in that cluster",
                cluster.field
            ),
        ));
    }
    Ok(())
}

/// An endpoint override: an absolute `http://` or `https://` URL with a host.
pub fn endpoint_url(field: &str, value: &str) -> Result<String, InputError> {
    let expected = "expected an http:// or https:// URL such as http://127.0.0.1:4566";
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let host_and_port = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
    let valid = host_and_port.is_some_and(|authority| {
        !authority.is_empty()
            && !authority.starts_with(':')
            && !authority.contains(char::is_whitespace)
            && !authority.contains('@')
    });
    accept(field, value, valid, expected)
}

/// The longest wait either front end accepts: a day. Anything longer is a unit mistake (milliseconds typed as
/// seconds), not a deploy.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// Polling more often only spends the request budget; the deployment does not move faster.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Polling less often would report a verdict minutes after ECS reached it.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// How a front end takes durations, so that a refused one is shown back in the terms its user wrote it in.
#[derive(Clone, Copy, Debug)]
pub enum DurationInput {
    /// Text such as `90s` or `3m` (the CLI's flags), shown by `show`. A bare number means seconds, so the
    /// shortest timeout is a second.
    Text { show: fn(Duration) -> String },
    /// A whole number of milliseconds (the provider's `timeoutMs` and `pollIntervalMs`), so the shortest
    /// timeout is a millisecond.
    Milliseconds,
}

impl DurationInput {
    fn min_timeout(self) -> Duration {
        match self {
            DurationInput::Text { .. } => Duration::from_secs(1),
            DurationInput::Milliseconds => Duration::from_millis(1),
        }
    }

    fn show(self, duration: Duration) -> String {
        match self {
            DurationInput::Text { show } => show(duration),
            DurationInput::Milliseconds => duration.as_millis().to_string(),
        }
    }
}

/// How long to wait for a verdict: from the shortest timeout of `input` to [`MAX_TIMEOUT`].
pub fn timeout(field: &str, value: Duration, input: DurationInput) -> Result<Duration, InputError> {
    duration_within(
        field,
        value,
        (input.min_timeout(), MAX_TIMEOUT),
        input,
        " (24 hours); the default is 180000 (3 minutes)",
    )
}

/// The time between two looks at the deployment: [`MIN_POLL_INTERVAL`] to [`MAX_POLL_INTERVAL`].
pub fn poll_interval(
    field: &str,
    value: Duration,
    input: DurationInput,
) -> Result<Duration, InputError> {
    duration_within(
        field,
        value,
        (MIN_POLL_INTERVAL, MAX_POLL_INTERVAL),
        input,
        "; the default is 2000",
    )
}

/// `value` if it lies in `min..=max`; otherwise an error showing the value and the range as `input` writes
/// them (`milliseconds_note` follows the range in milliseconds: what the maximum means, the default).
fn duration_within(
    field: &str,
    value: Duration,
    (min, max): (Duration, Duration),
    input: DurationInput,
    milliseconds_note: &str,
) -> Result<Duration, InputError> {
    if (min..=max).contains(&value) {
        return Ok(value);
    }
    let expected = match input {
        DurationInput::Text { show } => {
            format!("must be between {} and {}", show(min), show(max))
        }
        DurationInput::Milliseconds => format!(
            "expected milliseconds from {} to {}{milliseconds_note}",
            min.as_millis(),
            max.as_millis()
        ),
    };
    Err(InputError::new(field, &input.show(value), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given<'a>(field: &'a str, value: &'a str) -> Given<'a> {
        Given { field, value }
    }

    #[test]
    fn names_and_matching_arns_point_at_one_place() {
        let cluster = given("cluster", "arn:aws:ecs:us-east-1:123456789012:cluster/prod");
        let service = given(
            "service",
            "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
        );
        let task = given(
            "td",
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        );
        let region = given("region", "us-east-1");
        assert!(same_place(Some(cluster), Some(service), Some(task), Some(region)).is_ok());
        assert!(
            same_place(
                Some(given("cluster", "prod")),
                Some(given("service", "web")),
                None,
                None
            )
            .is_ok()
        );
        let old_format = given("service", "arn:aws:ecs:us-east-1:123456789012:service/web");
        assert!(
            same_place(
                Some(given("cluster", "prod")),
                Some(old_format),
                None,
                Some(region)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_service_arn_of_another_cluster_names_both() {
        let error = same_place(
            Some(given("--cluster", "prod")),
            Some(given(
                "--service",
                "arn:aws:ecs:us-east-1:123456789012:service/staging/web",
            )),
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(error.field, "--service");
        assert!(
            error.expected.contains("cluster `staging`") && error.expected.contains("`prod`"),
            "{error}"
        );
    }

    #[test]
    fn arns_of_another_region_or_account_are_named() {
        let cluster = given(
            "clusterName",
            "arn:aws:ecs:us-east-1:111111111111:cluster/prod",
        );
        let other_account = given(
            "serviceName",
            "arn:aws:ecs:us-east-1:222222222222:service/prod/web",
        );
        let error = same_place(Some(cluster), Some(other_account), None, None).unwrap_err();
        assert_eq!(error.field, "serviceName");
        assert!(
            error.expected.contains("`222222222222`") && error.expected.contains("`111111111111`")
        );

        let other_region = given(
            "desiredTaskDef",
            "arn:aws:ecs:eu-west-1:111111111111:task-definition/web:3",
        );
        let error = same_place(
            Some(cluster),
            Some(given("serviceName", "web")),
            Some(other_region),
            None,
        )
        .unwrap_err();
        assert_eq!(error.field, "desiredTaskDef");
        assert!(error.expected.contains("`eu-west-1`") && error.expected.contains("`us-east-1`"));

        let error = same_place(
            Some(cluster),
            Some(given("serviceName", "web")),
            None,
            Some(given("awsRegion", "ap-southeast-2")),
        )
        .unwrap_err();
        assert_eq!(error.field, "clusterName");
        assert!(
            error.expected.contains("awsRegion is `ap-southeast-2`"),
            "{error}"
        );
    }

    #[test]
    fn accepts_cluster_and_service_names_and_arns_as_given() {
        type Check = fn(&str, &str) -> Result<String, InputError>;
        let accepted: [(Check, &str); 5] = [
            (cluster, "prod-cluster_1"),
            (
                cluster,
                "arn:aws:ecs:ap-southeast-2:123456789012:cluster/prod",
            ),
            (service, "web"),
            // Both service ARN formats: without and with the cluster.
            (service, "arn:aws:ecs:us-east-1:123456789012:service/web"),
            (
                service,
                "arn:aws:ecs:us-east-1:123456789012:service/prod/web",
            ),
        ];
        for (check, value) in accepted {
            assert_eq!(check("field", value), Ok(value.to_owned()), "{value}");
        }
    }

    #[test]
    fn rejects_bad_clusters_naming_field_value_and_rule() {
        let error = cluster("cluster", "prod cluster").unwrap_err();
        assert_eq!(error.field, "cluster");
        assert_eq!(error.value, "prod cluster");
        assert!(
            error
                .to_string()
                .starts_with("invalid cluster `prod cluster`: expected")
        );
        assert!(cluster("cluster", "").is_err());
        assert!(cluster("cluster", &"a".repeat(256)).is_err());
        let service_arn_as_cluster = "arn:aws:ecs:us-east-1:123456789012:service/prod/web";
        assert!(cluster("cluster", service_arn_as_cluster).is_err());
    }

    #[test]
    fn rejects_services_of_the_wrong_resource_type() {
        let error = service(
            "serviceName",
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        )
        .unwrap_err();
        assert!(error.to_string().contains("service ARN"));
        assert!(service("service", "web/api").is_err());
        assert!(service("service", "arn:aws:ecs:us-east-1:12345:service/web").is_err());
    }

    #[test]
    fn parses_task_definitions_as_arn_or_family_revision() {
        let arn = "arn:aws:ecs:ap-southeast-2:291971919224:task-definition/web-app:3";
        assert_eq!(
            task_definition("desiredTaskDef", arn),
            Ok(TaskDefinitionRef::Arn(arn.into()))
        );
        assert_eq!(
            task_definition("desiredTaskDef", "web-app:3"),
            Ok(TaskDefinitionRef::FamilyRevision {
                family: "web-app".into(),
                revision: 3
            })
        );
        for bad in [
            "web-app",
            "web-app:0",
            "web-app:x",
            ":3",
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web",
        ] {
            let error = task_definition("desiredTaskDef", bad).unwrap_err();
            assert_eq!(error.field, "desiredTaskDef");
            assert!(error.expected.contains("<family>:<revision>"), "{bad}");
        }
    }

    #[test]
    fn family_revision_matches_only_the_exact_arn_suffix() {
        let reference = task_definition("td", "web:3").unwrap();
        assert!(reference.matches("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"));
        assert!(!reference.matches("arn:aws:ecs:us-east-1:123456789012:task-definition/web:33"));
        assert!(!reference.matches("arn:aws:ecs:us-east-1:123456789012:task-definition/my-web:3"));
        let arn = task_definition(
            "td",
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
        )
        .unwrap();
        assert!(!arn.matches("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"));
    }

    #[test]
    fn parses_deployment_ids_and_service_deployment_arns() {
        assert_eq!(
            deployment("deployment", "ecs-svc/6405940160831029548"),
            Ok(DeploymentRef::DeploymentId(
                "ecs-svc/6405940160831029548".into()
            ))
        );
        let arn =
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/NCWGC2ZR-taawPAYrIaU5";
        assert_eq!(
            deployment("deployment", arn),
            Ok(DeploymentRef::ServiceDeploymentArn(arn.into()))
        );
        assert!(deployment("deployment", "ecs-svc/abc").is_err());
        assert!(
            deployment(
                "deployment",
                "arn:aws:ecs:us-east-1:123456789012:service/prod/web"
            )
            .is_err()
        );
    }

    #[test]
    fn error_values_are_escaped_and_truncated() {
        let error = cluster("cluster", &format!("a\nb{}", "x".repeat(200))).unwrap_err();
        assert!(error.value.starts_with("a\\nb"));
        assert!(error.value.chars().count() <= MAX_SHOWN_CHARS + 1);
        assert!(!error.to_string().contains('\n'));
    }

    #[test]
    fn validates_regions_role_arns_and_endpoints() {
        assert!(region("region", "ap-southeast-2").is_ok());
        assert!(region("region", "Sydney").is_err());
        assert!(role_arn("assumeRole", "arn:aws:iam::123456789012:role/deploy/ci").is_ok());
        assert!(role_arn("assumeRole", "arn:aws:iam::123456789012:user/bob").is_err());
        assert!(endpoint_url("endpoint", "http://127.0.0.1:4566").is_ok());
        assert!(endpoint_url("endpoint", "https://ecs.example.com/").is_ok());
        assert!(endpoint_url("endpoint", "127.0.0.1:4566").is_err());
        assert!(endpoint_url("endpoint", "http://").is_err());
    }

    /// How the CLI shows durations (humantime's words, which this crate does not depend on) for these tests.
    fn as_flag(duration: Duration) -> String {
        match duration.as_millis() {
            0 => "0s".to_owned(),
            86_400_000 => "1day".to_owned(),
            millis if millis % 1000 == 0 => format!("{}s", millis / 1000),
            millis => format!("{millis}ms"),
        }
    }

    #[test]
    fn timeouts_and_poll_intervals_are_refused_outside_their_range_in_the_fields_own_terms() {
        let flag = DurationInput::Text { show: as_flag };
        let ms = DurationInput::Milliseconds;
        let refused = |result: Result<Duration, InputError>| result.unwrap_err().to_string();
        assert_eq!(
            refused(timeout("--timeout", Duration::ZERO, flag)),
            "invalid --timeout `0s`: must be between 1s and 1day"
        );
        assert_eq!(
            refused(timeout("--timeout", Duration::from_millis(999), flag)),
            "invalid --timeout `999ms`: must be between 1s and 1day"
        );
        assert_eq!(
            refused(timeout("timeoutMs", Duration::ZERO, ms)),
            "invalid timeoutMs `0`: expected milliseconds from 1 to 86400000 (24 hours); the default is \
             180000 (3 minutes)"
        );
        assert_eq!(
            refused(poll_interval(
                "--poll-interval",
                Duration::from_millis(99),
                flag
            )),
            "invalid --poll-interval `99ms`: must be between 100ms and 300s"
        );
        assert_eq!(
            refused(poll_interval(
                "pollIntervalMs",
                Duration::from_millis(300_001),
                ms
            )),
            "invalid pollIntervalMs `300001`: expected milliseconds from 100 to 300000; the default is 2000"
        );
        for input in [flag, ms] {
            assert!(timeout("t", MAX_TIMEOUT + Duration::from_millis(1), input).is_err());
            for fine in [
                Duration::from_secs(1),
                Duration::from_secs(180),
                MAX_TIMEOUT,
            ] {
                assert_eq!(timeout("t", fine, input), Ok(fine));
            }
            for fine in [MIN_POLL_INTERVAL, Duration::from_secs(2), MAX_POLL_INTERVAL] {
                assert_eq!(poll_interval("p", fine, input), Ok(fine));
            }
        }
        assert_eq!(
            timeout("timeoutMs", Duration::from_millis(1), ms),
            Ok(Duration::from_millis(1))
        );
    }
}
