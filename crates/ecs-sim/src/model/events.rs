//! Service events (`events[]` in DescribeServices) and the one place their texts are written.

use std::collections::VecDeque;

/// ECS keeps the latest 100 events per service.
pub(crate) const EVENT_CAP: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ServiceEvent {
    pub(crate) id: String,
    pub(crate) created_at: f64,
    pub(crate) message: String,
}

/// Newest first, capped at [`EVENT_CAP`].
#[derive(Clone, Debug, Default)]
pub(crate) struct EventLog {
    events: VecDeque<ServiceEvent>,
}

impl EventLog {
    pub(crate) fn push(&mut self, id: String, created_at: f64, message: String) {
        self.events.push_front(ServiceEvent {
            id,
            created_at,
            message,
        });
        self.events.truncate(EVENT_CAP);
    }

    /// Newest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ServiceEvent> {
        self.events.iter()
    }
}

/// `(task a) (task b)` as ECS lists task ids in events.
fn task_list(task_ids: &[String]) -> String {
    task_ids
        .iter()
        .map(|id| format!("(task {id})"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn started_tasks(service: &str, task_ids: &[String]) -> String {
    format!(
        "(service {service}) has started {} tasks: {}.",
        task_ids.len(),
        task_list(task_ids)
    )
}

pub(crate) fn stopped_running_tasks(service: &str, task_ids: &[String]) -> String {
    format!(
        "(service {service}) has stopped {} running tasks: {}.",
        task_ids.len(),
        task_list(task_ids)
    )
}

pub(crate) fn steady_state(service: &str) -> String {
    format!("(service {service}) has reached a steady state.")
}

pub(crate) fn deployment_completed(service: &str, deployment_id: &str) -> String {
    format!("(service {service}) (deployment {deployment_id}) deployment completed.")
}

pub(crate) fn deployment_failed(service: &str, deployment_id: &str) -> String {
    format!(
        "(service {service}) (deployment {deployment_id}) deployment failed: tasks failed to start."
    )
}

pub(crate) fn rolling_back(service: &str, to_deployment_id: &str) -> String {
    format!("(service {service}) rolling back to deployment {to_deployment_id}.")
}

pub(crate) fn failed_health_checks(service: &str, task_id: &str) -> String {
    format!("(service {service}) (task {task_id}) failed container health checks.")
}

/// The event of a task that cannot be placed; Fargate and EC2 word it differently.
pub(crate) fn unable_to_place(service: &str, launch_type: &str) -> String {
    if launch_type != "EC2" && launch_type != "EXTERNAL" {
        return format!(
            "(service {service}) was unable to place a task. Reason: Capacity is unavailable at this time. \
             Please try again later or in a different availability zone. For more information, see the \
             Troubleshooting section of the Amazon ECS Developer Guide."
        );
    }
    format!(
        "(service {service}) was unable to place a task because no container instance met all of its requirements. \
         Reason: No Container Instances were found in your cluster."
    )
}

pub(crate) fn unable_to_start_consistently(service: &str) -> String {
    format!(
        "(service {service}) is unable to consistently start tasks successfully. \
         For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_is_newest_first_and_capped() {
        let mut log = EventLog::default();
        for i in 0..150 {
            log.push(i.to_string(), f64::from(i), format!("event {i}"));
        }
        let events: Vec<_> = log.iter().collect();
        assert_eq!(events.len(), EVENT_CAP);
        assert_eq!(events[0].message, "event 149");
        assert_eq!(events[99].message, "event 50");
    }

    #[test]
    fn messages_match_ecs_wording() {
        assert_eq!(
            stopped_running_tasks("web", &["abc".into()]),
            "(service web) has stopped 1 running tasks: (task abc)."
        );
        assert_eq!(
            deployment_completed("web", "ecs-svc/42"),
            "(service web) (deployment ecs-svc/42) deployment completed."
        );
        assert_eq!(
            steady_state("web"),
            "(service web) has reached a steady state."
        );
    }
}
