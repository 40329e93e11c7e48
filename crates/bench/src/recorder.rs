//! An [`EcsApi`](ecs_watcher::api::EcsApi) layer that logs every call it passes on: when, which operation, which cluster,
//! which items. Placed under the request budget, its log is what was actually sent; the
//! simulator's counters are the cross-check.

use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use ecs_watcher::layer::{Call, CallLayer, Layered, Operation};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

/// One ECS call as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CallRecord {
    /// Wall-clock epoch seconds, comparable across processes.
    pub at: f64,
    pub operation: String,
    pub cluster: Option<String>,
    /// How many services, ARNs or tasks the call asked for.
    pub item_count: usize,
    /// The services asked for, for `DescribeServices` only: they tell each wait's ticks
    /// apart. Other calls keep just the count, so the log itself stays small next to the
    /// memory it helps measure.
    pub services: Vec<String>,
}

pub(crate) fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// An [`EcsApi`] that logs every call before passing it on.
pub(crate) type RecordingEcsApi = Layered<CallLog>;

/// The log of the calls a [`RecordingEcsApi`] passed on.
#[derive(Default)]
pub(crate) struct CallLog {
    log: Mutex<Vec<CallRecord>>,
}

impl CallLog {
    pub(crate) fn records(&self) -> Vec<CallRecord> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl CallLayer for CallLog {
    fn before<'a>(&'a self, call: Call<'a>) -> BoxFuture<'a, ()> {
        let operation = call.operation;
        let record = CallRecord {
            at: epoch_seconds(),
            operation: operation.as_str().to_owned(),
            cluster: call.cluster.map(str::to_owned),
            item_count: call.items.len(),
            services: if operation == Operation::DescribeServices {
                call.items.to_vec()
            } else {
                Vec::new()
            },
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
        Box::pin(std::future::ready(()))
    }
}
