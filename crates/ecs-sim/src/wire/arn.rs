//! ARNs: building them the way ECS does and reading names back out of "name or ARN" inputs.

use super::error::EcsError;

/// Builds ARNs for one region and account.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arns {
    prefix: String,
    region: String,
    account_id: String,
}

impl Arns {
    pub(crate) fn new(region: &str, account_id: &str) -> Self {
        Self {
            prefix: format!("arn:aws:ecs:{region}:{account_id}:"),
            region: region.to_owned(),
            account_id: account_id.to_owned(),
        }
    }

    pub(crate) fn region(&self) -> &str {
        &self.region
    }

    /// The IAM role the simulator pretends created things (`createdBy`).
    pub(crate) fn caller_role(&self) -> String {
        format!("arn:aws:iam::{}:role/ecs-sim", self.account_id)
    }

    /// The assumed-role session named in AccessDeniedException messages.
    pub(crate) fn caller_session(&self) -> String {
        format!("arn:aws:sts::{}:assumed-role/ci/session", self.account_id)
    }

    /// A resource pattern for messages about a whole operation (`...:cluster/*`).
    pub(crate) fn any_cluster(&self) -> String {
        format!("{}cluster/*", self.prefix)
    }

    pub(crate) fn cluster(&self, cluster: &str) -> String {
        format!("{}cluster/{cluster}", self.prefix)
    }

    pub(crate) fn service(&self, cluster: &str, service: &str) -> String {
        format!("{}service/{cluster}/{service}", self.prefix)
    }

    pub(crate) fn task_definition(&self, family: &str, revision: u32) -> String {
        format!("{}task-definition/{family}:{revision}", self.prefix)
    }

    pub(crate) fn task(&self, cluster: &str, task_id: &str) -> String {
        format!("{}task/{cluster}/{task_id}", self.prefix)
    }

    pub(crate) fn container(&self, cluster: &str, task_id: &str, container_id: &str) -> String {
        format!(
            "{}container/{cluster}/{task_id}/{container_id}",
            self.prefix
        )
    }

    pub(crate) fn service_deployment(&self, cluster: &str, service: &str, token: &str) -> String {
        format!(
            "{}service-deployment/{cluster}/{service}/{token}",
            self.prefix
        )
    }

    pub(crate) fn service_revision(&self, cluster: &str, service: &str, number: u64) -> String {
        format!(
            "{}service-revision/{cluster}/{service}/{number}",
            self.prefix
        )
    }
}

/// The resource part of an ARN (`cluster/prod`), or `None` when `value` is not an ARN.
fn resource_of(value: &str) -> Option<&str> {
    if !value.starts_with("arn:") {
        return None;
    }
    // arn:partition:service:region:account:resource — the resource may itself contain ':'.
    value.splitn(6, ':').nth(5)
}

/// True for names ECS accepts for clusters, services and task definition families.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A cluster name from a cluster name or ARN.
pub(crate) fn cluster_name(field: &str, reference: &str) -> Result<String, EcsError> {
    let name = match resource_of(reference) {
        Some(resource) => resource.strip_prefix("cluster/").unwrap_or(""),
        None => reference,
    };
    valid_name(name, || {
        format!(
            "{field}: `{reference}` is neither a cluster name (1-255 letters, digits, `-`, `_`) \
             nor a cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)."
        )
    })
}

/// A service name from a service name or ARN (`service/<cluster>/<name>` or the old `service/<name>`).
pub(crate) fn service_name(field: &str, reference: &str) -> Result<String, EcsError> {
    let name = match resource_of(reference) {
        Some(resource) => resource
            .strip_prefix("service/")
            .and_then(|rest| rest.rsplit('/').next())
            .unwrap_or(""),
        None => reference,
    };
    valid_name(name, || {
        format!(
            "{field}: `{reference}` is neither a service name (1-255 letters, digits, `-`, `_`) \
             nor a service ARN (arn:aws:ecs:<region>:<account>:service/<cluster>/<name>)."
        )
    })
}

/// `name` if [`is_valid_name`], else InvalidParameterException with the message `invalid` makes.
fn valid_name(name: &str, invalid: impl FnOnce() -> String) -> Result<String, EcsError> {
    if is_valid_name(name) {
        Ok(name.to_owned())
    } else {
        Err(EcsError::invalid_parameter(invalid()))
    }
}

/// A task id from a task id or ARN (`task/<cluster>/<id>` or the old `task/<id>`).
pub(crate) fn task_id(reference: &str) -> Option<String> {
    let id = match resource_of(reference) {
        Some(resource) => resource.strip_prefix("task/")?.rsplit('/').next()?,
        None => reference,
    };
    let plausible = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
    plausible.then(|| id.to_owned())
}

/// What a `taskDefinition` input names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TaskDefinitionRef {
    /// `family`: the latest ACTIVE revision.
    Latest(String),
    /// `family:revision` or a full ARN.
    Revision(String, u32),
}

pub(crate) fn task_definition_ref(
    field: &str,
    reference: &str,
) -> Result<TaskDefinitionRef, EcsError> {
    let invalid = || {
        EcsError::client(format!(
            "{field}: `{reference}` is not a task definition reference; expected `family`, \
             `family:revision` or arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>."
        ))
    };
    let text = match resource_of(reference) {
        Some(resource) => resource
            .strip_prefix("task-definition/")
            .ok_or_else(invalid)?,
        None => reference,
    };
    match text.split_once(':') {
        Some((family, revision)) => {
            let revision: u32 = revision.parse().map_err(|_| invalid())?;
            if is_valid_name(family) && revision > 0 {
                Ok(TaskDefinitionRef::Revision(family.to_owned(), revision))
            } else {
                Err(invalid())
            }
        }
        None if is_valid_name(text) && resource_of(reference).is_none() => {
            Ok(TaskDefinitionRef::Latest(text.to_owned()))
        }
        None => Err(invalid()),
    }
}

/// `(cluster, service, token)` of a service deployment ARN.
pub(crate) fn parse_service_deployment_arn(arn: &str) -> Option<(String, String, String)> {
    let rest = resource_of(arn)?.strip_prefix("service-deployment/")?;
    let mut parts = rest.split('/');
    let (cluster, service, token) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || token.is_empty() {
        return None;
    }
    Some((cluster.to_owned(), service.to_owned(), token.to_owned()))
}

/// `(cluster, service, number)` of a service revision ARN.
pub(crate) fn parse_service_revision_arn(arn: &str) -> Option<(String, String, u64)> {
    let rest = resource_of(arn)?.strip_prefix("service-revision/")?;
    let mut parts = rest.split('/');
    let (cluster, service, number) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((cluster.to_owned(), service.to_owned(), number.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARNS: fn() -> Arns = || Arns::new("us-east-1", "123456789012");

    #[test]
    fn builds_arns_in_ecs_format() {
        let arns = ARNS();
        assert_eq!(
            arns.cluster("prod"),
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod"
        );
        assert_eq!(
            arns.service("prod", "web"),
            "arn:aws:ecs:us-east-1:123456789012:service/prod/web"
        );
        assert_eq!(
            arns.task_definition("web", 3),
            "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3"
        );
        assert_eq!(
            arns.service_revision("prod", "web", 42),
            "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/42"
        );
    }

    #[test]
    fn names_come_back_out_of_arns() {
        let arns = ARNS();
        assert_eq!(
            cluster_name("cluster", &arns.cluster("prod")).unwrap(),
            "prod"
        );
        assert_eq!(cluster_name("cluster", "prod").unwrap(), "prod");
        assert_eq!(
            service_name("service", &arns.service("prod", "web")).unwrap(),
            "web"
        );
        assert_eq!(
            service_name("service", "arn:aws:ecs:us-east-1:1:service/web").unwrap(),
            "web"
        );
        assert_eq!(
            task_id(&arns.task("prod", "abc123")).as_deref(),
            Some("abc123")
        );
        assert_eq!(
            parse_service_revision_arn(&arns.service_revision("prod", "web", 7)),
            Some(("prod".into(), "web".into(), 7))
        );
        assert_eq!(
            parse_service_deployment_arn(&arns.service_deployment("prod", "web", "tok")),
            Some(("prod".into(), "web".into(), "tok".into()))
        );
    }

    #[test]
    fn bad_references_name_the_field_and_value() {
        let err = cluster_name("cluster", "arn:aws:ecs:us-east-1:1:service/x/y").unwrap_err();
        assert!(err.message.contains("cluster:") && err.message.contains("service/x/y"));
        assert!(service_name("service", "web app").is_err());
        assert_eq!(task_id("not/a-task"), None);
    }

    #[test]
    fn task_definition_references() {
        assert_eq!(
            task_definition_ref("taskDefinition", "web").unwrap(),
            TaskDefinitionRef::Latest("web".into())
        );
        assert_eq!(
            task_definition_ref("taskDefinition", "web:4").unwrap(),
            TaskDefinitionRef::Revision("web".into(), 4)
        );
        assert_eq!(
            task_definition_ref("taskDefinition", &ARNS().task_definition("web", 2)).unwrap(),
            TaskDefinitionRef::Revision("web".into(), 2)
        );
        assert!(task_definition_ref("taskDefinition", "web:0").is_err());
        assert!(task_definition_ref("taskDefinition", "web:x").is_err());
    }
}
