//! Verdicts decided without a look at the target: the wanted deployment never
//! appeared, or the deadline came first.

use super::Assessment;
use crate::message;

/// What the wait was looking for, for the message when it is not there.
#[derive(Clone, Debug)]
pub struct Search<'a> {
    /// `of task definition web:3`, `ecs-svc/12`, a service-deployment ARN, or `at all`.
    pub wanted: String,
    pub service_name: &'a str,
    /// What the service runs instead, when known.
    pub runs: Option<&'a str>,
}

/// The service is there but the wanted deployment did not appear in time: a
/// FAILED verdict, not a timeout, because waiting longer would not change it.
pub fn no_deployment_found(search: &Search<'_>) -> Assessment {
    Assessment::NotFound {
        reason: message::no_deployment_found(&search.wanted, search.service_name, search.runs),
    }
}

/// What was known when the deadline came.
#[derive(Clone, Debug)]
pub struct AtDeadline<'a> {
    /// The deployment to watch was found.
    pub target_found: bool,
    /// `DescribeServices` returned the service at least once.
    pub service_seen: bool,
    /// The last ECS call failed (so the last look may have missed the target).
    pub calls_failing: bool,
    /// A call was still unanswered: the last look never happened.
    pub call_unanswered: bool,
    pub search: Search<'a>,
}

/// TIMED_OUT — unless the service was seen and the wanted deployment never
/// appeared, which is the more truthful verdict. Without a complete last look,
/// nothing is certain but the timeout.
pub fn at_deadline(facts: &AtDeadline<'_>) -> Assessment {
    if !facts.call_unanswered && !facts.target_found && facts.service_seen && !facts.calls_failing {
        return no_deployment_found(&facts.search);
    }
    Assessment::TimedOut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        target_found: bool,
        service_seen: bool,
        calls_failing: bool,
        call_unanswered: bool,
    ) -> AtDeadline<'static> {
        AtDeadline {
            target_found,
            service_seen,
            calls_failing,
            call_unanswered,
            search: Search {
                wanted: "of task definition web:3".into(),
                service_name: "web",
                runs: Some("arn:aws:ecs:us-east-1:1:task-definition/web:2"),
            },
        }
    }

    #[test]
    fn a_deployment_that_never_appeared_on_a_seen_service_is_not_found() {
        match at_deadline(&facts(false, true, false, false)) {
            Assessment::NotFound { reason } => {
                assert!(
                    reason.contains("web:3") && reason.contains("web:2"),
                    "{reason}"
                )
            }
            other => panic!("expected NotFound, got {other:?}"),
        }
    }

    #[test]
    fn anything_less_certain_is_a_timeout() {
        for (target_found, service_seen, calls_failing, call_unanswered) in [
            (true, true, false, false),
            (false, false, false, false),
            (false, true, true, false),
            (false, true, false, true),
        ] {
            assert_eq!(
                at_deadline(&facts(
                    target_found,
                    service_seen,
                    calls_failing,
                    call_unanswered
                )),
                Assessment::TimedOut,
                "found {target_found}, seen {service_seen}, failing {calls_failing}, unanswered {call_unanswered}"
            );
        }
    }
}
