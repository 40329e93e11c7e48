//! How long to wait after a throttled or failed call: exponential with jitter,
//! capped, so many waits that were throttled together do not retry together.

use std::time::Duration;

use rand::Rng;

/// Longest pause between retries, however many attempts failed.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Delay before retry number `attempt` (1-based): the poll interval doubled per
/// failed attempt, capped at [`MAX_BACKOFF`] (or the poll interval if that is
/// longer), then jittered down to between half and all of it.
pub(crate) fn retry_delay(attempt: u32, poll_interval: Duration, rng: &mut impl Rng) -> Duration {
    let cap = MAX_BACKOFF.max(poll_interval);
    let doublings = attempt.saturating_sub(1).min(16);
    let ceiling = poll_interval.saturating_mul(1u32 << doublings).min(cap);
    let ceiling_millis = u64::try_from(ceiling.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let jittered = rng.random_range(ceiling_millis / 2..=ceiling_millis);
    Duration::from_millis(jittered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_jitter_bounds_and_stay_capped() {
        let mut rng = rand::rng();
        let poll = Duration::from_secs(2);
        for attempt in 1..=12 {
            let ceiling = (poll * 2u32.pow(attempt - 1)).min(MAX_BACKOFF);
            for _ in 0..50 {
                let delay = retry_delay(attempt, poll, &mut rng);
                assert!(
                    delay <= ceiling,
                    "attempt {attempt}: {delay:?} > {ceiling:?}"
                );
                assert!(
                    delay >= ceiling / 2,
                    "attempt {attempt}: {delay:?} < half of {ceiling:?}"
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_retries_apart() {
        let mut rng = rand::rng();
        let delays: std::collections::HashSet<Duration> = (0..20)
            .map(|_| retry_delay(4, Duration::from_secs(2), &mut rng))
            .collect();
        assert!(delays.len() > 1);
    }
}
