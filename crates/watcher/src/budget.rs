//! A client-side request budget: one token bucket shared by every ECS call a
//! process makes for the same account and Region, so that many concurrent waits
//! slow themselves down a little instead of tripping ECS throttling.
//!
//! ECS throttles each account per Region with token buckets (bucket size = burst,
//! refill rate = sustained rate), and a `ThrottlingException` hurts twice: the
//! throttled wait backs off for seconds, and every other tool in the account (the
//! deploy itself, autoscaling, the console) shares the same bucket. Waiting a few
//! milliseconds for a local token is cheaper. The default (20 requests/s sustained,
//! burst 40) stays below the ECS read-action buckets, and one bucket covers all
//! operations, which is conservative: ECS itself keeps one bucket per action group.
//!
//! [`BudgetedEcsApi`] wraps any [`EcsApi`] so that every call takes a token first;
//! [`connect`](crate::connect) wraps each client in one, with a budget shared per
//! account/Region (see [`shared_budget`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::api::{LIST_SERVICE_DEPLOYMENTS_PAGE_SIZE, LIST_TASKS_PAGE_SIZE};
use crate::input::InputError;
use crate::layer::{Call, CallLayer, Layered, Operation};

/// Environment variable overriding the sustained rate (requests per second).
pub const RATE_ENV: &str = "WAIT_FOR_ECS_DEPLOY_REQUESTS_PER_SECOND";
/// Environment variable overriding the burst (bucket size, requests).
pub const BURST_ENV: &str = "WAIT_FOR_ECS_DEPLOY_REQUEST_BURST";

/// Highest rate accepted; above it the budget would never wait anyway.
const MAX_RATE: f64 = 10_000.0;

/// How fast and how bursty the calls of one account/Region may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BudgetConfig {
    /// Sustained rate: tokens added per second.
    pub requests_per_second: f64,
    /// Bucket size: how many calls may go out at once after a quiet period.
    pub burst: u32,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            requests_per_second: 20.0,
            burst: 40,
        }
    }
}

impl BudgetConfig {
    /// A validated budget; errors name the field, the value and what is valid.
    pub fn new(requests_per_second: f64, burst: u32) -> Result<Self, InputError> {
        if !(requests_per_second.is_finite()
            && requests_per_second > 0.0
            && requests_per_second <= MAX_RATE)
        {
            return Err(InputError::new(
                "requests per second",
                &requests_per_second.to_string(),
                format!("expected a number greater than 0 and at most {MAX_RATE}, such as 20"),
            ));
        }
        if burst == 0 {
            return Err(InputError::new(
                "request burst",
                "0",
                "expected a whole number of at least 1, such as 40",
            ));
        }
        Ok(Self {
            requests_per_second,
            burst,
        })
    }

    /// The default budget, with [`RATE_ENV`] / [`BURST_ENV`] applied when set.
    pub fn from_env() -> Result<Self, InputError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, InputError> {
        let default = Self::default();
        let rate = env_value(
            &lookup,
            RATE_ENV,
            default.requests_per_second,
            "expected a number of requests per second such as 20",
        )?;
        let burst = env_value(
            &lookup,
            BURST_ENV,
            default.burst,
            "expected a whole number of requests such as 40",
        )?;
        Self::new(rate, burst).map_err(|error| {
            // Name the variable the user actually set.
            let field = if error.field == "request burst" {
                BURST_ENV
            } else {
                RATE_ENV
            };
            InputError::new(field, &error.value, error.expected)
        })
    }
}

/// The variable `name` as `lookup` finds it, parsed; `default` when it is unset.
fn env_value<T: std::str::FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
    expected: &str,
) -> Result<T, InputError> {
    match lookup(name) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| InputError::new(name, &text, expected)),
    }
}

/// A token bucket that callers wait on. Waiting is first come, first served, and
/// cancellation-friendly: a caller that gives up while waiting takes nothing.
#[derive(Debug)]
pub struct RequestBudget {
    config: BudgetConfig,
    /// One waiter at a time watches the bucket; the rest queue here in order.
    /// Tokio's mutex is fair, so no caller is overtaken indefinitely.
    queue: tokio::sync::Mutex<()>,
    /// Callers inside [`RequestBudget::acquire`], queued or watching the bucket.
    waiting: AtomicUsize,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// May fall below zero after [`RequestBudget::charge`]: debt is paid by waiting.
    tokens: f64,
    refilled_at: Instant,
}

impl RequestBudget {
    /// A full bucket: the first `burst` calls go out at once.
    pub fn new(config: BudgetConfig) -> Self {
        Self {
            config,
            queue: tokio::sync::Mutex::new(()),
            waiting: AtomicUsize::new(0),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(config.burst),
                refilled_at: Instant::now(),
            }),
        }
    }

    pub fn config(&self) -> BudgetConfig {
        self.config
    }

    /// Tokens in the bucket now (negative while in debt).
    pub fn available(&self) -> f64 {
        let mut bucket = self.lock_bucket();
        self.refill(&mut bucket);
        bucket.tokens
    }

    /// Waits for one token and takes it.
    ///
    /// Cancel-safe: the token is taken only at the moment this returns, so a
    /// caller dropped while waiting (its wait was cancelled, its deadline passed)
    /// leaves the bucket as it was and lets the next caller in.
    pub async fn acquire(&self) {
        let _counted = Waiting::enter(&self.waiting);
        let _turn = self.queue.lock().await;
        loop {
            let shortfall = {
                let mut bucket = self.lock_bucket();
                self.refill(&mut bucket);
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return;
                }
                1.0 - bucket.tokens
            };
            tokio::time::sleep(self.time_to_earn(shortfall)).await;
        }
    }

    /// True when a call now would wait: others are waiting already, or the
    /// bucket holds less than one token.
    pub fn is_backlogged(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0 || self.available() < 1.0
    }

    /// Takes `requests` tokens now, going into debt if needed, for requests that
    /// were already made (extra pages of a list call). Later callers pay the debt
    /// by waiting.
    pub fn charge(&self, requests: u32) {
        if requests == 0 {
            return;
        }
        let mut bucket = self.lock_bucket();
        self.refill(&mut bucket);
        bucket.tokens -= f64::from(requests);
    }

    fn refill(&self, bucket: &mut Bucket) {
        let now = Instant::now();
        let earned =
            now.duration_since(bucket.refilled_at).as_secs_f64() * self.config.requests_per_second;
        bucket.tokens = (bucket.tokens + earned).min(f64::from(self.config.burst));
        bucket.refilled_at = now;
    }

    /// How long the bucket takes to earn `tokens`, rounded up to a whole
    /// microsecond so the waiter never wakes a hair too early and spins.
    fn time_to_earn(&self, tokens: f64) -> Duration {
        let micros = (tokens / self.config.requests_per_second * 1e6).ceil();
        Duration::from_micros(micros.clamp(1.0, u64::MAX as f64) as u64)
    }

    fn lock_bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        // The bucket is two numbers, always consistent: a panic elsewhere cannot corrupt it.
        self.bucket.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Counts a caller in [`RequestBudget::acquire`] for as long as it is there,
/// including when its future is dropped mid-wait.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What identifies "the same account and Region" before any call is made: the
/// resolved Region, the endpoint, and where the credentials come from (profile,
/// role). The account id itself is only known after an STS call, which `connect`
/// does not make; a role ARN names its account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BudgetScope {
    pub region: String,
    pub endpoint_url: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

type Registry = Mutex<HashMap<(BudgetScope, u64, u32), Arc<RequestBudget>>>;

/// The process-wide budget for `scope`: every client connected for the same
/// account/Region (and budget settings) shares one bucket, because ECS counts
/// their calls against one quota.
pub fn shared_budget(scope: BudgetScope, config: BudgetConfig) -> Arc<RequestBudget> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Registry::default);
    let key = (scope, config.requests_per_second.to_bits(), config.burst);
    let mut budgets = registry.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        budgets
            .entry(key)
            .or_insert_with(|| Arc::new(RequestBudget::new(config))),
    )
}

/// An [`EcsApi`] whose every call first takes a token from a [`RequestBudget`].
/// An [`EcsApi`] whose every call takes a token of the budget first.
pub type BudgetedEcsApi = Layered<Arc<RequestBudget>>;

/// Requests beyond the first that a list answer of `items` took.
fn extra_pages(items: usize, page: usize) -> u32 {
    u32::try_from(items.div_ceil(page).saturating_sub(1)).unwrap_or(u32::MAX)
}

impl CallLayer for Arc<RequestBudget> {
    fn before<'a>(&'a self, _call: Call<'a>) -> BoxFuture<'a, ()> {
        Box::pin(self.acquire())
    }

    /// A list answer longer than one page cost more than the one token taken.
    fn listed(&self, call: Call<'_>, listed: usize) {
        let page = match call.operation {
            Operation::ListTasks => LIST_TASKS_PAGE_SIZE,
            Operation::ListServiceDeployments => LIST_SERVICE_DEPLOYMENTS_PAGE_SIZE,
            _ => return,
        };
        self.charge(extra_pages(listed, page));
    }

    fn is_backlogged(&self) -> bool {
        RequestBudget::is_backlogged(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::EcsApi;
    use crate::test_support::assert_took;
    use crate::watch::fake::{FakeEcs, Step, exited_task, service};

    fn budget(rate: f64, burst: u32) -> Arc<RequestBudget> {
        Arc::new(RequestBudget::new(BudgetConfig::new(rate, burst).unwrap()))
    }

    async fn drain(budget: &RequestBudget) {
        for _ in 0..budget.config().burst {
            budget.acquire().await;
        }
    }

    /// A budget of `rate` per second whose burst is already spent.
    async fn drained(rate: f64, burst: u32) -> Arc<RequestBudget> {
        let budget = budget(rate, burst);
        drain(&budget).await;
        budget
    }

    /// Spawns `callers` tasks that each take a token from `budget`: which caller
    /// was served when (since `start`), in the order they were served.
    async fn served_concurrently(
        budget: &Arc<RequestBudget>,
        callers: usize,
        start: Instant,
    ) -> Vec<(usize, Duration)> {
        let served = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = (0..callers)
            .map(|i| {
                let (budget, served) = (Arc::clone(budget), Arc::clone(&served));
                tokio::spawn(async move {
                    budget.acquire().await;
                    served.lock().unwrap().push((i, start.elapsed()));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        served.lock().unwrap().clone()
    }

    /// Takes a token, panicking unless it comes `expected` after `start`, to the
    /// millisecond (the paused clock is exact).
    async fn assert_next_token_at(budget: &RequestBudget, start: Instant, expected: Duration) {
        budget.acquire().await;
        assert_took(
            start.elapsed(),
            expected..expected + Duration::from_millis(1),
            "the next token",
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_lets_the_burst_through_at_once_then_paces() {
        let budget = budget(1.0, 3);
        let start = Instant::now();
        drain(&budget).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        // The first token past the burst comes at the sustained rate.
        assert_next_token_at(&budget, start, Duration::from_secs(1)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_refill_at_the_sustained_rate_up_to_the_burst() {
        let budget = drained(10.0, 5).await;
        assert!(budget.available().abs() < 1e-9);
        tokio::time::advance(Duration::from_millis(250)).await;
        assert!(
            (budget.available() - 2.5).abs() < 1e-6,
            "{}",
            budget.available()
        );
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(budget.available(), 5.0, "never more than the burst");
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_on_an_empty_bucket_are_served_in_order_at_the_rate() {
        let budget = drained(10.0, 1).await;
        let start = Instant::now();
        let order = served_concurrently(&budget, 3, start).await;
        let ids: Vec<usize> = order.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, vec![0, 1, 2]);
        for (n, (_, at)) in order.iter().enumerate() {
            let expected = Duration::from_millis(100 * (n as u64 + 1));
            assert_took(
                *at,
                expected..expected + Duration::from_millis(1),
                &format!("waiter {n}"),
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_takes_nothing_and_does_not_hold_up_the_next() {
        let budget = drained(10.0, 1).await;
        let start = Instant::now();
        let gave_up = tokio::time::timeout(Duration::from_millis(50), budget.acquire()).await;
        assert!(
            gave_up.is_err(),
            "the bucket earns a token only after 100 ms"
        );
        // The next caller gets the token the cancelled one never took.
        assert_next_token_at(&budget, start, Duration::from_millis(100)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn many_concurrent_callers_never_exceed_burst_plus_rate_times_time() {
        let budget = budget(20.0, 40);
        let start = Instant::now();
        let served: Vec<f64> = served_concurrently(&budget, 200, start)
            .await
            .into_iter()
            .map(|(_, at)| at.as_secs_f64())
            .collect();
        for (n, at) in served.iter().enumerate() {
            // The (n+1)-th call needs n+1 tokens: 40 at once, then 20 per second.
            let allowed = 40.0 + 20.0 * at + 1e-6;
            assert!((n + 1) as f64 <= allowed, "call {} at {at}s", n + 1);
        }
        let last = served.last().copied().unwrap();
        assert!(
            (last - 8.0).abs() < 0.01,
            "160 paced calls take 8 s, took {last}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn backlogged_while_empty_or_while_anyone_waits() {
        let budget = budget(10.0, 1);
        assert!(!budget.is_backlogged());
        let api = BudgetedEcsApi::new(Arc::new(FakeEcs::new()), Arc::clone(&budget));
        assert!(!api.is_backlogged());
        budget.acquire().await;
        assert!(budget.is_backlogged(), "the bucket is empty");
        assert!(api.is_backlogged());
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(!budget.is_backlogged(), "a token has been earned");
        budget.acquire().await;
        let waiter = tokio::spawn({
            let budget = Arc::clone(&budget);
            async move { budget.acquire().await }
        });
        tokio::task::yield_now().await;
        tokio::time::advance(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished());
        assert!(
            budget.is_backlogged(),
            "someone is waiting for the next token"
        );
        waiter.await.unwrap();
        let abandoned = tokio::time::timeout(Duration::from_millis(10), budget.acquire()).await;
        assert!(abandoned.is_err());
        tokio::time::advance(Duration::from_millis(200)).await;
        assert!(!budget.is_backlogged(), "a dropped waiter no longer counts");
    }

    #[tokio::test(start_paused = true)]
    async fn charged_requests_are_paid_for_by_waiting() {
        let budget = drained(10.0, 2).await;
        budget.charge(4);
        let start = Instant::now();
        // 4 tokens of debt plus one to take.
        assert_next_token_at(&budget, start, Duration::from_millis(500)).await;
    }

    #[test]
    fn bad_budget_settings_name_the_field_and_what_is_valid() {
        let error = BudgetConfig::new(0.0, 40).unwrap_err();
        assert_eq!(error.field, "requests per second");
        assert!(error.expected.contains("greater than 0"));
        let error = BudgetConfig::new(20.0, 0).unwrap_err();
        assert_eq!(error.field, "request burst");

        let env = |rate: Option<&str>, burst: Option<&str>| {
            let (rate, burst) = (rate.map(str::to_owned), burst.map(str::to_owned));
            BudgetConfig::from_lookup(move |name| match name {
                RATE_ENV => rate.clone(),
                BURST_ENV => burst.clone(),
                _ => None,
            })
        };
        assert_eq!(env(None, None).unwrap(), BudgetConfig::default());
        assert_eq!(
            env(Some("5"), Some("10")).unwrap(),
            BudgetConfig::new(5.0, 10).unwrap()
        );
        let error = env(Some("fast"), None).unwrap_err();
        assert_eq!(
            (error.field.as_str(), error.value.as_str()),
            (RATE_ENV, "fast")
        );
        let error = env(None, Some("0")).unwrap_err();
        assert_eq!(error.field, BURST_ENV);
        let error = env(Some("-3"), None).unwrap_err();
        assert_eq!(error.field, RATE_ENV);
    }

    #[test]
    fn clients_of_the_same_account_and_region_share_one_budget() {
        let scope = |region: &str| BudgetScope {
            region: region.into(),
            profile: Some("deploy".into()),
            ..Default::default()
        };
        let config = BudgetConfig::default();
        let a = shared_budget(scope("eu-west-1"), config);
        let b = shared_budget(scope("eu-west-1"), config);
        let other = shared_budget(scope("eu-west-2"), config);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &other));
    }

    #[tokio::test(start_paused = true)]
    async fn every_call_through_the_wrapper_takes_a_token_and_extra_pages_are_charged() {
        let inner = Arc::new(FakeEcs::new());
        let stopped = (0..250)
            .map(|i| exited_task(&format!("{i:032x}"), "ecs-svc/1", 1))
            .collect();
        inner.support_service_deployments().script(
            "web",
            vec![Step::of(service("web", Vec::new())).with_stopped(stopped)],
        );
        let budget = budget(10.0, 10);
        let api = BudgetedEcsApi::new(inner.clone(), Arc::clone(&budget));
        let services = vec!["web".to_owned()];
        api.describe_services("prod", &services).await.unwrap();
        api.list_service_deployments("prod", "web").await.unwrap();
        api.describe_service_deployments(&services).await.unwrap();
        api.describe_service_revisions(&services).await.unwrap();
        api.describe_tasks("prod", &services).await.unwrap();
        assert!((budget.available() - 5.0).abs() < 1e-9);
        // 250 stopped tasks are three pages of 100: one token up front, two charged after.
        api.list_stopped_tasks("prod", "web").await.unwrap();
        assert!((budget.available() - 2.0).abs() < 1e-9);
        let calls: usize = Operation::ALL
            .iter()
            .map(|operation| inner.calls(operation.as_str()).len())
            .sum();
        assert_eq!(calls, 6);
        assert_eq!(extra_pages(0, 100), 0);
        assert_eq!(extra_pages(100, 100), 0);
        assert_eq!(extra_pages(101, 100), 1);
    }
}
