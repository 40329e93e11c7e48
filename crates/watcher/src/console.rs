//! Links to a watched deployment in the AWS Management Console, built in one place for every front end.
//!
//! The link is the ECS console's page of the service deployment when the report knows its ARN
//! (`…/services/<service>/deployments/<id>`), else the service's deployments page (`…/services/<service>/
//! deployments`), where the deployment is listed. The console lives on another host in each partition,
//! and the partition is read from an ARN of the report when it has one (the deployment, the service,
//! the cluster or a task definition), else from the Region's prefix (`cn-`, `us-gov-`). The Region is the
//! one in those ARNs, else the one the caller's clients are configured for. Partitions without a public
//! console (the isolated ones) get no link.

use crate::model::resource_name;
use crate::watch::WaitReport;

/// An AWS partition that has a public console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    /// `aws`: the commercial Regions.
    Aws,
    /// `aws-cn`: the China Regions (`cn-north-1`, `cn-northwest-1`).
    AwsCn,
    /// `aws-us-gov`: AWS GovCloud (US).
    AwsUsGov,
}

impl Partition {
    /// The partition of an ARN's second field (`arn:<partition>:…`); `None` for one without a public console.
    pub fn from_arn_partition(partition: &str) -> Option<Self> {
        match partition {
            "aws" => Some(Self::Aws),
            "aws-cn" => Some(Self::AwsCn),
            "aws-us-gov" => Some(Self::AwsUsGov),
            _ => None,
        }
    }

    /// The partition a Region belongs to, by its prefix; `None` for an isolated Region (`us-iso-…`,
    /// `us-isob-…`, `eu-isoe-…`), which has no public console.
    pub fn of_region(region: &str) -> Option<Self> {
        let isolated = region
            .split('-')
            .nth(1)
            .is_some_and(|part| part.starts_with("iso"));
        if isolated {
            None
        } else if region.starts_with("cn-") {
            Some(Self::AwsCn)
        } else if region.starts_with("us-gov-") {
            Some(Self::AwsUsGov)
        } else {
            Some(Self::Aws)
        }
    }

    /// The console's domain; the Region's own console is `<region>.<domain>`.
    pub fn console_domain(self) -> &'static str {
        match self {
            Self::Aws => "console.aws.amazon.com",
            Self::AwsCn => "console.amazonaws.cn",
            Self::AwsUsGov => "console.amazonaws-us-gov.com",
        }
    }
}

/// What a link to a deployment in the ECS console names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleTarget<'a> {
    pub partition: Partition,
    pub region: &'a str,
    /// Cluster and service names (not ARNs).
    pub cluster: &'a str,
    pub service: &'a str,
    /// The last part of the service deployment's ARN, when known.
    pub service_deployment_id: Option<&'a str>,
}

impl ConsoleTarget<'_> {
    /// `https://<region>.<console domain>/ecs/v2/clusters/<cluster>/services/<service>/deployments[/<id>]
    /// ?region=<region>`.
    pub fn url(&self) -> String {
        let mut url = format!(
            "https://{region}.{domain}/ecs/v2/clusters/{cluster}/services/{service}/deployments",
            region = path_segment(self.region),
            domain = self.partition.console_domain(),
            cluster = path_segment(self.cluster),
            service = path_segment(self.service),
        );
        if let Some(id) = self.service_deployment_id {
            url.push('/');
            url.push_str(&path_segment(id));
        }
        url.push_str("?region=");
        url.push_str(&path_segment(self.region));
        url
    }
}

/// The console link to the deployment `report` watched. `configured_region` is the Region of the caller's
/// clients, used when no ARN in the report names one. `None` when neither gives a Region, or the partition
/// has no public console.
pub fn deployment_url(report: &WaitReport, configured_region: Option<&str>) -> Option<String> {
    let deployment = report
        .service_deployment_arn
        .as_deref()
        .and_then(service_deployment_parts);
    let arns = [
        report.service_deployment_arn.as_deref(),
        Some(report.service.as_str()),
        Some(report.cluster.as_str()),
        report.desired_task_definition.as_deref(),
        report.primary_task_definition.as_deref(),
    ];
    let from_arn = arns.into_iter().flatten().find_map(arn_place);
    let (partition, region) = match from_arn {
        Some((partition, region)) => (Partition::from_arn_partition(partition)?, region),
        None => {
            let region = configured_region.filter(|region| !region.is_empty())?;
            (Partition::of_region(region)?, region)
        }
    };
    let target = match deployment {
        Some((cluster, service, id)) => ConsoleTarget {
            partition,
            region,
            cluster,
            service,
            service_deployment_id: Some(id),
        },
        None => ConsoleTarget {
            partition,
            region,
            cluster: resource_name(&report.cluster),
            service: resource_name(&report.service),
            service_deployment_id: None,
        },
    };
    Some(target.url())
}

/// The partition and Region of an ARN (`arn:<partition>:<service>:<region>:…`); `None` for a name or an
/// ARN without a Region.
fn arn_place(value: &str) -> Option<(&str, &str)> {
    let mut parts = value.splitn(5, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let partition = parts.next()?;
    let _service = parts.next()?;
    let region = parts.next()?;
    parts.next()?;
    (!region.is_empty()).then_some((partition, region))
}

/// Cluster, service and id of `arn:…:service-deployment/<cluster>/<service>/<id>`.
fn service_deployment_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let (_, path) = arn.split_once(":service-deployment/")?;
    let mut parts = path.splitn(3, '/');
    let (cluster, service, id) = (parts.next()?, parts.next()?, parts.next()?);
    let all_given = [cluster, service, id].iter().all(|part| !part.is_empty());
    all_given.then_some((cluster, service, id))
}

/// `text` percent-encoded for a URL path segment or query value: ECS names and ids are letters, digits,
/// `-` and `_`, so this only matters for text the caller did not validate.
fn path_segment(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::watch::Outcome;

    fn report(cluster: &str, service: &str, service_deployment_arn: Option<&str>) -> WaitReport {
        WaitReport {
            outcome: Outcome::Completed,
            failure_message: String::new(),
            cluster: cluster.to_owned(),
            service: service.to_owned(),
            desired_task_definition: None,
            deployment_id: Some("ecs-svc/1234567890".to_owned()),
            service_deployment_arn: service_deployment_arn.map(str::to_owned),
            primary_task_definition: None,
            rolled_back_to: None,
            elapsed: Duration::from_secs(42),
            stopped_tasks: Vec::new(),
            used_fallback: false,
            kind: None,
            strategy: None,
            lifecycle_stage: None,
            paused_hook: None,
            checkpoint: None,
        }
    }

    #[test]
    fn each_partition_links_to_its_own_console() {
        struct Case {
            partition: &'static str,
            region: &'static str,
            url: &'static str,
        }
        let cases = [
            Case {
                partition: "aws",
                region: "eu-west-1",
                url: "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/\
                      deployments/ejGvqq2ilnbKT9qj0vLJe?region=eu-west-1",
            },
            Case {
                partition: "aws-cn",
                region: "cn-north-1",
                url: "https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/web/\
                      deployments/ejGvqq2ilnbKT9qj0vLJe?region=cn-north-1",
            },
            Case {
                partition: "aws-us-gov",
                region: "us-gov-west-1",
                url: "https://us-gov-west-1.console.amazonaws-us-gov.com/ecs/v2/clusters/prod/services/\
                      web/deployments/ejGvqq2ilnbKT9qj0vLJe?region=us-gov-west-1",
            },
        ];
        for case in cases {
            let arn = format!(
                "arn:{}:ecs:{}:123456789012:service-deployment/prod/web/ejGvqq2ilnbKT9qj0vLJe",
                case.partition, case.region
            );
            // The ARN decides, whatever Region the clients were configured for.
            let linked = deployment_url(&report("prod", "web", Some(&arn)), Some("us-east-1"));
            assert_eq!(linked.as_deref(), Some(case.url), "{}", case.partition);
        }
    }

    #[test]
    fn without_an_arn_the_configured_region_picks_the_partition_and_the_services_deployments_page()
    {
        let cases = [
            (
                "ap-southeast-2",
                "https://ap-southeast-2.console.aws.amazon.com/ecs/v2/clusters/prod/services/web/\
                 deployments?region=ap-southeast-2",
            ),
            (
                "cn-northwest-1",
                "https://cn-northwest-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/web/\
                 deployments?region=cn-northwest-1",
            ),
            (
                "us-gov-east-1",
                "https://us-gov-east-1.console.amazonaws-us-gov.com/ecs/v2/clusters/prod/services/web/\
                 deployments?region=us-gov-east-1",
            ),
        ];
        for (region, url) in cases {
            let linked = deployment_url(&report("prod", "web", None), Some(region));
            assert_eq!(linked.as_deref(), Some(url), "{region}");
        }
    }

    #[test]
    fn a_cluster_or_service_arn_gives_names_region_and_partition() {
        let linked = deployment_url(
            &report(
                "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod",
                "arn:aws-cn:ecs:cn-north-1:123456789012:service/prod/web",
                None,
            ),
            Some("eu-west-1"),
        );
        assert_eq!(
            linked.as_deref(),
            Some(
                "https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/web/deployments\
                 ?region=cn-north-1"
            )
        );
    }

    #[test]
    fn no_region_or_an_isolated_partition_gives_no_link() {
        assert_eq!(deployment_url(&report("prod", "web", None), None), None);
        assert_eq!(deployment_url(&report("prod", "web", None), Some("")), None);
        assert_eq!(
            deployment_url(&report("prod", "web", None), Some("us-iso-east-1")),
            None
        );
        let isolated = "arn:aws-iso:ecs:us-iso-east-1:123456789012:service-deployment/prod/web/abc";
        assert_eq!(
            deployment_url(&report("prod", "web", Some(isolated)), Some("us-east-1")),
            None
        );
    }

    #[test]
    fn text_outside_ecs_names_is_percent_encoded() {
        let target = ConsoleTarget {
            partition: Partition::Aws,
            region: "us-east-1",
            cluster: "a b",
            service: "web?x=1",
            service_deployment_id: Some("id/2"),
        };
        assert_eq!(
            target.url(),
            "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/a%20b/services/web%3Fx%3D1/\
             deployments/id%2F2?region=us-east-1"
        );
    }
}
