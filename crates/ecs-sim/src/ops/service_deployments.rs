//! The service-deployments API: ListServiceDeployments, DescribeServiceDeployments and
//! DescribeServiceRevisions.

use serde::Deserialize;
use serde_json::json;

use super::view::{self, Failure, ViewContext};
use super::{answer, bounded_list, cluster_field};
use crate::model::Model;
use crate::model::deployment::ServiceDeploymentStatus;
use crate::model::service::Service;
use crate::wire::{self, EcsError, Fields, arn};

#[derive(Deserialize)]
struct CreatedAtFilter {
    before: Option<f64>,
    after: Option<f64>,
}

/// Newest first, like ECS.
pub fn list(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let cluster_name = cluster_field(fields)?;
    let service_reference: String = fields.required("service")?;
    let service_name = arn::service_name("service", &service_reference)?;
    let statuses: Vec<String> = fields.optional("status")?.unwrap_or_default();
    if let Some(bad) = statuses
        .iter()
        .find(|s| !ServiceDeploymentStatus::ECS_VALUES.contains(&s.as_str()))
    {
        return Err(EcsError::invalid_parameter(format!(
            "status: `{bad}` is not a service deployment status; valid: {}.",
            ServiceDeploymentStatus::ECS_VALUES.join(", ")
        )));
    }
    let created_at: Option<CreatedAtFilter> = fields.optional("createdAt")?;
    let max = wire::max_results(fields.optional("maxResults")?, 20, 100)?;
    let start = match fields.optional::<String>("nextToken")? {
        Some(token) => wire::parse_next_token(&token)?,
        None => 0,
    };

    let (cluster, ids) = model.cluster_mut(&cluster_name)?;
    cluster
        .with_service(&service_name, now, ids, |_, _| ())
        .ok_or_else(EcsError::service_not_found)?;
    let service = model
        .clusters
        .get(&cluster_name)
        .and_then(|c| c.services.get(&service_name))
        .ok_or_else(EcsError::service_not_found)?;
    let ctx = ViewContext {
        arns: &model.arns,
        cluster: &cluster_name,
        omit_rollout_state: false,
    };
    let matching: Vec<_> = service
        .deployments
        .iter()
        .rev()
        .filter(|d| {
            d.record.as_ref().is_some_and(|r| {
                statuses.is_empty() || statuses.iter().any(|s| s == r.status.as_str())
            })
        })
        .filter(|d| {
            created_at.as_ref().is_none_or(|f| {
                f.before.is_none_or(|before| d.created_at < before)
                    && f.after.is_none_or(|after| d.created_at > after)
            })
        })
        .collect();
    let page: Vec<_> = matching
        .iter()
        .skip(start)
        .take(max)
        .filter_map(|d| view::service_deployment_brief(&ctx, service, d))
        .collect();
    let next_token =
        (start + page.len() < matching.len()).then(|| wire::next_token(start + page.len()));
    answer(&json!({ "serviceDeployments": page, "nextToken": next_token }))
}

pub fn describe(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
    let (found, failures) = describe_each(
        model,
        fields,
        now,
        ArnList {
            member: "serviceDeploymentArns",
            operation: "DescribeServiceDeployments",
            what: "a service deployment ARN",
            shape: "service-deployment/<cluster>/<service>/<id>",
        },
        arn::parse_service_deployment_arn,
        |ctx, service, token| {
            service
                .deployments
                .iter()
                .find(|d| d.record.as_ref().is_some_and(|r| &r.token == token))
                .and_then(|d| view::service_deployment(ctx, service, d))
        },
    )?;
    answer(&json!({ "serviceDeployments": found, "failures": failures }))
}

pub fn describe_revisions(
    model: &mut Model,
    fields: &Fields,
    now: f64,
) -> Result<Vec<u8>, EcsError> {
    let (found, failures) = describe_each(
        model,
        fields,
        now,
        ArnList {
            member: "serviceRevisionArns",
            operation: "DescribeServiceRevisions",
            what: "a service revision ARN",
            shape: "service-revision/<cluster>/<service>/<number>",
        },
        arn::parse_service_revision_arn,
        |ctx, service, number| {
            service
                .deployment(*number)
                .map(|d| view::service_revision(ctx, service, d))
        },
    )?;
    answer(&json!({ "serviceRevisions": found, "failures": failures }))
}

/// The request member listing the ARNs a Describe operation takes (at most 20), and what they look like.
struct ArnList {
    member: &'static str,
    operation: &'static str,
    what: &'static str,
    shape: &'static str,
}

/// For each ARN in `list.member`: `parse` splits it into cluster, service and a key, and `view` finds
/// what the key names in the service (brought up to `now` first). ARNs naming nothing are MISSING
/// failures; one that does not parse fails the call.
fn describe_each<K, V>(
    model: &mut Model,
    fields: &Fields,
    now: f64,
    list: ArnList,
    parse: impl Fn(&str) -> Option<(String, String, K)>,
    view: impl Fn(&ViewContext, &Service, &K) -> Option<V>,
) -> Result<(Vec<V>, Vec<Failure>), EcsError> {
    let arns = bounded_list(fields, list.member, list.operation, 20)?;
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for requested in arns {
        let Some((cluster_name, service_name, key)) = parse(&requested) else {
            return Err(EcsError::invalid_parameter(format!(
                "{}: `{requested}` is not {} (arn:aws:ecs:<region>:<account>:{}).",
                list.member, list.what, list.shape
            )));
        };
        let Some(cluster) = model.clusters.get_mut(&cluster_name) else {
            failures.push(Failure::missing(requested));
            continue;
        };
        cluster.with_service(&service_name, now, &mut model.ids, |_, _| ());
        let ctx = ViewContext {
            arns: &model.arns,
            cluster: &cluster_name,
            omit_rollout_state: false,
        };
        let described = cluster
            .services
            .get(&service_name)
            .and_then(|service| view(&ctx, service, &key));
        match described {
            Some(described) => found.push(described),
            None => failures.push(Failure::missing(requested)),
        }
    }
    Ok((found, failures))
}
