"""The generated SDKs: up to date with the schema, and a drop-in for the npm package's README."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO

DROPIN = REPO / "tests" / "e2e" / "dropin"
# Build output and installed dependencies live beside the generated sources but are not generated.
NOT_GENERATED = {"node_modules", "bin", "__pycache__", "build", "dist"}


def _generated_files(root: Path) -> set[str]:
    files = set()
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in NOT_GENERATED and not d.endswith(".egg-info")]
        files.update(str((Path(directory) / n).relative_to(root)) for n in names)
    return files


def test_checked_in_sdks_match_the_schema(tmp_path):
    fresh = tmp_path / "sdk"
    subprocess.run([str(REPO / "scripts" / "pulumi" / "gen-sdk.sh"), str(fresh)], check=True, capture_output=True)

    checked_in, regenerated = _generated_files(REPO / "sdk"), _generated_files(fresh)
    differing = sorted(
        name
        for name in checked_in & regenerated
        if not filecmp.cmp(REPO / "sdk" / name, fresh / name, shallow=False)
    )
    stale = {
        "only in sdk/": sorted(checked_in - regenerated),
        "missing from sdk/": sorted(regenerated - checked_in),
        "different": differing,
    }
    assert not any(stale.values()), f"sdk/ is stale versus crates/provider/schema.json; run scripts/pulumi/gen-sdk.sh: {stale}"


def _tsc(project_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["npx", "--no-install", "tsc", "-p", str(project_dir)],
        cwd=DROPIN,
        capture_output=True,
        text=True,
    )


def test_readme_example_of_the_npm_package_typechecks_against_the_sdk():
    checked = _tsc(DROPIN)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_typecheck_rejects_a_misspelt_argument(tmp_path):
    # Proves the check above can fail: the same program with one argument misspelt must not compile.
    (tmp_path / "node_modules").symlink_to(DROPIN / "node_modules")
    shutil.copy(DROPIN / "tsconfig.json", tmp_path / "tsconfig.json")
    source = (DROPIN / "readme_example.ts").read_text()
    assert "    clusterName: cluster.name," in source
    (tmp_path / "readme_example.ts").write_text(source.replace("    clusterName: cluster.name,", "    clusterNme: cluster.name,"))

    checked = _tsc(tmp_path)

    assert checked.returncode != 0
    assert "clusterNme" in checked.stdout + checked.stderr
