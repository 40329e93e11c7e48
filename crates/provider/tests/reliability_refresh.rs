//! `pulumi refresh` (Read) obeys the one error policy: a throttled DescribeServices is retried with backoff
//! until it answers, an AccessDenied fails the Read at once naming it. Proved by the number of
//! DescribeServices calls the simulator received, not by timing.

mod common;

use common::*;
use ecs_sim::Faults;

const DESCRIBE_SERVICES: &str = "DescribeServices";

/// A resource whose wait completed on service `web`, then someone deployed another revision outside
/// Pulumi ([`Harness::created_then_redeployed`]), with the simulator's call counters reset.
async fn drifted_resource(
    h: &mut Harness,
) -> (String, prost_types::Struct, prost_types::Struct, String) {
    let drifted = h.created_then_redeployed("web").await;
    h.sim.reset_call_counts();
    drifted
}

#[test]
fn a_throttled_refresh_retries_with_backoff_and_reads_the_current_state() {
    with_harness(|mut h| async move {
        let (id, outputs, inputs, newer) = drifted_resource(&mut h).await;
        // More throttles in a row than the SDK's own two attempts: only the provider's retries get past them.
        let throttles = 3;
        h.sim.set_faults(Faults {
            throttle_next: throttles,
            ..Faults::default()
        });

        let read = h.try_read(&id, outputs, &inputs).await;

        let calls = h.sim.call_counts();
        let read = read.unwrap_or_else(|status| {
            panic!("the throttled Read failed: {status:?}; calls: {calls:?}")
        });
        assert_eq!(read.id, id);
        let refreshed = read.properties.expect("read properties");
        assert_eq!(
            string_of(&refreshed, "primaryTaskDef"),
            newer,
            "the Read reports the revision deployed since the wait"
        );
        assert_eq!(
            calls.get(DESCRIBE_SERVICES).copied(),
            Some(u64::from(throttles) + 1),
            "each throttled DescribeServices retried until the first answer, nothing else called: {calls:?}"
        );
        assert_eq!(calls.len(), 1, "only DescribeServices: {calls:?}");
    });
}

#[test]
fn a_refresh_denied_describe_services_fails_at_once_naming_the_permission() {
    with_harness(|mut h| async move {
        let (id, outputs, inputs, _) = drifted_resource(&mut h).await;
        h.sim.set_faults(Faults {
            access_denied_operations: vec![DESCRIBE_SERVICES.into()],
            ..Faults::default()
        });

        let read = h.try_read(&id, outputs, &inputs).await;

        let status = read.expect_err("a Read without ecs:DescribeServices fails");
        assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
        for needle in [
            "DescribeServices failed",
            "not authorized to perform: ecs:DescribeServices",
        ] {
            assert!(
                status.message().contains(needle),
                "expected {needle:?} in the failed Read's message: {status:?}"
            );
        }
        let calls = h.sim.call_counts();
        assert_eq!(
            calls.get(DESCRIBE_SERVICES).copied(),
            Some(1),
            "AccessDenied is not retried: {calls:?}"
        );
    });
}
