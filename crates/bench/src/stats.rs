//! Order statistics for the report: median, p99 (nearest rank), and the busiest window of a
//! series of event times.

/// A summary of one figure over its runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub min: f64,
    pub median: f64,
    /// Nearest-rank 99th percentile: with fewer than 100 runs this is the largest value.
    pub p99: f64,
    pub max: f64,
}

/// `None` for no samples, or when a sample is not a number (a measurement went wrong).
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|s| s.is_nan()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(Summary {
        count: sorted.len(),
        min: sorted[0],
        median: median_of_sorted(&sorted),
        p99: nearest_rank(&sorted, 99.0),
        max: sorted[sorted.len() - 1],
    })
}

/// The middle value, or the mean of the two middle values.
fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The smallest value with at least `percent` % of the samples at or below it.
fn nearest_rank(sorted: &[f64], percent: f64) -> f64 {
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The most events in any window of `width` (closed at both ends), e.g. the most calls in any
/// one second. `times` need not be sorted.
pub fn busiest_window(times: &[f64], width: f64) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] - sorted[start] > width {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(summarize(&[3.0, 1.0, 2.0]).unwrap().median, 2.0);
        assert_eq!(summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap().median, 2.5);
    }

    #[test]
    fn p99_is_nearest_rank() {
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(summarize(&hundred).unwrap().p99, 99.0);
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        let summary = summarize(&twenty).unwrap();
        assert_eq!(summary.p99, 20.0, "with 20 runs p99 is the worst run");
        assert_eq!((summary.min, summary.max, summary.count), (1.0, 20.0, 20));
    }

    #[test]
    fn no_summary_without_valid_samples() {
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn busiest_window_counts_events_within_the_width() {
        let times = [0.0, 0.1, 0.2, 1.5, 1.6, 1.65, 1.7, 5.0];
        assert_eq!(busiest_window(&times, 1.0), 4);
        assert_eq!(busiest_window(&times, 0.05), 2);
        assert_eq!(busiest_window(&[], 1.0), 0);
        assert_eq!(busiest_window(&[2.0, 1.0, 3.0], 10.0), 3);
    }
}
