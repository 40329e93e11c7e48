//! What the caller wants watched, and which listed deployment answers it: pure
//! look-ups over what ECS listed (the I/O around them is in the wait kinds).

use crate::input::TaskDefinitionRef;
use crate::model::{
    Deployment, ServiceDeploymentBrief, ServiceSnapshot, deployment_number, revision_number,
};

/// How far apart (ms) a deployment's and a service deployment's `createdAt` may
/// be to count as the same rollout when revision numbers cannot be compared.
const CREATED_AT_TOLERANCE_MILLIS: i64 = 60_000;

/// What the caller asked to watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Wanted {
    TaskDefinition(TaskDefinitionRef),
    DeploymentId(String),
    ServiceDeploymentArn(String),
    /// Nothing specific: the service's current (PRIMARY) deployment.
    Current,
}

/// The listed deployment that answers `wanted`, if `DescribeServices` lists it.
pub(crate) fn find_listed<'a>(
    service: &'a ServiceSnapshot,
    wanted: &Wanted,
) -> Option<&'a Deployment> {
    match wanted {
        Wanted::TaskDefinition(reference) => newest(service.deployments.iter().filter(|d| {
            d.task_definition
                .as_deref()
                .is_some_and(|td| reference.matches(td))
        })),
        Wanted::DeploymentId(id) => service.deployment(id),
        Wanted::ServiceDeploymentArn(_) => None,
        Wanted::Current => service
            .primary_deployment()
            .or_else(|| newest(service.deployments.iter())),
    }
}

/// The newest by `createdAt`; among equals (or without timestamps) the PRIMARY,
/// then the first listed.
fn newest<'a>(deployments: impl Iterator<Item = &'a Deployment>) -> Option<&'a Deployment> {
    let mut best: Option<&Deployment> = None;
    for candidate in deployments {
        best = match best {
            None => Some(candidate),
            Some(current) => {
                let newer = candidate.created_at > current.created_at
                    || (candidate.created_at == current.created_at
                        && candidate.is_primary()
                        && !current.is_primary());
                Some(if newer { candidate } else { current })
            }
        };
    }
    best
}

/// The `ListServiceDeployments` entry for a `DescribeServices` deployment: same
/// number in the target revision ARN and the `ecs-svc/<N>` id, else the closest
/// `createdAt` within a minute.
pub(crate) fn correlate<'a>(
    briefs: &'a [ServiceDeploymentBrief],
    deployment_id: &str,
    deployment: Option<&Deployment>,
) -> Option<&'a ServiceDeploymentBrief> {
    let number = deployment_number(deployment_id);
    let by_number = briefs.iter().find(|brief| {
        number.is_some()
            && brief
                .target_service_revision_arn
                .as_deref()
                .and_then(revision_number)
                == number
    });
    by_number.or_else(|| {
        let created = deployment?.created_at?;
        briefs
            .iter()
            .filter_map(|brief| {
                // Saturating: timestamps come from the wire and may be absurd.
                let distance = brief.created_at?.millis_since(created).saturating_abs();
                (distance <= CREATED_AT_TOLERANCE_MILLIS).then_some((distance, brief))
            })
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, brief)| brief)
    })
}

/// `ecs-svc/<N>` for a service revision ARN ending in `/<N>`.
pub(crate) fn deployment_id_of_revision(service_revision_arn: &str) -> Option<String> {
    revision_number(service_revision_arn).map(|n| format!("ecs-svc/{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn deployment(id: &str, status: &str, td: &str, created_secs: Option<i64>) -> Deployment {
        Deployment {
            id: Some(id.into()),
            status: Some(status.into()),
            task_definition: Some(format!(
                "arn:aws:ecs:us-east-1:123456789012:task-definition/{td}"
            )),
            created_at: created_secs.map(|s| Timestamp::from_epoch_millis(s * 1000)),
            ..Default::default()
        }
    }

    #[test]
    fn picks_newest_deployment_of_the_desired_task_definition() {
        let service = ServiceSnapshot {
            deployments: vec![
                deployment("ecs-svc/3", "PRIMARY", "web:5", Some(300)),
                deployment("ecs-svc/2", "ACTIVE", "web:4", Some(200)),
                deployment("ecs-svc/1", "ACTIVE", "web:4", Some(100)),
            ],
            ..Default::default()
        };
        let wanted = Wanted::TaskDefinition(TaskDefinitionRef::FamilyRevision {
            family: "web".into(),
            revision: 4,
        });
        assert_eq!(
            find_listed(&service, &wanted).and_then(|d| d.id.as_deref()),
            Some("ecs-svc/2")
        );
        assert_eq!(
            find_listed(&service, &Wanted::Current).and_then(|d| d.id.as_deref()),
            Some("ecs-svc/3")
        );
        let missing = Wanted::TaskDefinition(TaskDefinitionRef::FamilyRevision {
            family: "web".into(),
            revision: 6,
        });
        assert!(find_listed(&service, &missing).is_none());
    }

    #[test]
    fn absurd_timestamps_from_the_wire_do_not_panic_the_correlation() {
        let brief = ServiceDeploymentBrief {
            created_at: Some(Timestamp::from_epoch_millis(i64::MIN)),
            ..Default::default()
        };
        let listed = Deployment {
            created_at: Some(Timestamp::from_epoch_millis(i64::MAX)),
            ..Default::default()
        };
        assert!(correlate(&[brief], "ecs-svc/x", Some(&listed)).is_none());
    }

    #[test]
    fn correlates_by_revision_number_then_by_creation_time() {
        let brief = |revision: &str, created: i64| ServiceDeploymentBrief {
            service_deployment_arn: Some(format!(
                "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/{revision}x"
            )),
            target_service_revision_arn: Some(format!(
                "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/{revision}"
            )),
            created_at: Some(Timestamp::from_epoch_millis(created * 1000)),
            ..Default::default()
        };
        let briefs = vec![brief("77", 1000), brief("42", 500)];
        let by_number = correlate(&briefs, "ecs-svc/42", None).unwrap();
        assert!(
            by_number
                .service_deployment_arn
                .as_deref()
                .unwrap()
                .ends_with("/42x")
        );
        let listed = deployment("ecs-svc/9", "PRIMARY", "web:1", Some(1010));
        let by_time = correlate(&briefs, "ecs-svc/9", Some(&listed)).unwrap();
        assert!(
            by_time
                .service_deployment_arn
                .as_deref()
                .unwrap()
                .ends_with("/77x")
        );
        let far = deployment("ecs-svc/9", "PRIMARY", "web:1", Some(5000));
        assert!(correlate(&briefs, "ecs-svc/9", Some(&far)).is_none());
    }
}
