//! Admin endpoints on the simulator's port (never subject to faults):
//!
//! - `GET /_sim/calls` → `{"total": N, "operations": {"DescribeServices": n, ...}}`
//! - `POST /_sim/calls/reset` → counters back to zero
//! - `GET /_sim/faults` → the current [`Faults`] as JSON
//! - `PUT /_sim/faults` with a [`Faults`] JSON body (missing members take their defaults)
//! - `POST /_sim/time/skip` with `{"seconds": 60}` → jump simulated time forward
//! - `PUT /_sim/alarms/<name>` with `{"state": "ALARM"}` (or `"OK"`, `"INSUFFICIENT_DATA"`) →
//!   CloudWatch alarm `<name>` is in that state from now on
//! - `GET /_sim/alarms` → `{"<name>": "<state>", ...}` for every alarm ever set
//! - `GET /_sim/actions` → the accepted ContinueServiceDeployment / StopServiceDeployment calls

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::faults::Faults;
use crate::model::alarms::AlarmState;
use crate::server::{Shared, lock};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/calls", get(calls))
        .route("/_sim/calls/reset", post(reset_calls))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/time/skip", post(skip_time))
        .route("/_sim/alarms", get(get_alarms))
        .route("/_sim/alarms/{name}", axum::routing::put(put_alarm))
        .route("/_sim/actions", get(get_actions))
}

/// Alarm `name` is in `state` from this simulated moment on. CloudWatch alarms are regional like
/// everything else: this sets it in the simulator's default region.
pub(crate) fn set_alarm(shared: &Shared, name: &str, state: AlarmState) {
    let now = shared.clock.now();
    lock(&shared.worlds)
        .region(None)
        .alarms
        .set(name, state, now);
}

async fn get_alarms(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.worlds).region(None).alarms.current()).into_response()
}

/// The accepted ContinueServiceDeployment / StopServiceDeployment calls of every region, oldest first.
pub(crate) fn recorded_actions(shared: &Shared) -> Vec<crate::RecordedAction> {
    let worlds = lock(&shared.worlds);
    let mut actions: Vec<crate::RecordedAction> = worlds
        .all()
        .flat_map(|model| model.actions.clone())
        .collect();
    actions.sort_by(|a, b| a.at.total_cmp(&b.at));
    actions
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlarmChange {
    state: AlarmState,
}

async fn put_alarm(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let change: AlarmChange = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(e) => {
            return bad_request(format!(
                "expected {{\"state\": \"ALARM\" | \"OK\" | \"INSUFFICIENT_DATA\"}}: {e}"
            ));
        }
    };
    set_alarm(&shared, &name, change.state);
    Json(json!({ "alarm": name, "state": change.state, "at": shared.clock.now() })).into_response()
}

async fn get_actions(State(shared): State<Arc<Shared>>) -> Response {
    Json(recorded_actions(&shared)).into_response()
}

async fn calls(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.counts).clone()).into_response()
}

async fn reset_calls(State(shared): State<Arc<Shared>>) -> Response {
    *lock(&shared.counts) = Default::default();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.faults).faults()).into_response()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn put_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(e) => return bad_request(format!("the body is not a Faults object: {e}")),
    };
    if let Err(e) = faults.validate() {
        return bad_request(e.to_string());
    }
    lock(&shared.faults).set(faults.clone());
    Json(faults).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Skip {
    seconds: f64,
}

async fn skip_time(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let skip: Skip = match serde_json::from_slice(&body) {
        Ok(skip) => skip,
        Err(e) => return bad_request(format!("expected {{\"seconds\": <number>}}: {e}")),
    };
    if !(skip.seconds.is_finite() && skip.seconds >= 0.0) {
        return bad_request(format!(
            "seconds is {}, but it must be a non-negative number of simulated seconds",
            skip.seconds
        ));
    }
    shared.clock.skip(skip.seconds);
    Json(json!({ "now": shared.clock.now() })).into_response()
}
