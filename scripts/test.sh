#!/usr/bin/env bash
# The project's one test command (README "Run the tests"; CI calls it from .ci/run).
#   scripts/test.sh            fmt, clippy, unused dependencies (cargo machete), all Rust tests, the ECS
#                              conformance check, then the end-to-end tests with the real pulumi CLI
#   scripts/test.sh --no-e2e   everything but the Pulumi end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."

run_e2e=1
for arg in "$@"; do
  case "$arg" in
    --no-e2e) run_e2e=0 ;;
    *) echo "unknown option: $arg (valid: --no-e2e)" >&2; exit 2 ;;
  esac
done

# Every test process talks to simulators on loopback only, with dummy credentials: never real AWS.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export AWS_ENDPOINT_URL=http://127.0.0.1:9
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_WEB_IDENTITY_TOKEN_FILE || true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# Property tests explore fixed cases here, so a red run is reproducible; vary the seed by hand to explore more.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261126}"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo machete (unused dependencies)"
# A dependency no code uses only costs build time and audit work; machete exits 1 when it finds one. Installed
# into cargo's bin dir on first use, pinned to a version that builds on the project's Rust; built in a temporary
# dir, not in (a cached) CARGO_TARGET_DIR.
machete_version=0.9.2
if ! cargo machete --version 2>/dev/null | grep -qx "$machete_version"; then
  env -u CARGO_TARGET_DIR cargo install cargo-machete --version "$machete_version" --locked
fi
cargo machete --skip-target-dir
echo "== cargo test"
cargo test --workspace --locked --no-fail-fast

echo "== Rust checks and tests took ${SECONDS}s"

# Every raw ecs-sim response of a full set of scenarios, validated against the ECS service model from
# botocore (installed in a venv cached outside the clone); prints how many responses it validated.
echo "== ECS conformance check"
tests/conformance/run.sh

if [ "$run_e2e" = 1 ]; then
  if [ -x tests/e2e/run.sh ]; then
    echo "== end-to-end tests with the real pulumi CLI"
    tests/e2e/run.sh
  else
    echo "== no end-to-end suite present (tests/e2e/run.sh)"
  fi
fi
echo "== scripts/test.sh took ${SECONDS}s"
