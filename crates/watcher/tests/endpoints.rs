//! Where `connect()`'s clients send their calls: the endpoint rules of the AWS SDKs, proved with the real
//! SDK against three simulators told apart by the calls each received.
//!
//! - An explicit endpoint (`AwsSettings::endpoint_url`: `--endpoint-url`, the provider's `endpoint`) takes
//!   every call of every service, whatever `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>` and
//!   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` say.
//! - Without one, `AWS_ENDPOINT_URL_<SERVICE>` takes that service's calls and `AWS_ENDPOINT_URL` the rest.
//!
//! The endpoint variables are process-wide, so this binary holds exactly one test and sets them itself;
//! every case points every service at 127.0.0.1 (an explicit endpoint or `AWS_ENDPOINT_URL` is always
//! set), so nothing can leave the machine.

mod chain_env;

use std::collections::BTreeMap;
use std::time::Duration;

use chain_env::{isolate_the_chain, remove_env, set_env};
use ecs_sim::{SimConfig, SimHandle};
use ecs_watcher::api::ApiError;
use ecs_watcher::{AssumeRole, AwsClients, AwsSettings, connect};
use futures::future::BoxFuture;

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/deployer";
const GLOBAL_VARIABLE: &str = "AWS_ENDPOINT_URL";

/// One AWS service the client bundle calls: the variable that names its own endpoint, the simulator
/// operation by which a call of it is recognised, and how to make one.
struct Service {
    variable: &'static str,
    operation: &'static str,
    call: for<'a> fn(&'a AwsClients) -> BoxFuture<'a, ()>,
}

/// Every service [`AwsClients`] calls. A new client (CodeDeploy, CloudWatch Logs) is one more row.
const SERVICES: &[Service] = &[
    Service {
        variable: "AWS_ENDPOINT_URL_ECS",
        operation: "DescribeServices",
        call: describe_a_service,
    },
    Service {
        variable: "AWS_ENDPOINT_URL_STS",
        operation: "AssumeRole",
        call: role_assumed_by_connect,
    },
];

fn describe_a_service(clients: &AwsClients) -> BoxFuture<'_, ()> {
    Box::pin(async move {
        let answer = clients
            .ecs()
            .describe_services("prod", &["web".to_owned()])
            .await;
        // No simulator has a cluster `prod`: this answer proves a simulator was reached.
        assert!(
            matches!(answer, Err(ApiError::ClusterNotFound { .. })),
            "DescribeServices reached a simulator: {answer:?}"
        );
    })
}

/// `connect` already assumed the role (it checks that credentials resolve), and the ECS call fetched its
/// session again through the same STS client.
fn role_assumed_by_connect(_: &AwsClients) -> BoxFuture<'_, ()> {
    Box::pin(async {})
}

/// Every endpoint variable unset: the global one and each service's.
fn remove_endpoint_variables() {
    remove_env(GLOBAL_VARIABLE);
    for service in SERVICES {
        remove_env(service.variable);
    }
}

/// The three simulators, by the name the assertions use.
struct Sims {
    explicit: SimHandle,
    global: SimHandle,
    per_service: SimHandle,
}

impl Sims {
    fn each(&self) -> [(&'static str, &SimHandle); 3] {
        [
            ("explicit", &self.explicit),
            ("global", &self.global),
            ("per_service", &self.per_service),
        ]
    }

    /// Connects with `endpoint_url` (assuming a role, so STS is called) and calls every service once;
    /// returns, for each service's operation, the simulators that received it.
    async fn arrivals(
        &self,
        endpoint_url: Option<String>,
    ) -> BTreeMap<&'static str, Vec<&'static str>> {
        for (_, sim) in self.each() {
            sim.reset_call_counts();
        }
        let settings = AwsSettings {
            region: Some("us-east-1".into()),
            endpoint_url,
            assume_role: Some(AssumeRole {
                role_arn: ROLE_ARN.into(),
                ..AssumeRole::default()
            }),
            ..AwsSettings::default()
        };
        let clients = match connect(&settings).await {
            Ok(clients) => clients,
            Err(error) => panic!("connect failed: {error}"),
        };
        for service in SERVICES {
            (service.call)(&clients).await;
        }
        SERVICES
            .iter()
            .map(|service| {
                let reached = self
                    .each()
                    .into_iter()
                    .filter(|(_, sim)| sim.call_counts().contains_key(service.operation))
                    .map(|(name, _)| name)
                    .collect();
                (service.operation, reached)
            })
            .collect()
    }
}

/// Each service's operation arriving at `sim` alone, except `exception` (a service's variable and the
/// simulator it names).
fn expected(
    sim: &'static str,
    exception: Option<(&str, &'static str)>,
) -> BTreeMap<&'static str, Vec<&'static str>> {
    SERVICES
        .iter()
        .map(|service| match exception {
            Some((variable, other)) if variable == service.variable => {
                (service.operation, vec![other])
            }
            _ => (service.operation, vec![sim]),
        })
        .collect()
}

#[tokio::test]
async fn an_explicit_endpoint_takes_every_call_and_otherwise_the_sdk_variables_apply() {
    let start = || async {
        let sim = ecs_sim::start(SimConfig::default())
            .await
            .expect("simulator starts on 127.0.0.1");
        sim.allow_assume_role(ROLE_ARN, Duration::from_secs(3600));
        sim
    };
    let sims = Sims {
        explicit: start().await,
        global: start().await,
        per_service: start().await,
    };

    let scratch =
        std::env::temp_dir().join(format!("ecs-watcher-endpoints-{}", std::process::id()));
    isolate_the_chain(&scratch);
    set_env("AWS_ACCESS_KEY_ID", "test");
    set_env("AWS_SECRET_ACCESS_KEY", "test");

    // An explicit endpoint beats the global variable and every service's own.
    remove_endpoint_variables();
    set_env(GLOBAL_VARIABLE, &sims.global.endpoint());
    for service in SERVICES {
        set_env(service.variable, &sims.per_service.endpoint());
    }
    assert_eq!(
        sims.arrivals(Some(sims.explicit.endpoint())).await,
        expected("explicit", None),
        "with an explicit endpoint, while {GLOBAL_VARIABLE} and every service's variable point elsewhere"
    );
    // Told to ignore configured endpoints, the SDK still honours one given in code.
    set_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    assert_eq!(
        sims.arrivals(Some(sims.explicit.endpoint())).await,
        expected("explicit", None),
        "with an explicit endpoint and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true"
    );
    remove_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");

    // Without one, a service's own variable takes its calls and the global variable the rest.
    for service in SERVICES {
        remove_endpoint_variables();
        set_env(GLOBAL_VARIABLE, &sims.global.endpoint());
        set_env(service.variable, &sims.per_service.endpoint());
        assert_eq!(
            sims.arrivals(None).await,
            expected("global", Some((service.variable, "per_service"))),
            "with {} and {GLOBAL_VARIABLE} set",
            service.variable
        );
    }

    // The global variable alone takes every call.
    remove_endpoint_variables();
    set_env(GLOBAL_VARIABLE, &sims.global.endpoint());
    assert_eq!(
        sims.arrivals(None).await,
        expected("global", None),
        "with only {GLOBAL_VARIABLE} set"
    );
}
