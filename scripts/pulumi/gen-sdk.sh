#!/usr/bin/env bash
# Regenerates the nodejs, python and go SDKs from crates/provider/schema.json with the real
# `pulumi package gen-sdk` (built by scripts/pulumi/build.sh).
#
# Usage: scripts/pulumi/gen-sdk.sh [OUT_DIR]     (default: <repo>/sdk; the e2e suite passes a temp dir
#                                                and diffs it against sdk/ to catch a stale SDK)
# The generated package versions stay placeholders (`${VERSION}` / `0.0.0`), as with every Pulumi
# provider: scripts/pulumi/build-sdks.sh stamps the provider version in when it builds the packages.
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
echo "$OUT_DIR"
