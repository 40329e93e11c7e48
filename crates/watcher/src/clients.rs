//! [`AwsClients`]: every AWS client a wait may need, built from one
//! [`AwsSettings`](crate::AwsSettings) by [`connect`](crate::connect).
//!
//! A wait kind asks the bundle for the client of the service it follows through
//! (ECS today; CodeDeploy and CloudWatch Logs are the next ones), and a client is
//! created on first use only, so a wait that never needs a service never builds
//! its client. Every client of one bundle goes through the same call layer: one
//! request budget for the account and Region ([`crate::budget`]), whatever the
//! service, and one error classification ([`crate::api::ApiError::recovery`]).
//!
//! Endpoints follow the AWS SDK conventions because every client is built from the
//! one `SdkConfig` that `connect` loaded: an explicit endpoint (`--endpoint-url`,
//! the provider's `endpoint`) sends every call to it; without one, `AWS_ENDPOINT_URL`
//! and the per-service variables (`AWS_ENDPOINT_URL_ECS`, …) apply as the SDKs
//! define them (`tests/endpoints.rs` covers each).

use std::sync::{Arc, OnceLock};

use aws_config::SdkConfig;

use crate::api::EcsApi;
use crate::aws::SdkEcsApi;
use crate::budget::{BudgetedEcsApi, RequestBudget};

/// The AWS clients of one set of settings. Cheap to clone; clones share the clients.
#[derive(Clone)]
pub struct AwsClients {
    inner: Arc<Inner>,
}

enum Inner {
    /// Clients built from the loaded configuration, each on first use.
    Sdk {
        source: Box<ClientSource>,
        ecs: OnceLock<Arc<dyn EcsApi>>,
    },
    /// Clients given ready-made (tests, the demo, the benchmarks).
    Given { ecs: Arc<dyn EcsApi> },
}

/// The loaded AWS configuration and the request budget its clients share.
struct ClientSource {
    sdk_config: SdkConfig,
    budget: Arc<RequestBudget>,
}

impl ClientSource {
    fn ecs(&self) -> Arc<dyn EcsApi> {
        Arc::new(BudgetedEcsApi::new(
            Arc::new(SdkEcsApi::from_sdk_config(&self.sdk_config)),
            Arc::clone(&self.budget),
        ))
    }
}

impl AwsClients {
    /// Clients built from `sdk_config` on first use, each taking its tokens from `budget`.
    pub(crate) fn from_sdk_config(sdk_config: SdkConfig, budget: Arc<RequestBudget>) -> Self {
        Self {
            inner: Arc::new(Inner::Sdk {
                source: Box::new(ClientSource { sdk_config, budget }),
                ecs: OnceLock::new(),
            }),
        }
    }

    /// A bundle of the ECS client given: a fake, a client pointed at the
    /// simulator, or one with layers of its own (the benchmarks' call log).
    pub fn with_ecs(ecs: Arc<dyn EcsApi>) -> Self {
        Self {
            inner: Arc::new(Inner::Given { ecs }),
        }
    }

    /// The Region the loaded configuration resolved (flag, environment or profile); `None` for clients
    /// given ready-made. Front ends use it for what the ARNs of a report do not say (the console link).
    pub fn region(&self) -> Option<&str> {
        match &*self.inner {
            Inner::Sdk { source, .. } => source.sdk_config.region().map(|region| region.as_ref()),
            Inner::Given { .. } => None,
        }
    }

    /// The ECS client (budgeted when built here), created on first use.
    pub fn ecs(&self) -> &Arc<dyn EcsApi> {
        match &*self.inner {
            Inner::Sdk { source, ecs } => ecs.get_or_init(|| source.ecs()),
            Inner::Given { ecs } => ecs,
        }
    }
}
