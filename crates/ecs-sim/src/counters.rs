//! Per-operation call counters, so tests and benchmarks can measure how chatty a client is.

use std::collections::BTreeMap;

use serde::Serialize;

/// Every ECS call received (faulted ones included), by operation name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CallCounts {
    pub total: u64,
    pub operations: BTreeMap<String, u64>,
}

impl CallCounts {
    pub fn record(&mut self, operation: &str) {
        self.total += 1;
        *self.operations.entry(operation.to_owned()).or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_operation_and_in_total() {
        let mut counts = CallCounts::default();
        counts.record("DescribeServices");
        counts.record("DescribeServices");
        counts.record("ListTasks");
        assert_eq!(counts.total, 3);
        assert_eq!(counts.operations["DescribeServices"], 2);
        assert_eq!(counts.operations["ListTasks"], 1);
    }
}
