//! Assertions the crate's unit tests share.

use std::fmt::Debug;
use std::ops::RangeBounds;
use std::time::Duration;

/// Panics unless `took` lies in `expected`, saying what took that long.
pub(crate) fn assert_took(
    took: Duration,
    expected: impl RangeBounds<Duration> + Debug,
    what: &str,
) {
    assert!(
        expected.contains(&took),
        "{what}: took {took:?}, expected {expected:?}"
    );
}
