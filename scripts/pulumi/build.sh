#!/usr/bin/env bash
# Provides the Pulumi CLI and the language hosts this project needs, and prints their bin directory as
# the last line of stdout.
#
# Two sources, chosen by PULUMI_FROM (default `auto`):
#   path    a full Pulumi install on PATH: `pulumi` plus pulumi-language-{nodejs,python,go,yaml} and
#           pulumi-language-python-exec in the same directory. Nothing is built.
#   source  built here: the CLI and Pulumi's own nodejs, python (+ python-exec) and go hosts from ONE
#           Pulumi source tree (a tarball, see PULUMI_SRC_TARBALL), so they share one version; the YAML
#           host from its published Go module (it lives in another repository, pulumi-yaml).
#   auto    `path` when such an install is on PATH, else `source`.
# Why build at all: no prebuilt Pulumi binary can be downloaded on our machines, and the Go module proxy
# refuses the modules of Pulumi's own language hosts (403), so the source tree is the way to them.
#
# Environment (all optional):
#   PULUMI_FROM            auto | path | source (see above)
#   PULUMI_SRC_TARBALL     the Pulumi source tarball (default ../shared/pulumi-src/pulumi-*-sdk-pkg.tar.gz
#                          beside the repository)
#   PULUMI_YAML_VERSION    pulumi-yaml version for pulumi-language-yaml (default below)
#   PULUMI_TOOLS_DIR       cache dir (default ~/.cache/wait-for-ecs-deploy/pulumi-<version>); binaries go to its bin/
#   PULUMI_BUILD_GOFLAGS   extra GOFLAGS for the builds (default -p=1: leaves one of two cores to other builds)
#   PULUMI_BUILD_FORCE=1   rebuild even when the binaries are up to date
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
PULUMI_FROM="${PULUMI_FROM:-auto}"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-v1.25.0}"
HOSTS=(pulumi-language-nodejs pulumi-language-python pulumi-language-python-exec pulumi-language-go
  pulumi-language-yaml)

log() { printf '[pulumi-build] %s\n' "$*" >&2; }

# A directory holding the CLI and every host, i.e. a full install (the official installer puts them
# side by side in ~/.pulumi/bin).
full_install_dir() {
  local cli dir name
  cli="$(command -v pulumi 2>/dev/null)" || return 1
  dir="$(cd "$(dirname "$(readlink -f "$cli")")" && pwd)"
  for name in "${HOSTS[@]}"; do
    [[ -x "$dir/$name" ]] || return 1
  done
  echo "$dir"
}

case "$PULUMI_FROM" in
  auto | path)
    if dir="$(full_install_dir)"; then
      log "using the Pulumi install on PATH: $dir ($("$dir/pulumi" version 2>/dev/null || echo 'version unknown'))"
      echo "$dir"
      exit 0
    fi
    if [[ "$PULUMI_FROM" == path ]]; then
      log "PULUMI_FROM=path but PATH has no full Pulumi install (pulumi plus ${HOSTS[*]} in one directory)"
      exit 1
    fi
    ;;
  source) ;;
  *)
    log "PULUMI_FROM=$PULUMI_FROM is not valid (valid: auto, path, source)"
    exit 2
    ;;
esac

if [[ -z "${PULUMI_SRC_TARBALL:-}" ]]; then
  shopt -s nullglob
  candidates=("$REPO_ROOT"/../shared/pulumi-src/pulumi-*-sdk-pkg.tar.gz)
  shopt -u nullglob
  if ((${#candidates[@]} != 1)); then
    log "no Pulumi source tarball: expected exactly one $REPO_ROOT/../shared/pulumi-src/pulumi-*-sdk-pkg.tar.gz" \
      "(found ${#candidates[@]}); set PULUMI_SRC_TARBALL, or put a full Pulumi install on PATH"
    exit 1
  fi
  PULUMI_SRC_TARBALL="${candidates[0]}"
fi
[[ -f "$PULUMI_SRC_TARBALL" ]] || { log "PULUMI_SRC_TARBALL=$PULUMI_SRC_TARBALL: no such file"; exit 1; }
PULUMI_SRC_TARBALL="$(readlink -f "$PULUMI_SRC_TARBALL")"

# The version is the tree's own (sdk/.version), read without unpacking so the cache dir can be named after it.
TREE_VERSION="$(tar -xzOf "$PULUMI_SRC_TARBALL" sdk/.version 2>/dev/null | tr -d '[:space:]')" || true
[[ "$TREE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] ||
  { log "$PULUMI_SRC_TARBALL has no sdk/.version with a version in it (got '$TREE_VERSION')"; exit 1; }
PULUMI_VERSION="v$TREE_VERSION"
TOOLS_DIR="${PULUMI_TOOLS_DIR:-$HOME/.cache/wait-for-ecs-deploy/pulumi-$TREE_VERSION}"
BIN_DIR="$TOOLS_DIR/bin"
SRC_DIR="$TOOLS_DIR/src"

export GOFLAGS="${GOFLAGS:-} ${PULUMI_BUILD_GOFLAGS:--p=1}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
# Builds stay reproducible and small; cgo is not needed by any of these binaries.
export CGO_ENABLED="${CGO_ENABLED:-0}"

# The stamp records what the bin dir was built from (the tarball's hash, the YAML host's version and
# this script), so any change triggers a rebuild and an unchanged set is skipped.
TARBALL_SUM="$(sha256sum "$PULUMI_SRC_TARBALL" | cut -c1-16)"
STAMP_WANTED="pulumi=$PULUMI_VERSION src=$TARBALL_SUM yaml=$PULUMI_YAML_VERSION script=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
STAMP_FILE="$TOOLS_DIR/build-stamp"

all_present() {
  local name
  for name in pulumi "${HOSTS[@]}"; do
    [[ -x "$BIN_DIR/$name" ]] || return 1
  done
  [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$STAMP_WANTED" ]]
}

if [[ "${PULUMI_BUILD_FORCE:-0}" != 1 ]] && all_present; then
  log "up to date: Pulumi $PULUMI_VERSION built from $PULUMI_SRC_TARBALL ($STAMP_WANTED)"
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH: install Go >= 1.25"; exit 1; }
mkdir -p "$BIN_DIR"
WORK_DIR="$(mktemp -d)"
trap 'rm -rf "$WORK_DIR"' EXIT

unpack_tree() {
  if [[ -f "$SRC_DIR/.tarball-sum" && "$(cat "$SRC_DIR/.tarball-sum")" == "$TARBALL_SUM" ]]; then
    return 0
  fi
  log "unpacking $PULUMI_SRC_TARBALL into $SRC_DIR"
  rm -rf "$SRC_DIR"
  mkdir -p "$SRC_DIR"
  tar -xzf "$PULUMI_SRC_TARBALL" -C "$SRC_DIR"
  echo "$TARBALL_SUM" >"$SRC_DIR/.tarball-sum"
}

# Every binary of the tree gets the tree's version: without the -X flag the CLI reports an empty one.
TREE_LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"

# go build inside the tree: its go.mod files point at each other with relative replaces (../sdk), and
# -mod=mod fetches the third-party dependencies from the module proxy as usual.
tree_build() {
  local module_dir="$1" package="$2" output="$3"
  log "building $output from $module_dir"
  (cd "$SRC_DIR/$module_dir" && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "$TREE_LDFLAGS" \
    -o "$BIN_DIR/$output" "$package")
}

build_tree() {
  unpack_tree
  tree_build pkg ./cmd/pulumi pulumi
  tree_build sdk/nodejs/cmd/pulumi-language-nodejs . pulumi-language-nodejs
  tree_build sdk/python/cmd/pulumi-language-python . pulumi-language-python
  tree_build sdk/go/pulumi-language-go . pulumi-language-go
  # The python host runs programs through this script, which it expects beside itself.
  install -m 0755 "$SRC_DIR/sdk/python/cmd/pulumi-language-python-exec" "$BIN_DIR/pulumi-language-python-exec"
}

# Prints the non-relative `replace` directives of a downloaded module's go.mod as go.mod lines.
# Relative replaces point into that module's own repository; the published modules satisfy them.
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

# pulumi-yaml is built from its published module with the pulumi sdk/pkg it pins itself: `go install
# pkg@version` refuses modules with `replace` directives, so a throwaway module requires it and repeats
# those replaces. Hosts talk to the engine over gRPC only, so its pinned pulumi need not be the CLI's.
build_yaml_host() {
  local dir="$WORK_DIR/yaml"
  log "building pulumi-language-yaml $PULUMI_YAML_VERSION from its Go module"
  mkdir -p "$dir"
  printf 'module wait-for-ecs-deploy.local/pulumi-tools\n\ngo 1.25\n' >"$dir/go.mod"
  module_replaces "github.com/pulumi/pulumi-yaml@$PULUMI_YAML_VERSION" >>"$dir/go.mod"
  (
    cd "$dir"
    go get -tool "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION"
    go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
      -o "$BIN_DIR/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
  )
}

FAILURES=()
step() {
  local name="$1"; shift
  if ! "$@"; then
    FAILURES+=("$name")
    log "FAILED: $name (see the go output above)"
  fi
}

START=$(date +%s)
log "building Pulumi $PULUMI_VERSION from $PULUMI_SRC_TARBALL into $BIN_DIR (GOFLAGS=$GOFLAGS)"
step "pulumi CLI and language hosts from the source tree" build_tree
step "pulumi-language-yaml" build_yaml_host
log "build took $(($(date +%s) - START))s"

if ((${#FAILURES[@]})); then
  log "not built: ${FAILURES[*]}"
  rm -f "$STAMP_FILE"
  echo "$BIN_DIR"
  exit 1
fi
echo "$STAMP_WANTED" >"$STAMP_FILE"
echo "$BIN_DIR"
