#!/usr/bin/env bash
# Builds the release artifacts of one version into one directory (docs/RELEASING.md):
#
#   pulumi-resource-wait-for-ecs-deploy-v<version>-<os>-<arch>.tar.gz   the plugin, binary at the archive root
#                                                                       (the name and layout the Pulumi engine
#                                                                       downloads from the schema's pluginDownloadURL)
#   wait-for-ecs-deploy-v<version>-<os>-<arch>.tar.gz                   the CLI: binary, LICENSE, README.md
#   wait-for-ecs-deploy-pulumi-<version>.tgz                            the TypeScript SDK (npm pack)
#   pulumi_wait_for_ecs_deploy-<version>-py3-none-any.whl, .tar.gz      the Python SDK (wheel, sdist)
#   wait-for-ecs-deploy-go-sdk-v<version>.tar.gz                        the Go SDK module (go.mod at its root)
#   wait-for-ecs-deploy-v<version>-checksums.txt                        sha256sum of every file above
#
# Usage: scripts/release.sh [--profile release|dev] [--out DIR] [--no-sdks]
#   --profile release   (default) optimised binaries, what a release ships
#   --profile dev       packs the debug binaries instead (the e2e suite: they are built already, and a cold
#                       optimised build of the AWS SDK takes many minutes); names and layout are the same
#   --out DIR           where the artifacts go (default <repo>/dist, gitignored); emptied first
#   --no-sdks           only the binaries' archives and the checksums
#
# The version is the workspace's ([workspace.package] version in Cargo.toml); the script refuses to run
# when the schema or the generated SDKs carry another one.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

profile=release
out_dir="$REPO_ROOT/dist"
with_sdks=1
while (($#)); do
  case "$1" in
    --profile)
      [[ $# -ge 2 ]] || { echo "release: --profile needs a value (valid: release, dev)" >&2; exit 2; }
      profile="$2"; shift 2 ;;
    --out)
      [[ $# -ge 2 ]] || { echo "release: --out needs a directory" >&2; exit 2; }
      out_dir="$2"; shift 2 ;;
    --no-sdks) with_sdks=0; shift ;;
    *) echo "release: unknown option '$1' (valid: --profile release|dev, --out DIR, --no-sdks)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) cargo_profile_flag=(--release); profile_dir=release ;;
  dev) cargo_profile_flag=(); profile_dir=debug ;;
  *) echo "release: --profile '$profile' is not valid (valid: release, dev)" >&2; exit 2 ;;
esac

log() { printf '[release] %s\n' "$*" >&2; }

# One version everywhere: the workspace's, as cargo resolves it for the provider crate.
VERSION="$(cargo metadata --no-deps --format-version 1 --locked | python3 -c '
import json, sys
packages = {p["name"]: p["version"] for p in json.load(sys.stdin)["packages"]}
print(packages["pulumi-resource-wait-for-ecs-deploy"])')"
schema_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' crates/provider/schema.json)"
npm_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' sdk/nodejs/package.json)"
if [[ "$schema_version" != "$VERSION" || "$npm_version" != "$VERSION" ]]; then
  log "version mismatch: workspace $VERSION, crates/provider/schema.json $schema_version, sdk/nodejs/package.json" \
    "$npm_version; regenerate the schema (cargo run -p pulumi-resource-wait-for-ecs-deploy -- --print-schema)" \
    "and the SDKs (scripts/pulumi/gen-sdk.sh)"
  exit 1
fi

# Every target a release has, as <pulumi os>-<pulumi arch>=<rust target>. Only the machine's own can be
# built here: the others need their Rust target, a linker and (for darwin/windows) the platform SDK,
# i.e. a runner of that kind.
TARGETS=(
  linux-amd64=x86_64-unknown-linux-gnu
  linux-arm64=aarch64-unknown-linux-gnu
  darwin-amd64=x86_64-apple-darwin
  darwin-arm64=aarch64-apple-darwin
  windows-amd64=x86_64-pc-windows-msvc
)
host_triple="$(rustc -vV | sed -n 's/^host: //p')"
host_platform=""
for entry in "${TARGETS[@]}"; do
  if [[ "${entry#*=}" == "$host_triple" ]]; then
    host_platform="${entry%%=*}"
  else
    log "not built here: ${entry%%=*} (${entry#*=}) needs that Rust target and its platform's linker; build it on such a runner"
  fi
done
[[ -n "$host_platform" ]] || { log "this machine ($host_triple) is none of the release targets"; exit 1; }

log "version $VERSION, profile $profile, platform $host_platform, into $out_dir"
rm -rf "$out_dir"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

cargo build --quiet --locked "${cargo_profile_flag[@]}" -p pulumi-resource-wait-for-ecs-deploy -p wait-for-ecs-deploy
bin_dir="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$profile_dir"
exe=""
[[ "$host_platform" == windows-* ]] && exe=".exe"

# Archives: file names only, no directory prefix (Pulumi extracts the plugin archive as the plugin's
# directory and runs the binary from its root), and fixed owner/mtime so a rebuild packs the same bytes.
pack() {
  local archive="$1" staging="$2"
  (cd "$staging" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$out_dir/$archive" -- *)
}

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

mkdir "$staging/plugin"
install -m 0755 "$bin_dir/pulumi-resource-wait-for-ecs-deploy$exe" "$staging/plugin/"
pack "pulumi-resource-wait-for-ecs-deploy-v$VERSION-$host_platform.tar.gz" "$staging/plugin"

mkdir "$staging/cli"
install -m 0755 "$bin_dir/wait-for-ecs-deploy$exe" "$staging/cli/"
install -m 0644 LICENSE README.md "$staging/cli/"
pack "wait-for-ecs-deploy-v$VERSION-$host_platform.tar.gz" "$staging/cli"

if [[ "$with_sdks" == 1 ]]; then
  scripts/pulumi/build-sdks.sh nodejs "$out_dir"
  scripts/pulumi/build-sdks.sh python-dist "$out_dir"
  # The Go SDK is its own module (go.mod in the package directory, path = the schema's importBasePath);
  # released by tagging sdk/go/waitforecsdeploy/v<version>, and archived here for offline use.
  mkdir "$staging/go"
  cp -R sdk/go/waitforecsdeploy/. "$staging/go/"
  pack "wait-for-ecs-deploy-go-sdk-v$VERSION.tar.gz" "$staging/go"
fi

(cd "$out_dir" && sha256sum -- * >"$staging/checksums" && mv "$staging/checksums" "wait-for-ecs-deploy-v$VERSION-checksums.txt")
log "artifacts:"
ls -1 "$out_dir" >&2
echo "$out_dir"
