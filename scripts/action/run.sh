#!/usr/bin/env bash
# The one step of the GitHub Action (action.yml): download the CLI archive for this runner from the
# release location, verify it against the release's checksums file, run the CLI once per service, and
# write the verdict to $GITHUB_OUTPUT. Inputs arrive as INPUT_* variables (set by action.yml), so the
# script runs the same outside GitHub (tests/e2e/test_action.py runs it against a local server).
set -euo pipefail

fail() { echo "::error title=wait-for-ecs-deploy::$*" >&2; exit 4; }

# --- inputs -------------------------------------------------------------------------------------------
cluster="${INPUT_CLUSTER:-}"
[[ -n "$cluster" ]] || fail "input 'cluster' is empty: give the cluster's name or ARN"
# service and services are one list: commas, spaces or newlines separate the names.
read -r -a services <<<"$(printf '%s %s' "${INPUT_SERVICE:-}" "${INPUT_SERVICES:-}" | tr ',\n\r\t' '    ')"
((${#services[@]})) || fail "inputs 'service' and 'services' are both empty: give at least one service name or ARN"

case "${INPUT_FAIL_ON_ERROR:-true}" in
  true | false) fail_on_error="${INPUT_FAIL_ON_ERROR:-true}" ;;
  *) fail "input 'fail-on-error' is '${INPUT_FAIL_ON_ERROR}': valid values are true and false" ;;
esac

version="${INPUT_VERSION:-}"
if [[ -z "$version" ]]; then
  # `uses: owner/repo@v1.2.3` gives action_ref v1.2.3: the CLI of the same release.
  if [[ "${ACTION_REF:-}" =~ ^v?([0-9]+\.[0-9]+\.[0-9]+.*)$ ]]; then
    version="${BASH_REMATCH[1]}"
  else
    fail "input 'version' is empty and the action's ref '${ACTION_REF:-}' is not a version tag: set version (e.g. 0.1.0)"
  fi
fi
version="${version#v}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  fail "input 'version' is '$version': expected a release version such as 0.1.0"

release_url="${INPUT_RELEASE_URL:-}"
[[ -n "$release_url" ]] || fail "input 'release-url' is empty"
release_url="${release_url//\$\{version\}/$version}"
release_url="${release_url%/}"

# --- platform -----------------------------------------------------------------------------------------
# Runner names first (RUNNER_OS / RUNNER_ARCH), the kernel's otherwise; archive names use Pulumi's words.
os_name="${RUNNER_OS:-$(uname -s)}"
arch_name="${RUNNER_ARCH:-$(uname -m)}"
case "$os_name" in
  Linux | linux) os=linux ;;
  macOS | Darwin | darwin) os=darwin ;;
  Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) fail "runner OS '$os_name' has no release archive (valid: Linux, macOS, Windows)" ;;
esac
case "$arch_name" in
  X64 | x86_64 | amd64) arch=amd64 ;;
  ARM64 | arm64 | aarch64) arch=arm64 ;;
  *) fail "runner architecture '$arch_name' has no release archive (valid: X64, ARM64)" ;;
esac
exe=""
[[ "$os" == windows ]] && exe=".exe"

# --- download and verify --------------------------------------------------------------------------------
work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wait-for-ecs-deploy.XXXXXX")"
trap 'rm -rf "$work"' EXIT
archive="wait-for-ecs-deploy-v$version-$os-$arch.tar.gz"
checksums="wait-for-ecs-deploy-v$version-checksums.txt"

fetch() {
  curl --fail --silent --show-error --location --retry 3 --output "$work/$1" "$release_url/$1" ||
    fail "could not download $release_url/$1 (is $version released for $os-$arch?)"
}
fetch "$checksums"
fetch "$archive"

expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/$checksums")"
[[ -n "$expected" ]] || fail "$checksums lists no checksum for $archive"
if command -v sha256sum >/dev/null; then
  actual="$(sha256sum "$work/$archive" | cut -d' ' -f1)"
else
  actual="$(shasum -a 256 "$work/$archive" | cut -d' ' -f1)"
fi
[[ "$actual" == "$expected" ]] ||
  fail "checksum mismatch for $archive: got sha256 $actual, $checksums says $expected; not running it"

mkdir "$work/cli"
tar -xzf "$work/$archive" -C "$work/cli"
cli="$work/cli/wait-for-ecs-deploy$exe"
[[ -x "$cli" ]] || fail "$archive holds no wait-for-ecs-deploy$exe at its root"
echo "wait-for-ecs-deploy $version ($os-$arch) from $release_url" >&2

# --- run ------------------------------------------------------------------------------------------------
common=(--cluster "$cluster" --timeout "${INPUT_TIMEOUT:-10m}" --output json)
[[ -n "${INPUT_TASK_DEFINITION:-}" ]] && common+=(--task-definition "$INPUT_TASK_DEFINITION")
[[ -n "${INPUT_REGION:-}" ]] && common+=(--region "$INPUT_REGION")
[[ -n "${INPUT_ROLE_TO_ASSUME:-}" ]] && common+=(--assume-role "$INPUT_ROLE_TO_ASSUME")
# Flags newer than some CLIs: passed only when asked for, so older releases keep working.
[[ -n "${INPUT_WAIT_UNTIL:-}" ]] && common+=(--wait-until "$INPUT_WAIT_UNTIL")
[[ -n "${INPUT_ROLLBACK_ON:-}" ]] && common+=(--rollback-on "$INPUT_ROLLBACK_ON")

worst_code=0
: >"$work/verdicts"
for service in "${services[@]}"; do
  echo "::group::wait-for-ecs-deploy --service $service" >&2
  set +e
  "$cli" "${common[@]}" --service "$service" >"$work/verdict.json"
  code=$?
  set -e
  echo "::endgroup::" >&2
  if [[ ! -s "$work/verdict.json" ]]; then
    # A usage or setup error prints no verdict: record one, so the outputs still say what happened.
    printf '{"status":"FAILED","outcome":"FAILED","service":"%s","failureMessage":"wait-for-ecs-deploy exited %s without a verdict (see the log above)"}\n' \
      "$service" "$code" >"$work/verdict.json"
  fi
  cat "$work/verdict.json" >>"$work/verdicts"
  ((code > worst_code)) && worst_code=$code
done

# One JSON object per line in, the action's outputs out (multi-line values with a random delimiter).
python3 - "$work/verdicts" "${GITHUB_OUTPUT:-/dev/stdout}" <<'EOF'
import json, os, secrets, sys

verdicts = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
failed = [v for v in verdicts if v.get("outcome") != "COMPLETED"]
outputs = {
    "status": "FAILED" if failed else "COMPLETED",
    "outcome": failed[0].get("outcome", "FAILED") if failed else "COMPLETED",
    "failure-message": "\n".join(
        (f"{v.get('service')}: " if len(verdicts) > 1 else "") + (v.get("failureMessage") or "") for v in failed
    ),
    "verdicts": json.dumps(verdicts),
}
with open(sys.argv[2], "a") as out:
    for name, value in outputs.items():
        delimiter = "EOF_" + secrets.token_hex(8)
        out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


# One annotation per service that did not complete, in GitHub's workflow-command syntax: the message
# escapes %, CR and LF; the title, a property, also : and , (the CLI's --output github does the same).
def command_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(value: str) -> str:
    return command_data(value).replace(":", "%3A").replace(",", "%2C")


for verdict in failed:
    title = command_property(f"{verdict.get('service')} {verdict.get('outcome', 'FAILED')}")
    print(f"::error title={title}::{command_data(verdict.get('failureMessage') or '')}", flush=True)


# The job summary: one table row per service, then the stopped-task reasons of each that did not complete.
def text(value) -> str:
    """Shown as written: Markdown and HTML characters escaped, line breaks kept as <br>."""
    value = str(value or "")
    for raw, shown in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\\", "\\\\"), ("|", "\\|"),
                       ("*", "\\*"), ("_", "\\_"), ("`", "\\`"), ("[", "\\["), ("]", "\\]")):
        value = value.replace(raw, shown)
    return "<br>".join(line for line in value.replace("\r", "").split("\n") if line.strip())


def short(task_definition) -> str:
    return (task_definition or "").rsplit("task-definition/", 1)[-1]


def served(verdict) -> str:
    # A completed deployment serves what it deployed, a rolled-back one what ECS went back to; otherwise say
    # what was asked for.
    if verdict.get("outcome") == "COMPLETED" and verdict.get("primaryTaskDef"):
        return text(short(verdict["primaryTaskDef"]))
    if verdict.get("outcome") == "ROLLED_BACK" and verdict.get("rolledBackTo"):
        return f"went back to {text(short(verdict['rolledBackTo']))}"
    return f"wanted {text(short(verdict['desiredTaskDef']))}" if verdict.get("desiredTaskDef") else ""


summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
if summary_path:
    lines = ["## ECS deployments", "", "| Service | Outcome | Reason | Task definition | Time | Console |",
             "|---|---|---|---|---|---|"]
    for verdict in verdicts:
        elapsed = verdict.get("elapsedSeconds")
        link = verdict.get("consoleUrl")
        lines.append("| " + " | ".join([
            text(verdict.get("service")), text(verdict.get("outcome")), text(verdict.get("failureMessage")),
            served(verdict), f"{elapsed:.1f}s" if isinstance(elapsed, (int, float)) else "",
            f"[open]({link.replace(')', '%29')})" if link else "",
        ]) + " |")
    for verdict in failed:
        reasons = []
        for task in verdict.get("stoppedTasks") or []:
            containers = "; ".join(
                f"{c.get('name')} exit {c.get('exitCode')}" + (f": {c['reason']}" if c.get("reason") else "")
                for c in task.get("containers") or [] if c.get("exitCode") is not None or c.get("reason"))
            reason = (task.get("reason") or task.get("stopCode") or "stopped") + (f" ({containers})" if containers else "")
            if reason not in reasons:
                reasons.append(reason)
        if reasons:
            lines += ["", f"### {text(verdict.get('service'))}: stopped tasks", ""]
            lines += [f"- {text(reason)}" for reason in reasons[:5]]
    with open(summary_path, "a") as summary:
        summary.write("\n".join(lines) + "\n")
EOF

if ((worst_code != 0)) && [[ "$fail_on_error" == true ]]; then
  exit "$worst_code"
fi
exit 0
