#!/usr/bin/env bash
# Turns the generated SDKs under sdk/ into installable packages carrying the provider version, the way
# Pulumi providers publish theirs (gen-sdk leaves `${VERSION}` / `0.0.0` placeholders).
#
#   scripts/pulumi/build-sdks.sh nodejs
#       compiles sdk/nodejs into sdk/nodejs/bin (gitignored) with a stamped package.json; programs
#       depend on it with `"@wait-for-ecs-deploy/pulumi": "file:<repo>/sdk/nodejs/bin"`.
#   scripts/pulumi/build-sdks.sh python PYTHON
#       pip-installs sdk/python (version stamped) into the environment of the given interpreter,
#       e.g. a virtualenv's bin/python.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SCHEMA="$REPO_ROOT/crates/provider/schema.json"
# The @pulumi/pulumi the SDK is compiled against: the code gen-sdk emits needs a recent one (e.g.
# runtime.existsResource), and the schema's `^3.0.0` lets npm settle for an older copy.
PULUMI_NODEJS_SDK_VERSION="${PULUMI_NODEJS_SDK_VERSION:-3.270.0}"
VERSION="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$SCHEMA")"

log() { printf '[build-sdks] %s\n' "$*" >&2; }

build_nodejs() {
  local sdk="$REPO_ROOT/sdk/nodejs"
  log "building $sdk (version $VERSION)"
  (
    cd "$sdk"
    npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2
    npm install --no-audit --no-fund --no-package-lock --no-save --loglevel=error \
      "@pulumi/pulumi@$PULUMI_NODEJS_SDK_VERSION" >&2
    rm -rf bin
    npx --no-install tsc >&2
    # The SDK reads its own package.json at run time to tell the engine which provider version it needs.
    sed -e "s/\${VERSION}/$VERSION/g" package.json >bin/package.json
    cp README.md bin/README.md
  )
}

build_python() {
  local python="$1" staging
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' RETURN
  log "installing sdk/python (version $VERSION) with $python"
  cp -R "$REPO_ROOT/sdk/python/." "$staging/"
  sed -i -e "s/^VERSION = .*/VERSION = \"$VERSION\"/" "$staging/setup.py"
  "$python" -m pip install --quiet --disable-pip-version-check "$staging" >&2
}

case "${1:-}" in
  nodejs) build_nodejs ;;
  python)
    [[ -n "${2:-}" ]] || { echo "usage: $0 python PYTHON_INTERPRETER" >&2; exit 2; }
    build_python "$2"
    ;;
  *)
    echo "usage: $0 nodejs | python PYTHON_INTERPRETER" >&2
    exit 2
    ;;
esac
