#!/usr/bin/env bash
# The ECS conformance check in one command: every raw ecs-sim response of a full set of scenarios
# validated against the ECS service model from botocore (installed in a venv cached outside the clone).
#
#   tests/conformance/run.sh [-k scenario-substring]
#
# Prints how many responses it validated; fails on the first mismatch with its kind, operation and
# JSON path. See tests/conformance/check.py for how to add a scenario.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CONFORMANCE_VENV:-$HOME/.cache/wait-for-ecs-deploy/conformance-venv}"
cd "$REPO_ROOT"
log() { printf '[conformance] %s\n' "$*" >&2; }

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/conformance/requirements.txt

cargo build --quiet --locked -p ecs-sim
SIM_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/ecs-sim"

LOG="$(mktemp)"
"$SIM_BIN" serve --port 0 --time-scale 1 >"$LOG" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
ENDPOINT=""
for _ in $(seq 1 100); do
  ENDPOINT="$(sed -n 's/^listening on //p' "$LOG")"
  [[ -n "$ENDPOINT" ]] && break
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    log "ecs-sim exited: $(cat "$LOG")"
    exit 1
  fi
  sleep 0.1
done
[[ -n "$ENDPOINT" ]] || { log "ecs-sim did not start: $(cat "$LOG")"; exit 1; }

# Dummy credentials only; the client talks to 127.0.0.1 and nothing else.
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
  "$VENV/bin/python" tests/conformance/check.py --endpoint "$ENDPOINT" "$@"
