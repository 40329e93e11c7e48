#!/usr/bin/env bash
# Turns the generated SDKs under sdk/ into installable packages, the way Pulumi providers publish theirs.
# The version is the one gen-sdk wrote from the schema (the workspace version); nothing is stamped here.
#
#   scripts/pulumi/build-sdks.sh nodejs [PACK_DIR]
#       compiles sdk/nodejs into sdk/nodejs/bin (gitignored) with a package.json whose main/types point
#       at the compiled files; with PACK_DIR also `npm pack`s it there
#       (PACK_DIR/wait-for-ecs-deploy-pulumi-<version>.tgz, for `npm install ./that.tgz`).
#   scripts/pulumi/build-sdks.sh python PYTHON
#       pip-installs sdk/python into the environment of the given interpreter, e.g. a virtualenv's bin/python.
#   scripts/pulumi/build-sdks.sh python-dist OUT_DIR [PYTHON]
#       builds the wheel and the sdist of sdk/python into OUT_DIR (`python -m build` in a private venv).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The @pulumi/pulumi the SDK is compiled against: the code gen-sdk emits needs a recent one (e.g.
# runtime.existsResource), and npm could otherwise settle for an older copy.
PULUMI_NODEJS_SDK_VERSION="${PULUMI_NODEJS_SDK_VERSION:-3.270.0}"

log() { printf '[build-sdks] %s\n' "$*" >&2; }

build_nodejs() {
  local pack_dir="${1:-}" sdk="$REPO_ROOT/sdk/nodejs"
  log "building $sdk"
  (
    cd "$sdk"
    npm install --no-audit --no-fund --no-package-lock --loglevel=error >&2
    npm install --no-audit --no-fund --no-package-lock --no-save --loglevel=error \
      "@pulumi/pulumi@$PULUMI_NODEJS_SDK_VERSION" >&2
    rm -rf bin
    npx --no-install tsc >&2
    # The package is bin/ itself (as with every Pulumi provider's npm SDK): its package.json is the
    # generated one plus the entry points, and without build scripts or dev dependencies (an installer
    # must not try to compile anything).
    node -e '
      const fs = require("fs");
      const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
      delete pkg.scripts;
      delete pkg.devDependencies;
      pkg.main = "index.js";
      pkg.types = "index.d.ts";
      pkg.files = ["**/*.js", "**/*.d.ts", "**/*.js.map", "**/*.d.ts.map", "README.md"];
      fs.writeFileSync("bin/package.json", JSON.stringify(pkg, null, 4) + "\n");
    '
    cp README.md bin/README.md
  )
  if [[ -n "$pack_dir" ]]; then
    mkdir -p "$pack_dir"
    pack_dir="$(cd "$pack_dir" && pwd)"
    (cd "$sdk/bin" && npm pack --silent --pack-destination "$pack_dir" >&2)
  fi
}

build_python() {
  local python="$1"
  log "installing sdk/python with $python"
  # A copy, so pip's build directories never land in the repository.
  local staging
  staging="$(mktemp -d)"
  cp -R "$REPO_ROOT/sdk/python/." "$staging/"
  "$python" -m pip install --quiet --disable-pip-version-check "$staging" >&2
  rm -rf "$staging"
}

build_python_dist() {
  local out_dir="$1" python="${2:-python3}" work
  mkdir -p "$out_dir"
  out_dir="$(cd "$out_dir" && pwd)"
  work="$(mktemp -d)"
  log "building the wheel and sdist of sdk/python into $out_dir"
  cp -R "$REPO_ROOT/sdk/python" "$work/src"
  "$python" -m venv "$work/venv"
  "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check build >&2
  # setuptools narrates every file; its log is shown only when the build fails.
  if ! "$work/venv/bin/python" -m build --sdist --wheel --outdir "$out_dir" "$work/src" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    log "python -m build failed"
    return 1
  fi
  rm -rf "$work"
}

case "${1:-}" in
  nodejs) build_nodejs "${2:-}" ;;
  python)
    [[ -n "${2:-}" ]] || { echo "usage: $0 python PYTHON_INTERPRETER" >&2; exit 2; }
    build_python "$2"
    ;;
  python-dist)
    [[ -n "${2:-}" ]] || { echo "usage: $0 python-dist OUT_DIR [PYTHON_INTERPRETER]" >&2; exit 2; }
    build_python_dist "$2" "${3:-python3}"
    ;;
  *)
    echo "usage: $0 nodejs [PACK_DIR] | python PYTHON_INTERPRETER | python-dist OUT_DIR [PYTHON_INTERPRETER]" >&2
    exit 2
    ;;
esac
