#!/usr/bin/env bash
# Builds the real Pulumi CLI and the language hosts this project needs from their published Go modules,
# into a cache directory outside the repository, and prints that bin directory as the last line.
#
# Why build: no prebuilt Pulumi binary can be downloaded on our machines, but the Go module proxy is
# reachable. Why a generated wrapper module: `go install pkg@version` refuses modules whose go.mod has
# `replace` directives, and pulumi/pkg has some; a throwaway module that requires pkg+sdk at ONE pinned
# version and repeats those replaces builds the exact published code.
#
# Environment (all optional):
#   PULUMI_VERSION         pulumi/pkg and pulumi/sdk version (default below)
#   PULUMI_YAML_VERSION    pulumi-yaml version for pulumi-language-yaml (default below)
#   PULUMI_TOOLS_DIR       cache dir (default ~/.cache/wait-for-ecs-deploy/pulumi-<version>); binaries go to its bin/
#   PULUMI_BUILD_GOFLAGS   extra GOFLAGS for the builds (default -p=1: leaves one of two cores to other builds)
#   PULUMI_BUILD_FORCE=1   rebuild even when the binaries exist
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
TOOLS_DIR="${PULUMI_TOOLS_DIR:-$HOME/.cache/wait-for-ecs-deploy/pulumi-${PULUMI_VERSION#v}}"
BIN_DIR="$TOOLS_DIR/bin"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LANGHOST_SRC="$SCRIPT_DIR/langhost"

export GOFLAGS="${GOFLAGS:-} ${PULUMI_BUILD_GOFLAGS:--p=1}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# Builds stay reproducible and small; cgo is not needed by any of these binaries.
export CGO_ENABLED="${CGO_ENABLED:-0}"

log() { printf '[pulumi-build] %s\n' "$*" >&2; }

# The stamp records what the bin dir was built from, so a changed version or a changed
# project-written language host triggers a rebuild while an unchanged one is skipped.
langhost_hash() {
  if [[ -d "$LANGHOST_SRC" ]]; then
    (cd "$LANGHOST_SRC" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) ! -name '*_test.go' -print0 |
      sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  else
    echo none
  fi
}
STAMP_WANTED="pulumi=$PULUMI_VERSION yaml=$PULUMI_YAML_VERSION langhost=$(langhost_hash)"
STAMP_FILE="$TOOLS_DIR/build-stamp"
REQUIRED_BINARIES=(pulumi pulumi-language-yaml pulumi-language-nodejs pulumi-language-python
  pulumi-language-python-exec pulumi-language-go)

all_present() {
  local name
  for name in "${REQUIRED_BINARIES[@]}"; do
    [[ -x "$BIN_DIR/$name" ]] || return 1
  done
  [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$STAMP_WANTED" ]]
}

if [[ "${PULUMI_BUILD_FORCE:-0}" != 1 ]] && all_present; then
  log "up to date ($STAMP_WANTED)"
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH: install Go >= 1.26"; exit 1; }
mkdir -p "$BIN_DIR"
WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT

# Prints the non-relative `replace` directives of a downloaded module's go.mod as go.mod lines.
# Relative replaces (`=> ../sdk`) point into pulumi's own repository; we satisfy those with the
# published module at the same version instead.
module_replaces() {
  local module_at_version="$1" gomod
  gomod="$(go mod download -json "$module_at_version" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("GoMod") or ""); sys.exit(1 if d.get("Error") else 0)')" ||
    { log "go mod download $module_at_version failed"; return 1; }
  go mod edit -json "$gomod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if new["Path"].startswith((".", "/")):
        continue
    old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
    print("replace %s => %s %s" % (old, new["Path"], new.get("Version", "")))
'
}

# Generates one wrapper module in $1 requiring the given module@versions (tool directives for the
# commands to build) plus the replaces each of them declares.
make_wrapper() {
  local dir="$1"; shift
  mkdir -p "$dir"
  printf 'module wait-for-ecs-deploy.local/pulumi-tools\n\ngo 1.26\n' >"$dir/go.mod"
  local spec
  for spec in "$@"; do
    module_replaces "$spec" >>"$dir/go.mod"
  done
}

FAILURES=()

build_pulumi_cli() {
  local dir="$WORK_DIR/cli"
  log "building pulumi $PULUMI_VERSION (GOFLAGS=$GOFLAGS)"
  make_wrapper "$dir" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
  (
    cd "$dir"
    go get "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
    go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
    go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN_DIR/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
}

build_yaml_host() {
  local dir="$WORK_DIR/yaml"
  log "building pulumi-language-yaml $PULUMI_YAML_VERSION"
  make_wrapper "$dir" "github.com/pulumi/pulumi-yaml@$PULUMI_YAML_VERSION"
  (
    cd "$dir"
    go get -tool "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
    go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
      -o "$BIN_DIR/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  )
}

# Pulumi's own nodejs/python/go language host modules are not served by the module proxy here
# (403 "This module version is not available"), so this project ships small language hosts of its
# own (scripts/pulumi/langhost) built on the published pulumi sdk and codegen packages.
build_project_langhosts() {
  local dir="$WORK_DIR/langhost"
  log "building project language hosts from $LANGHOST_SRC against pulumi $PULUMI_VERSION"
  # Built from a copy so that a PULUMI_VERSION other than the one pinned in its go.mod never edits the repo.
  cp -R "$LANGHOST_SRC" "$dir"
  (
    cd "$dir"
    if ! grep -q "github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION\$" go.mod; then
      go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
      go mod tidy
    fi
    local name
    for name in pulumi-language-nodejs pulumi-language-python pulumi-language-go; do
      go build -trimpath -ldflags "-s -w -X main.version=$PULUMI_VERSION" -o "$BIN_DIR/$name" "./cmd/$name"
    done
  )
  # The python host runs programs through Pulumi's exec script, which ships inside the published
  # sdk module: take it from the module cache rather than keeping a copy in this repository.
  local sdk_dir
  sdk_dir="$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$BIN_DIR/pulumi-language-python-exec"
}

step() {
  local name="$1"; shift
  if ! "$@"; then
    FAILURES+=("$name")
    log "FAILED: $name (see the go output above)"
  fi
}

START=$(date +%s)
step "pulumi CLI" build_pulumi_cli
step "pulumi-language-yaml" build_yaml_host
if [[ -d "$LANGHOST_SRC" ]]; then
  step "project language hosts" build_project_langhosts
else
  FAILURES+=("project language hosts (no $LANGHOST_SRC)")
fi
log "build took $(( $(date +%s) - START ))s"

if ((${#FAILURES[@]})); then
  log "not built: ${FAILURES[*]}"
  rm -f "$STAMP_FILE"
  echo "$BIN_DIR"
  exit 1
fi
echo "$STAMP_WANTED" >"$STAMP_FILE"
echo "$BIN_DIR"
