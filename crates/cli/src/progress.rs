//! Live progress on stderr: a spinner with the deployment's state on a terminal, one plain line per change
//! otherwise (CI logs), nothing with --quiet. stdout is never touched here: it carries only the verdict.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ecs_watcher::ProgressEvent;
use indicatif::{ProgressBar, ProgressStyle};

pub struct ProgressReporter {
    mode: Mode,
    /// The last status line printed, so plain mode prints a line per change, not per poll.
    last_status: Mutex<String>,
    prefix: String,
}

enum Mode {
    Quiet,
    Plain,
    Spinner(ProgressBar),
}

impl ProgressReporter {
    /// `prefix` is prepended to every line (the demo uses it to name the scenario).
    pub fn new(quiet: bool, prefix: impl Into<String>) -> Arc<Self> {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar.set_message("looking for the deployment…");
            Mode::Spinner(bar)
        } else {
            Mode::Plain
        };
        Arc::new(Self {
            mode,
            last_status: Mutex::new(String::new()),
            prefix: prefix.into(),
        })
    }

    /// The callback handed to the watcher.
    pub fn callback(self: &Arc<Self>) -> Arc<dyn Fn(ProgressEvent) + Send + Sync> {
        let reporter = Arc::clone(self);
        Arc::new(move |event| reporter.on_event(event))
    }

    fn on_event(&self, event: ProgressEvent) {
        match describe(&event) {
            Line::Status(text) => {
                let mut last = self
                    .last_status
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if *last == text {
                    return;
                }
                last.clone_from(&text);
                drop(last);
                match &self.mode {
                    Mode::Quiet => {}
                    Mode::Plain => eprintln!("{}{text}", self.prefix),
                    Mode::Spinner(bar) => bar.set_message(format!("{}{text}", self.prefix)),
                }
            }
            Line::Note(text) => self.note(&text),
        }
    }

    /// A durable line (an ECS event, a stopped task) printed above the spinner.
    pub fn note(&self, text: &str) {
        match &self.mode {
            Mode::Quiet => {}
            Mode::Plain => eprintln!("{}{text}", self.prefix),
            Mode::Spinner(bar) => bar.println(format!("{}{text}", self.prefix)),
        }
    }

    pub fn finish(&self) {
        if let Mode::Spinner(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

enum Line {
    Status(String),
    Note(String),
}

fn describe(event: &ProgressEvent) -> Line {
    match event {
        ProgressEvent::DeploymentFound {
            deployment_id,
            task_definition,
        } => Line::Note(format!(
            "watching deployment {deployment_id} ({})",
            short_task_definition(task_definition)
        )),
        ProgressEvent::Status {
            deployment_id,
            rollout_state,
            running,
            desired,
            pending,
            failed_tasks,
        } => {
            let mut text =
                format!("deployment {deployment_id} {rollout_state}: {running}/{desired} running");
            if *pending > 0 {
                text.push_str(&format!(", {pending} pending"));
            }
            if *failed_tasks > 0 {
                text.push_str(&format!(", {failed_tasks} failed tasks"));
            }
            Line::Status(text)
        }
        ProgressEvent::ServiceEvent { message } => Line::Note(format!("event: {message}")),
        ProgressEvent::TaskStopped { task } => {
            let id = task.task_arn.rsplit('/').next().unwrap_or(&task.task_arn);
            let reason = task.stopped_reason.as_deref().unwrap_or("no reason given");
            let containers: Vec<String> = task
                .containers
                .iter()
                .filter(|container| {
                    container.exit_code.is_some() || container_reason(container, reason).is_some()
                })
                .map(
                    |container| match (container.exit_code, container_reason(container, reason)) {
                        (Some(code), Some(why)) => format!("{} exit {code}: {why}", container.name),
                        (Some(code), None) => format!("{} exit {code}", container.name),
                        (None, Some(why)) => format!("{}: {why}", container.name),
                        (None, None) => container.name.clone(),
                    },
                )
                .collect();
            if containers.is_empty() {
                Line::Note(format!("task {id} stopped: {reason}"))
            } else {
                Line::Note(format!(
                    "task {id} stopped: {reason} [{}]",
                    containers.join("; ")
                ))
            }
        }
        ProgressEvent::FallbackToDescribeServices { reason } => Line::Note(format!(
            "service deployments API unavailable ({reason}); following DescribeServices instead"
        )),
        ProgressEvent::Retrying {
            operation,
            error,
            attempt,
        } => Line::Status(format!(
            "{operation} failed ({error}); retrying (attempt {attempt})"
        )),
    }
}

/// A container reason that repeats the task's stopped reason (CannotPullContainerError does) adds nothing.
fn container_reason<'a>(
    container: &'a ecs_watcher::model::StoppedContainer,
    task_reason: &str,
) -> Option<&'a str> {
    container
        .reason
        .as_deref()
        .filter(|reason| *reason != task_reason)
}

/// `arn:aws:ecs:…:task-definition/web:3` reads better as `web:3` in a progress line.
pub fn short_task_definition(task_definition: &str) -> &str {
    task_definition
        .rsplit_once("task-definition/")
        .map_or(task_definition, |(_, short)| short)
}
