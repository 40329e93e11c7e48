//! Simulated time: real elapsed time multiplied by the time scale, plus manual skips.
//!
//! The model never reads a clock itself; it is always handed "now" in simulated epoch seconds.
//! That keeps every state transition a pure function of time, which is what makes lazy
//! advancement (catch up on the next request) give the same answers as a ticking loop.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Converts real time into simulated epoch seconds.
#[derive(Debug)]
pub(crate) struct SimClock {
    /// Wall-clock epoch seconds when the simulator started; simulated time starts here.
    origin_epoch: f64,
    origin: Instant,
    time_scale: f64,
    /// Simulated seconds skipped on request (bit pattern of an `f64`), for tests that jump ahead.
    skipped_bits: AtomicU64,
}

impl SimClock {
    pub(crate) fn new(time_scale: f64) -> Self {
        let origin_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Self {
            origin_epoch,
            origin: Instant::now(),
            time_scale,
            skipped_bits: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Simulated "now" in epoch seconds.
    pub(crate) fn now(&self) -> f64 {
        let skipped = f64::from_bits(self.skipped_bits.load(Ordering::Acquire));
        self.origin_epoch + self.origin.elapsed().as_secs_f64() * self.time_scale + skipped
    }

    /// Moves simulated time forward by `seconds` at once (negative values are ignored:
    /// simulated time never goes backwards).
    pub(crate) fn skip(&self, seconds: f64) {
        if !(seconds.is_finite() && seconds > 0.0) {
            return;
        }
        let _ = self
            .skipped_bits
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |bits| {
                Some((f64::from_bits(bits) + seconds).to_bits())
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_moves_forward_and_ignores_negative() {
        let clock = SimClock::new(1.0);
        let before = clock.now();
        clock.skip(100.0);
        clock.skip(-50.0);
        let after = clock.now();
        assert!(
            after - before >= 100.0 && after - before < 101.0,
            "{}",
            after - before
        );
    }

    #[test]
    fn time_scale_multiplies_elapsed_time() {
        let clock = SimClock::new(1000.0);
        let before = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() - before >= 19.0);
    }
}
