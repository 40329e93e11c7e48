#!/usr/bin/env bash
# The end-to-end suite in one command: builds and installs what it needs, then runs pytest.
#
#   tests/e2e/run.sh [pytest args...]      e.g. tests/e2e/run.sh -k typescript -x
#
# Builds: the Pulumi CLI and language hosts (scripts/pulumi/build.sh: a full Pulumi install on PATH, else
# built from the Pulumi source tree, cached outside the repo), the provider, the CLI and ecs-sim (cargo,
# debug profile), the release artifacts from those debug binaries (scripts/release.sh --profile dev, into
# the cache: the plugin and CLI archives, the npm tarball, the wheel, the Go SDK module), the examples'
# dependencies (examples/typescript/node_modules, a Python virtualenv cached outside the repo and
# linked as examples/python/.venv, examples/go's modules) and the drop-in check's dependencies
# (tests/e2e/dropin/node_modules). Everything it writes inside the repository is gitignored.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${E2E_CACHE_DIR:-$HOME/.cache/wait-for-ecs-deploy/e2e}"
PYTHON_SDK_PULUMI="${E2E_PYTHON_PULUMI_VERSION:-3.270.0}"
cd "$REPO_ROOT"

log() { printf '[e2e] %s\n' "$*" >&2; }
START=$(date +%s)

log "pulumi CLI and language hosts"
E2E_PULUMI_BIN="$(scripts/pulumi/build.sh | tail -n 1)"

log "provider, CLI and simulator"
cargo build --quiet --locked -p pulumi-resource-wait-for-ecs-deploy -p wait-for-ecs-deploy -p ecs-sim
E2E_CARGO_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug"

# The real archive names and layout, packing the debug binaries just built (an optimised build of the
# AWS SDK would cost many minutes); this also builds the nodejs SDK package in sdk/nodejs/bin.
log "release artifacts (scripts/release.sh --profile dev)"
E2E_RELEASE_DIR="$(scripts/release.sh --profile dev --out "$CACHE_DIR/release" | tail -n 1)"

log "node dependencies"
for dir in examples/typescript tests/e2e/dropin; do
  # A file: dependency is copied at install time, so reinstall it to pick up a rebuilt SDK.
  rm -rf "$dir/node_modules/@wait-for-ecs-deploy"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2)
done

log "python virtualenv"
VENV="$CACHE_DIR/python-venv"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r examples/python/requirements.txt \
  "pulumi==$PYTHON_SDK_PULUMI"
scripts/pulumi/build-sdks.sh python "$VENV/bin/python"
ln -sfn "$VENV" examples/python/.venv

log "go example's modules"
# Downloads what the Go program needs and warms the build cache, so the first Go test does not pay for it.
(cd examples/go && GOFLAGS=-mod=mod go build -o /dev/null . >&2)

log "setup took $(($(date +%s) - START))s; running pytest"
export E2E_PULUMI_BIN E2E_CARGO_BIN E2E_RELEASE_DIR
set +e
python3 -m pytest -p no:cacheprovider "$REPO_ROOT/tests/e2e" "$@"
status=$?
set -e
log "total $(($(date +%s) - START))s"
exit "$status"
