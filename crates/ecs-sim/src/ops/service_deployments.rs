//! The service-deployments API: ListServiceDeployments, DescribeServiceDeployments and
//! DescribeServiceRevisions.

use serde::Deserialize;
use serde_json::{Value, json};

use super::view::{self, Failure, ViewContext};
use super::{answer, bounded_list, cluster_field};
use crate::model::Model;
use crate::model::deployment::{Deployment, RolloutState, ServiceDeploymentStatus};
use crate::model::lifecycle::Outcome;
use crate::model::service::Service;
use crate::wire::{self, EcsError, Fields, arn, timestamp};

#[derive(Deserialize)]
struct CreatedAtFilter {
    before: Option<f64>,
    after: Option<f64>,
}

/// Newest first, like ECS.
pub(super) fn list(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
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

pub(super) fn describe(model: &mut Model, fields: &Fields, now: f64) -> Result<Vec<u8>, EcsError> {
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
                .and_then(|d| {
                    let described = view::service_deployment(ctx, service, d)?;
                    let mut value = serde_json::to_value(described).ok()?;
                    add_staged_members(&mut value, service, d);
                    Some(value)
                })
        },
    )?;
    answer(&json!({ "serviceDeployments": found, "failures": failures }))
}

pub(super) fn describe_revisions(
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

/// The members of a ServiceDeployment that come with staged strategies and alarms: the
/// lifecycle stage, lifecycle hook details, traffic weights of the target and source revisions,
/// and `alarms`. Absent for deployments that have none of them.
fn add_staged_members(value: &mut Value, service: &Service, deployment: &Deployment) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    if let Some(alarms) = &deployment.config.alarms {
        let status = if !alarms.enable {
            "DISABLED"
        } else if !deployment.triggered_alarms.is_empty() {
            "TRIGGERED"
        } else if deployment.rollout_state == RolloutState::Completed {
            "MONITORING_COMPLETE"
        } else {
            "MONITORING"
        };
        let mut member = json!({ "status": status, "alarmNames": alarms.alarm_names });
        if !deployment.triggered_alarms.is_empty() {
            member["triggeredAlarmNames"] = json!(deployment.triggered_alarms);
        }
        object.insert("alarms".to_owned(), member);
    }
    let Some(lifecycle) = &deployment.lifecycle else {
        return;
    };
    object.insert(
        "lifecycleStage".to_owned(),
        json!(lifecycle.stage().as_str()),
    );
    if !lifecycle.hooks.is_empty() {
        let details: Vec<Value> = lifecycle
            .hooks
            .iter()
            .map(|run| {
                let mut detail = json!({
                    "hookId": run.id,
                    "targetType": run.target_type(),
                    "status": run.status.as_str(),
                    "expiresAt": timestamp(run.expires_at),
                    "timeoutAction": run.timeout_action.as_str(),
                });
                if let Some(arn) = run.target_arn() {
                    detail["targetArn"] = json!(arn);
                }
                detail
            })
            .collect();
        object.insert("lifecycleHookDetails".to_owned(), json!(details));
    }
    let (test, production) = (lifecycle.test_weight, lifecycle.production_weight);
    if let Some(target) = object.get_mut("targetServiceRevision") {
        target["requestedTestTrafficWeight"] = json!(test);
        target["requestedProductionTrafficWeight"] = json!(production);
    }
    // The rest of the traffic is on one source revision: the one rolled back to, else the one
    // serving when the deployment started; the simulator has no load balancer to spread it.
    let sources: Vec<u64> = deployment
        .record
        .as_ref()
        .map(|r| {
            r.source_revisions
                .iter()
                .copied()
                .filter(|&n| service.deployment(n).is_some())
                .collect()
        })
        .unwrap_or_default();
    let carrier = match lifecycle.outcome {
        Outcome::RollingBack { to } => Some(to),
        _ => deployment
            .record
            .as_ref()
            .and_then(|r| r.rollback.as_ref().map(|rb| rb.revision))
            .or(lifecycle.serving),
    };
    if let Some(Value::Array(revisions)) = object.get_mut("sourceServiceRevisions") {
        for (revision, number) in revisions.iter_mut().zip(&sources) {
            let share = |weight: f64| {
                if carrier == Some(*number) {
                    100.0 - weight
                } else {
                    0.0
                }
            };
            revision["requestedTestTrafficWeight"] = json!(share(test));
            revision["requestedProductionTrafficWeight"] = json!(share(production));
        }
    }
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
