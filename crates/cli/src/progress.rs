//! Live progress on stderr: a spinner with the deployment's state on a terminal, one plain line per change
//! otherwise (CI logs), nothing with --quiet. stdout is never touched here: it carries only the verdict.
//! With `--output github`, always plain lines, each kept to one line, inside one [`LogGroup`].

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ecs_watcher::ProgressEvent;
use ecs_watcher::message::{ProgressKind, progress_line};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::args::{DisplayArgs, OutputFormat};

pub struct ProgressReporter {
    mode: Mode,
    /// The last status line printed, so plain mode prints a line per change, not per poll.
    last_status: Mutex<String>,
    prefix: String,
    /// `--output github`: a line break in a line (an ECS event's text) would start a line the runner might
    /// read as a workflow command, so each line is collapsed to one.
    one_line_each: bool,
}

enum Mode {
    Quiet,
    Plain,
    Spinner(ProgressBar),
}

impl ProgressReporter {
    /// `prefix` is prepended to every line (the demo uses it to name the scenario).
    pub fn new(quiet: bool, prefix: impl Into<String>) -> Arc<Self> {
        Self::for_output(quiet, OutputFormat::Text, prefix)
    }

    /// As [`new`](Self::new), in the style `output` asks for: `github` prints plain lines even on a terminal.
    pub fn for_output(quiet: bool, output: OutputFormat, prefix: impl Into<String>) -> Arc<Self> {
        let github = output == OutputFormat::Github;
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() && !github {
            let bar = Self::spinner();
            bar.set_message("looking for the deployment…");
            Mode::Spinner(bar)
        } else {
            Mode::Plain
        };
        Arc::new(Self {
            mode,
            last_status: Mutex::new(String::new()),
            prefix: prefix.into(),
            one_line_each: github,
        })
    }

    /// One reporter per service, each line prefixed with the service's name when there are several; on a
    /// terminal their spinners stack (not with `--output github`).
    pub fn several(display: DisplayArgs, services: &[String]) -> Vec<Arc<Self>> {
        let DisplayArgs { output, quiet } = display;
        if services.len() <= 1 {
            return vec![Self::for_output(quiet, output, "")];
        }
        let github = output == OutputFormat::Github;
        let multi = (!quiet && !github && std::io::stderr().is_terminal()).then(MultiProgress::new);
        services
            .iter()
            .map(|service| {
                let prefix = format!("{service}: ");
                let mode = match &multi {
                    None if quiet => Mode::Quiet,
                    None => Mode::Plain,
                    Some(multi) => {
                        let bar = multi.add(Self::spinner());
                        bar.set_message(format!("{prefix}looking for the deployment…"));
                        Mode::Spinner(bar)
                    }
                };
                Arc::new(Self {
                    mode,
                    last_status: Mutex::new(String::new()),
                    prefix,
                    one_line_each: github,
                })
            })
            .collect()
    }

    fn spinner() -> ProgressBar {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// The callback handed to the watcher.
    pub fn callback(self: &Arc<Self>) -> Arc<dyn Fn(ProgressEvent) + Send + Sync> {
        let reporter = Arc::clone(self);
        Arc::new(move |event| reporter.on_event(event))
    }

    fn on_event(&self, event: ProgressEvent) {
        let line = progress_line(&event);
        match line.kind {
            ProgressKind::Status => {
                let text = self.shown(&line.text);
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
            ProgressKind::Happened | ProgressKind::Notice | ProgressKind::Warning => {
                self.note(&line.text)
            }
        }
    }

    /// A durable line (an ECS event, a stopped task) printed above the spinner.
    pub fn note(&self, text: &str) {
        let text = self.shown(text);
        match &self.mode {
            Mode::Quiet => {}
            Mode::Plain => eprintln!("{}{text}", self.prefix),
            Mode::Spinner(bar) => bar.println(format!("{}{text}", self.prefix)),
        }
    }

    fn shown(&self, text: &str) -> String {
        if self.one_line_each {
            ecs_watcher::message::one_line(text)
        } else {
            text.to_owned()
        }
    }

    pub fn finish(&self) {
        if let Mode::Spinner(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

/// `--output github`: the progress of one command folded under a title in the job log, opened before the
/// first progress line and closed before the verdict. Nothing with another output or with `--quiet` (an
/// empty group would only add noise). On stderr, the stream the progress goes to, so the runner sees the
/// markers in order with the lines they enclose.
pub struct LogGroup {
    open: bool,
}

impl LogGroup {
    pub fn open(display: DisplayArgs, title: &str) -> Self {
        let open = display.output == OutputFormat::Github && !display.quiet;
        if open {
            eprintln!("{}", crate::github::group(title));
        }
        Self { open }
    }

    pub fn close(self) {
        if self.open {
            eprintln!("{}", crate::github::END_GROUP);
        }
    }
}

/// `arn:aws:ecs:…:task-definition/web:3` reads better as `web:3` in a line.
pub use ecs_watcher::model::short_task_definition;
