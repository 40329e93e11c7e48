//! The plugin binary's command line: what the Pulumi engine (or a person) passes to
//! `pulumi-resource-wait-for-ecs-deploy`. (Named apart from the `wait-for-ecs-deploy` CLI crate.)
//!
//! The engine starts a provider as `<binary> [--logtostderr] [-v=N] [--tracing <endpoint>] <engine address>`;
//! the flags are the engine's own logging options, accepted and ignored here (our log level is RUST_LOG). Without
//! an address the provider still serves (PULUMI_DEBUG_PROVIDERS: the engine then calls Attach).

/// What the binary was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Serve the provider protocol, logging to `engine_address` when given.
    Serve {
        engine_address: Option<String>,
    },
    /// Print the package schema (what `schema.json` holds) and exit.
    PrintSchema,
    PrintVersion,
    PrintHelp,
}

pub const USAGE: &str = "\
pulumi-resource-wait-for-ecs-deploy: the Pulumi provider for WaitForEcsDeployment.

Usage:
  pulumi-resource-wait-for-ecs-deploy [ENGINE_ADDRESS]   serve (started by the Pulumi engine)
  pulumi-resource-wait-for-ecs-deploy --print-schema     print the package schema JSON
  pulumi-resource-wait-for-ecs-deploy --version

Serving prints the gRPC port on stdout and logs to stderr (RUST_LOG, default warn).";

pub fn parse(args: impl IntoIterator<Item = String>) -> Invocation {
    let mut engine_address = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--print-schema" | "--schema" => return Invocation::PrintSchema,
            "--version" | "-V" => return Invocation::PrintVersion,
            "--help" | "-h" => return Invocation::PrintHelp,
            "--tracing" => {
                args.next();
            }
            flag if flag.starts_with('-') => {}
            address if engine_address.is_none() => engine_address = Some(address.to_string()),
            _ => {}
        }
    }
    Invocation::Serve { engine_address }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Invocation {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn engine_flags_are_skipped_and_the_address_kept() {
        assert_eq!(
            parse_strs(&[
                "--logtostderr",
                "-v=9",
                "--tracing",
                "http://collector:9411",
                "127.0.0.1:5555"
            ]),
            Invocation::Serve {
                engine_address: Some("127.0.0.1:5555".into())
            }
        );
    }

    #[test]
    fn no_address_serves_for_attach() {
        assert_eq!(
            parse_strs(&[]),
            Invocation::Serve {
                engine_address: None
            }
        );
    }

    #[test]
    fn schema_and_version_modes() {
        assert_eq!(parse_strs(&["--print-schema"]), Invocation::PrintSchema);
        assert_eq!(parse_strs(&["--version"]), Invocation::PrintVersion);
    }
}
