//! Fault injection: what can go wrong with an ECS call, and the seeded draw that decides it.
//!
//! Faults apply only to ECS operations, never to the `/_sim/*` admin endpoints.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// How the service-deployments API (ListServiceDeployments, DescribeServiceDeployments,
/// DescribeServiceRevisions) answers, to imitate endpoints and roles that lack it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceDeploymentsApi {
    #[default]
    Enabled,
    /// AccessDeniedException, as for a role without `ecs:ListServiceDeployments`.
    AccessDenied,
    /// UnknownOperationException, as for an endpoint that predates the API.
    UnknownOperation,
    /// HTTP 500 ServerException on every call.
    ServerError,
}

/// The faults to inject. The default injects nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Chance (0..=1) that a call gets `ThrottlingException: Rate exceeded`.
    pub throttle_probability: f64,
    /// The next N calls are throttled (counts down as calls arrive).
    pub throttle_next: u32,
    /// Chance (0..=1) that a call gets HTTP 500 `ServerException`.
    pub server_error_probability: f64,
    /// The next N calls get HTTP 500 `ServerException` (counts down).
    pub server_error_next: u32,
    /// Milliseconds of real time added to every call.
    pub latency_ms: u64,
    pub service_deployments_api: ServiceDeploymentsApi,
    /// Leave `rolloutState`/`rolloutStateReason` out of DescribeServices, like old endpoints.
    pub omit_rollout_state: bool,
    /// Chance (0..=1) that a successful answer's JSON body is cut in half.
    pub malformed_json_probability: f64,
    /// Chance (0..=1) of an HTML `502 Bad Gateway` page instead of an answer.
    pub html_error_probability: f64,
    /// Chance (0..=1) that the connection is closed without any response.
    pub connection_reset_probability: f64,
    /// Operations (e.g. `ListTasks`) that answer AccessDeniedException.
    pub access_denied_operations: Vec<String>,
}

/// Why a [`Faults`] value cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{field} is {value}, but it must be a probability between 0 and 1 (e.g. 0.25)")]
pub struct FaultsError {
    pub field: &'static str,
    pub value: f64,
}

impl Faults {
    /// Every kind of transient fault at once, often enough that a wait of a few dozen calls meets each:
    /// throttling and 500s on 15% of calls, connection resets, cut JSON and HTML error pages on 10%.
    pub fn storm() -> Faults {
        Faults {
            throttle_probability: 0.15,
            server_error_probability: 0.15,
            connection_reset_probability: 0.1,
            malformed_json_probability: 0.1,
            html_error_probability: 0.1,
            ..Faults::default()
        }
    }

    pub fn validate(&self) -> Result<(), FaultsError> {
        let probabilities = [
            ("throttle_probability", self.throttle_probability),
            ("server_error_probability", self.server_error_probability),
            (
                "malformed_json_probability",
                self.malformed_json_probability,
            ),
            ("html_error_probability", self.html_error_probability),
            (
                "connection_reset_probability",
                self.connection_reset_probability,
            ),
        ];
        for (field, value) in probabilities {
            if !(0.0..=1.0).contains(&value) {
                return Err(FaultsError { field, value });
            }
        }
        Ok(())
    }
}

/// What to do instead of (or to) the real answer of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Injected {
    Throttle,
    ServerError,
    HtmlBadGateway,
    AccessDenied,
    UnknownOperation,
}

/// The fault decisions for one call, taken when it arrives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallPlan {
    pub(crate) operation: String,
    pub(crate) latency_ms: u64,
    pub(crate) reset_connection: bool,
    pub(crate) injected: Option<Injected>,
    pub(crate) truncate_body: bool,
    pub(crate) omit_rollout_state: bool,
}

/// The operations of the service-deployments API.
pub(crate) const SERVICE_DEPLOYMENTS_OPERATIONS: [&str; 3] = [
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "DescribeServiceRevisions",
];

/// Current faults plus the seeded random source that decides them.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    faults: Faults,
    rng: StdRng,
}

impl FaultInjector {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            faults: Faults::default(),
            // A different stream from the model's ids, so turning faults on does not change ids.
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_fa17_5eed_fa17),
        }
    }

    pub(crate) fn faults(&self) -> Faults {
        self.faults.clone()
    }

    pub(crate) fn set(&mut self, faults: Faults) {
        self.faults = faults;
    }

    fn chance(&mut self, probability: f64) -> bool {
        probability > 0.0 && self.rng.random::<f64>() < probability
    }

    /// Decides the faults for one call of `operation`.
    pub(crate) fn plan(&mut self, operation: &str) -> CallPlan {
        let mut plan = CallPlan {
            operation: operation.to_owned(),
            latency_ms: self.faults.latency_ms,
            omit_rollout_state: self.faults.omit_rollout_state,
            ..CallPlan::default()
        };
        if self.chance(self.faults.connection_reset_probability) {
            plan.reset_connection = true;
            return plan;
        }
        plan.injected = self.injected(operation);
        if plan.injected.is_none() {
            plan.truncate_body = self.chance(self.faults.malformed_json_probability);
        }
        plan
    }

    fn injected(&mut self, operation: &str) -> Option<Injected> {
        if self.faults.throttle_next > 0 {
            self.faults.throttle_next -= 1;
            return Some(Injected::Throttle);
        }
        if self.chance(self.faults.throttle_probability) {
            return Some(Injected::Throttle);
        }
        if self.faults.server_error_next > 0 {
            self.faults.server_error_next -= 1;
            return Some(Injected::ServerError);
        }
        if self.chance(self.faults.server_error_probability) {
            return Some(Injected::ServerError);
        }
        if self.chance(self.faults.html_error_probability) {
            return Some(Injected::HtmlBadGateway);
        }
        if self
            .faults
            .access_denied_operations
            .iter()
            .any(|op| op == operation)
        {
            return Some(Injected::AccessDenied);
        }
        if SERVICE_DEPLOYMENTS_OPERATIONS.contains(&operation) {
            return match self.faults.service_deployments_api {
                ServiceDeploymentsApi::Enabled => None,
                ServiceDeploymentsApi::AccessDenied => Some(Injected::AccessDenied),
                ServiceDeploymentsApi::UnknownOperation => Some(Injected::UnknownOperation),
                ServiceDeploymentsApi::ServerError => Some(Injected::ServerError),
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_by_default() {
        let mut injector = FaultInjector::new(1);
        for _ in 0..100 {
            let plan = injector.plan("DescribeServices");
            assert_eq!(plan.injected, None);
            assert!(!plan.reset_connection && !plan.truncate_body);
        }
    }

    /// A seeded injector (seed 1) with `faults` set.
    fn injector_with(faults: Faults) -> FaultInjector {
        let mut injector = FaultInjector::new(1);
        injector.set(faults);
        injector
    }

    /// What the next call of `operation` gets.
    fn injected(injector: &mut FaultInjector, operation: &str) -> Option<Injected> {
        injector.plan(operation).injected
    }

    #[test]
    fn throttle_next_counts_down() {
        let mut injector = injector_with(Faults {
            throttle_next: 2,
            ..Faults::default()
        });
        assert_eq!(
            injected(&mut injector, "ListTasks"),
            Some(Injected::Throttle)
        );
        assert_eq!(injector.faults().throttle_next, 1);
        assert_eq!(
            injected(&mut injector, "ListTasks"),
            Some(Injected::Throttle)
        );
        assert_eq!(injector.plan("ListTasks").injected, None);
    }

    #[test]
    fn probability_is_seeded_and_roughly_right() {
        let run = |seed| {
            let mut injector = FaultInjector::new(seed);
            injector.set(Faults {
                throttle_probability: 0.3,
                ..Faults::default()
            });
            (0..1000)
                .map(|_| injector.plan("DescribeServices").injected.is_some())
                .collect::<Vec<_>>()
        };
        let first = run(9);
        assert_eq!(first, run(9));
        let throttled = first.iter().filter(|&&t| t).count();
        assert!((230..370).contains(&throttled), "{throttled}");
    }

    #[test]
    fn faults_by_operation_hit_only_their_operations() {
        let api_modes = Faults {
            service_deployments_api: ServiceDeploymentsApi::UnknownOperation,
            ..Faults::default()
        };
        let denied = Faults {
            access_denied_operations: vec!["ListTasks".into()],
            ..Faults::default()
        };
        // The fault, an operation it hits and what that gets, and an operation it leaves alone.
        let cases = [
            (
                api_modes,
                "ListServiceDeployments",
                Injected::UnknownOperation,
                "DescribeServices",
            ),
            (denied, "ListTasks", Injected::AccessDenied, "DescribeTasks"),
        ];
        for (faults, hit, expected, untouched) in cases {
            let mut injector = injector_with(faults);
            assert_eq!(injected(&mut injector, hit), Some(expected), "{hit}");
            assert_eq!(injected(&mut injector, untouched), None, "{untouched}");
        }
    }

    #[test]
    fn faults_parse_from_json_and_reject_typos_and_bad_probabilities() {
        let faults: Faults = serde_json::from_str(
            r#"{"throttle_next": 3, "service_deployments_api": "AccessDenied"}"#,
        )
        .unwrap();
        assert_eq!(faults.throttle_next, 3);
        assert_eq!(
            faults.service_deployments_api,
            ServiceDeploymentsApi::AccessDenied
        );
        assert!(serde_json::from_str::<Faults>(r#"{"throttle_nxt": 3}"#).is_err());
        let bad = Faults {
            html_error_probability: 1.5,
            ..Faults::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "html_error_probability");
    }
}
