#!/usr/bin/env bash
# Regenerates the nodejs, python and go SDKs from crates/provider/schema.json with the real
# `pulumi package gen-sdk` (from scripts/pulumi/build.sh), plus the Go SDK's go.mod/go.sum.
#
# Usage: scripts/pulumi/gen-sdk.sh [OUT_DIR]     (default: <repo>/sdk; the e2e suite passes a temp dir
#                                                and diffs it against sdk/ to catch a stale SDK)
# The package versions come from the schema's `version` (the workspace version; `respectSchemaVersion`),
# so the sources under sdk/ are what gets packed: scripts/pulumi/build-sdks.sh builds the packages.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT_DIR="${1:-$REPO_ROOT/sdk}"
SCHEMA="$REPO_ROOT/crates/provider/schema.json"
[[ -f "$SCHEMA" ]] || { echo "gen-sdk: $SCHEMA not found (generate it from crates/provider first)" >&2; exit 1; }

BIN_DIR="$("$REPO_ROOT/scripts/pulumi/build.sh" | tail -n 1)"
export PATH="$BIN_DIR:$PATH"
# A private PULUMI_HOME keeps gen-sdk from reading or writing the user's ~/.pulumi.
PULUMI_HOME="$(mktemp -d)"
trap 'rm -rf "$PULUMI_HOME"' EXIT
export PULUMI_HOME PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

mkdir -p "$OUT_DIR"
for language in nodejs python go; do
  pulumi package gen-sdk "$SCHEMA" --language "$language" --out "$OUT_DIR" >&2
done

# gen-sdk writes the Go package but no go.mod (only for "support packs"), so `go get` could not fetch it.
# The module path is exactly the schema's importBasePath, the go.mod sits in that package's directory,
# and it requires the Pulumi Go SDK of the CLI that generated the code (the version that code is written for).
IMPORT_BASE_PATH="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["language"]["go"]["importBasePath"])' "$SCHEMA")"
GO_PACKAGE_DIR="$OUT_DIR/go/${IMPORT_BASE_PATH##*/}"
[[ -d "$GO_PACKAGE_DIR" ]] || { echo "gen-sdk: expected the Go package in $GO_PACKAGE_DIR" >&2; exit 1; }
PULUMI_GO_SDK_VERSION="${PULUMI_GO_SDK_VERSION:-$(pulumi version)}"
(
  cd "$GO_PACKAGE_DIR"
  rm -f go.mod go.sum
  export GOFLAGS=-mod=mod GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  go mod init "$IMPORT_BASE_PATH" >/dev/null 2>&1
  go mod edit -go=1.25 -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_GO_SDK_VERSION"
  go mod tidy >&2
)
echo "$OUT_DIR"
