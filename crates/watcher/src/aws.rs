//! The one AWS client factory ([`connect`], giving [`AwsClients`]), and [`SdkEcsApi`]: [`EcsApi`] over `aws-sdk-ecs`.
//!
//! [`connect`] resolves region and credentials the way every AWS tool does
//! (settings, then environment, profiles incl. SSO, web identity, container and
//! instance roles), optionally assumes a role, and checks that credentials really
//! resolve, so setup problems surface before the first poll. Nothing here logs or
//! Debug-prints a configuration: it may carry credentials.

mod convert;
mod errors;

use std::fmt;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use futures::future::BoxFuture;

use crate::api::{
    ApiResult, DescribeServiceDeploymentsOutput, DescribeServicesOutput, EcsApi,
    LIST_TASKS_PAGE_SIZE, StopType, newest_first,
};
use crate::budget::{BudgetConfig, BudgetScope, shared_budget};
use crate::clients::AwsClients;
use crate::input::{self, InputError};
use crate::model::{LifecycleHookAction, ServiceDeploymentBrief, ServiceRevision, StoppedTask};

pub use errors::classify;
use errors::error_chain;

/// Session name used for assumed roles unless the caller picks one.
pub const DEFAULT_SESSION_NAME: &str = "wait-for-ecs-deploy";

/// The SDK's own retries stay on for transient network blips, but short: the
/// watcher's loop owns the backoff for throttling, so a throttled tick should
/// come back quickly rather than sleep inside the SDK.
const SDK_MAX_ATTEMPTS: u32 = 2;

/// How long one HTTP attempt may take. ECS answers in well under a second; an
/// attempt still silent after this is a dead connection (a NAT or proxy that
/// dropped it), and waiting on it would hold the whole wait until its deadline.
/// Abandoned, it is retried on a fresh connection like any transport error.
pub const SDK_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connecting to an AWS endpoint takes milliseconds; the SDK's own default.
const SDK_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Pages fetched at most by the list calls. A service keeps stopped tasks for
/// about an hour and lists deployments newest first, so the first pages are the
/// ones that matter.
const MAX_LIST_TASK_PAGES: usize = 20;
const MAX_LIST_DEPLOYMENT_PAGES: usize = 5;

/// How to reach ECS. Every field is optional; unset fields come from the
/// standard AWS environment and profile files.
#[derive(Clone, Debug, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRole>,
    /// Endpoint override, e.g. a local simulator: every AWS call of the wait goes
    /// there. When unset, `AWS_ENDPOINT_URL` and the per-service variables
    /// (`AWS_ENDPOINT_URL_ECS`, `AWS_ENDPOINT_URL_STS`, …) apply as the SDKs define them.
    pub endpoint_url: Option<String>,
}

/// A role to assume (through STS) on top of the resolved credentials.
#[derive(Clone, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// Defaults to [`DEFAULT_SESSION_NAME`].
    pub session_name: Option<String>,
}

impl fmt::Debug for AssumeRole {
    /// The external id is a shared secret with the role's owner: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "<redacted>"),
            )
            .field("session_name", &self.session_name)
            .finish()
    }
}

/// Why no ECS client could be set up; `Display` says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("no AWS region: pass --region, set AWS_REGION, or set region in the profile")]
    NoRegion,
    #[error(
        "no AWS credentials ({0}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pick a profile \
         (run `aws sso login --profile <name>` for SSO profiles), or run where a role is available \
         (ECS task role, EC2 instance profile, web identity)"
    )]
    NoCredentials(String),
    #[error(
        "invalid endpoint URL `{value}`: expected an http:// or https:// URL such as http://127.0.0.1:4566"
    )]
    InvalidEndpoint { value: String },
    #[error(
        "could not assume role {role_arn}: {message}; check the role's trust policy and that the \
         base credentials may call sts:AssumeRole"
    )]
    AssumeRole { role_arn: String, message: String },
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Builds the AWS clients every front end uses ([`AwsClients`]: ECS now, each
/// client on first use). Fails fast, with an actionable message, when region or
/// credentials cannot be resolved.
///
/// Every call of every client takes a token from the request budget of its
/// account/Region, shared by all clients connected in this process for the same
/// Region, endpoint, profile and role (see [`crate::budget`]); the budget is
/// [`BudgetConfig::from_env`].
pub async fn connect(settings: &AwsSettings) -> Result<AwsClients, SetupError> {
    let budget_config = BudgetConfig::from_env()?;
    let sdk_config = load_sdk_config(settings).await?;
    let scope = BudgetScope {
        region: sdk_config
            .region()
            .map(|region| region.as_ref().to_owned())
            .unwrap_or_default(),
        endpoint_url: settings.endpoint_url.clone(),
        profile: settings.profile.clone(),
        role_arn: settings.assume_role.as_ref().map(|r| r.role_arn.clone()),
    };
    Ok(AwsClients::from_sdk_config(
        sdk_config,
        shared_budget(scope, budget_config),
    ))
}

/// The shared AWS configuration behind [`connect`], with credentials checked.
pub async fn load_sdk_config(settings: &AwsSettings) -> Result<SdkConfig, SetupError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(SDK_MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(SDK_CONNECT_TIMEOUT)
                .operation_attempt_timeout(SDK_ATTEMPT_TIMEOUT)
                .build(),
        );
    if let Some(profile) = &settings.profile {
        if profile.trim().is_empty() {
            return Err(InputError::new("profile", profile, "expected a profile name").into());
        }
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(input::region("region", region)?));
    }
    if let Some(endpoint) = &settings.endpoint_url {
        let endpoint =
            input::endpoint_url("endpoint", endpoint).map_err(|_| SetupError::InvalidEndpoint {
                value: endpoint.clone(),
            })?;
        loader = loader.endpoint_url(endpoint);
    }
    let base = loader.load().await;
    let region = require_region(base.region())?.clone();

    match &settings.assume_role {
        None => {
            let provider = base.credentials_provider().ok_or_else(|| {
                SetupError::NoCredentials("no credential provider is configured".into())
            })?;
            provider
                .provide_credentials()
                .await
                .map_err(|error| SetupError::NoCredentials(error_chain(&error)))?;
            Ok(base)
        }
        Some(role) => {
            let role_arn = input::role_arn("assumeRole", &role.role_arn)?;
            let session_name = role.session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME);
            validate_session_name(session_name)?;
            let mut builder = AssumeRoleProvider::builder(role_arn.clone())
                .session_name(session_name)
                .region(region)
                .configure(&base);
            if let Some(external_id) = &role.external_id {
                builder = builder.external_id(external_id.clone());
            }
            let provider = builder.build().await;
            provider
                .provide_credentials()
                .await
                .map_err(|error| SetupError::AssumeRole {
                    role_arn: role_arn.clone(),
                    message: error_chain(&error),
                })?;
            Ok(base
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build())
        }
    }
}

fn require_region(region: Option<&Region>) -> Result<&Region, SetupError> {
    region
        .filter(|r| !r.as_ref().trim().is_empty())
        .ok_or(SetupError::NoRegion)
}

/// STS accepts 2–64 characters of `[\w+=,.@-]`.
fn validate_session_name(name: &str) -> Result<(), InputError> {
    let valid = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(InputError::new(
            "sessionName",
            name,
            "expected 2-64 letters, digits or any of _+=,.@-",
        ))
    }
}

/// The token for a list call's next page; `None` after the last page (ECS may
/// end with an empty token rather than none).
fn next_page(next_token: Option<&str>) -> Option<String> {
    next_token
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// [`EcsApi`] over the AWS SDK for Rust.
#[derive(Clone)]
pub struct SdkEcsApi {
    client: aws_sdk_ecs::Client,
}

impl SdkEcsApi {
    /// Wraps a client configured elsewhere (tests point one at a local simulator).
    pub fn new(client: aws_sdk_ecs::Client) -> Self {
        Self { client }
    }

    pub fn from_sdk_config(sdk_config: &SdkConfig) -> Self {
        Self::new(aws_sdk_ecs::Client::new(sdk_config))
    }
}

impl EcsApi for SdkEcsApi {
    fn describe_services<'a>(
        &'a self,
        cluster: &'a str,
        services: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServicesOutput>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_services()
                .cluster(cluster)
                .set_services(Some(services.to_vec()))
                .send()
                .await
                .map_err(classify)?;
            Ok(DescribeServicesOutput {
                services: output.services().iter().map(convert::service).collect(),
            })
        })
    }

    fn list_service_deployments<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceDeploymentBrief>>> {
        Box::pin(async move {
            let mut briefs = Vec::new();
            let mut next_token: Option<String> = None;
            for _ in 0..MAX_LIST_DEPLOYMENT_PAGES {
                let output = self
                    .client
                    .list_service_deployments()
                    .cluster(cluster)
                    .service(service)
                    .set_next_token(next_token.take())
                    .send()
                    .await
                    .map_err(classify)?;
                briefs.extend(
                    output
                        .service_deployments()
                        .iter()
                        .map(convert::service_deployment_brief),
                );
                next_token = next_page(output.next_token());
                if next_token.is_none() {
                    break;
                }
            }
            newest_first(&mut briefs);
            Ok(briefs)
        })
    }

    fn describe_service_deployments<'a>(
        &'a self,
        service_deployment_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<DescribeServiceDeploymentsOutput>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_service_deployments()
                .set_service_deployment_arns(Some(service_deployment_arns.to_vec()))
                .send()
                .await
                .map_err(classify)?;
            Ok(DescribeServiceDeploymentsOutput {
                service_deployments: output
                    .service_deployments()
                    .iter()
                    .map(convert::service_deployment)
                    .collect(),
            })
        })
    }

    fn describe_service_revisions<'a>(
        &'a self,
        service_revision_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<ServiceRevision>>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_service_revisions()
                .set_service_revision_arns(Some(service_revision_arns.to_vec()))
                .send()
                .await
                .map_err(classify)?;
            Ok(output
                .service_revisions()
                .iter()
                .map(convert::service_revision)
                .collect())
        })
    }

    fn list_stopped_tasks<'a>(
        &'a self,
        cluster: &'a str,
        service: &'a str,
    ) -> BoxFuture<'a, ApiResult<Vec<String>>> {
        Box::pin(async move {
            let mut task_arns = Vec::new();
            let mut next_token: Option<String> = None;
            for _ in 0..MAX_LIST_TASK_PAGES {
                let output = self
                    .client
                    .list_tasks()
                    .max_results(i32::try_from(LIST_TASKS_PAGE_SIZE).unwrap_or(i32::MAX))
                    .cluster(cluster)
                    .service_name(service)
                    .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
                    .set_next_token(next_token.take())
                    .send()
                    .await
                    .map_err(classify)?;
                task_arns.extend(output.task_arns().iter().cloned());
                next_token = next_page(output.next_token());
                if next_token.is_none() {
                    break;
                }
            }
            Ok(task_arns)
        })
    }

    fn describe_tasks<'a>(
        &'a self,
        cluster: &'a str,
        task_arns: &'a [String],
    ) -> BoxFuture<'a, ApiResult<Vec<StoppedTask>>> {
        Box::pin(async move {
            let output = self
                .client
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(task_arns.to_vec()))
                .send()
                .await
                .map_err(classify)?;
            Ok(output.tasks().iter().map(convert::task).collect())
        })
    }

    fn stop_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        stop_type: StopType,
    ) -> BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            self.client
                .stop_service_deployment()
                .service_deployment_arn(service_deployment_arn)
                .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::from(
                    stop_type.as_str(),
                ))
                .send()
                .await
                .map_err(classify)?;
            Ok(())
        })
    }

    fn continue_service_deployment<'a>(
        &'a self,
        service_deployment_arn: &'a str,
        hook_id: &'a str,
        action: LifecycleHookAction,
    ) -> BoxFuture<'a, ApiResult<()>> {
        Box::pin(async move {
            self.client
                .continue_service_deployment()
                .service_deployment_arn(service_deployment_arn)
                .hook_id(hook_id)
                .action(aws_sdk_ecs::types::DeploymentLifecycleHookAction::from(
                    action.as_str(),
                ))
                .send()
                .await
                .map_err(classify)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_blank_region_is_a_setup_error_with_the_fix() {
        assert!(matches!(require_region(None), Err(SetupError::NoRegion)));
        let blank = Region::new(" ");
        assert!(matches!(
            require_region(Some(&blank)),
            Err(SetupError::NoRegion)
        ));
        let sydney = Region::new("ap-southeast-2");
        assert_eq!(
            require_region(Some(&sydney)).unwrap().as_ref(),
            "ap-southeast-2"
        );
        assert_eq!(
            SetupError::NoRegion.to_string(),
            "no AWS region: pass --region, set AWS_REGION, or set region in the profile"
        );
    }

    #[tokio::test]
    async fn an_invalid_endpoint_is_rejected_before_any_lookup() {
        let settings = AwsSettings {
            region: Some("us-east-1".into()),
            endpoint_url: Some("localhost:4566".into()),
            ..Default::default()
        };
        match connect(&settings).await {
            Err(SetupError::InvalidEndpoint { value }) => assert_eq!(value, "localhost:4566"),
            Err(other) => panic!("expected InvalidEndpoint, got {other}"),
            Ok(_) => panic!("expected InvalidEndpoint, got a client"),
        }
    }

    #[tokio::test]
    async fn an_invalid_region_names_the_field() {
        let bad_region = AwsSettings {
            region: Some("Sydney".into()),
            ..Default::default()
        };
        match connect(&bad_region).await {
            Err(SetupError::Input(error)) => assert_eq!(error.field, "region"),
            Err(other) => panic!("expected an input error, got {other}"),
            Ok(_) => panic!("expected an input error, got a client"),
        }
    }

    #[test]
    fn session_names_follow_sts_rules() {
        assert!(validate_session_name(DEFAULT_SESSION_NAME).is_ok());
        assert!(validate_session_name("ci@build.42").is_ok());
        assert!(validate_session_name("a").is_err());
        assert!(validate_session_name("has space").is_err());
    }

    #[test]
    fn assume_role_debug_hides_the_external_id() {
        let role = AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/deployer".into(),
            external_id: Some("s3cr3t-external-id".into()),
            session_name: None,
        };
        let printed = format!("{role:?}");
        assert!(!printed.contains("s3cr3t"));
        assert!(printed.contains("<redacted>"));
    }
}
