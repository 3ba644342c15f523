"""A copy of `realm/` away from the repository: deployment.yaml's `mapperCatalogue: ../mappers/catalogue.yaml`
points at nothing, so the catalogue installed with smur-iam is used (a warning names it), from an editable
install (this repository) as from a wheel; when there is none either, `validate` says how to fix it.
Offline: `validate` only."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.realms import REPO, all_secrets_env, run_cli

SHIPPED = "mapperCatalogue: ../mappers/catalogue.yaml"


@pytest.fixture
def moved_realm(tmp_path) -> tuple[Path, dict]:
    """realm/ copied alone to a temporary directory (no mappers/ beside it), and its environment."""
    directory = tmp_path / "elsewhere" / "realm"
    shutil.copytree(REPO / "realm", directory)
    assert SHIPPED in (directory / "deployment.yaml").read_text(encoding="utf-8")
    assert not (directory.parent / "mappers").exists()
    env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_PSC_ENVIRONMENT": "mock", **all_secrets_env(directory)}
    return directory, env


def test_a_moved_realm_directory_uses_the_repositorys_catalogue_with_a_warning(moved_realm, tmp_path):
    directory, env = moved_realm
    result = run_cli("validate", str(directory), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid (18 realm(s)" in result.stdout
    assert (f"warning: {directory}/deployment.yaml: mapperCatalogue '../mappers/catalogue.yaml' does not exist "
            f"({directory.parent}/mappers/catalogue.yaml): using the catalogue installed with smur-iam, "
            f"{REPO}/mappers/catalogue.yaml") in result.stderr, result.stderr


def catalogue_line(directory: Path) -> int:
    lines = (directory / "deployment.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith("mapperCatalogue:"))


def _built_package(tmp_path) -> Path:
    """What a wheel installs: the packages as setup.py's build step lays them out (mapper catalogue included)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / name, source)
    for package in ("provisioning", "mockpsc", "demoapp"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "mappers").mkdir()
    shutil.copy(REPO / "mappers" / "catalogue.yaml", source / "mappers")
    build = subprocess.run([sys.executable, "setup.py", "-q", "build", "--build-base", str(tmp_path / "build"),
                            "--build-lib", str(tmp_path / "lib")], cwd=source, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return tmp_path / "lib"


def _validate_with(lib: Path, directory: Path, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    code = ("import provisioning, sys; assert provisioning.__file__.startswith(sys.argv[1]), provisioning.__file__; "
            "from provisioning.cli import main; main(sys.argv[2:], prog_name='smur-iam')")
    return subprocess.run([sys.executable, "-c", code, str(lib), "validate", str(directory)],
                          env=env | {"PYTHONPATH": str(lib)}, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_a_wheel_carries_the_catalogue_and_a_moved_realm_directory_uses_it(moved_realm, tmp_path):
    directory, env = moved_realm
    lib = _built_package(tmp_path)
    packaged = lib / "provisioning" / "mapper-catalogue.yaml"
    assert packaged.read_bytes() == (REPO / "mappers" / "catalogue.yaml").read_bytes()
    result = _validate_with(lib, directory, env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"using the catalogue installed with smur-iam, {packaged}" in result.stderr, result.stderr


def test_no_catalogue_anywhere_is_an_error_saying_what_to_write(moved_realm, tmp_path):
    directory, env = moved_realm
    lib = _built_package(tmp_path)
    (lib / "provisioning" / "mapper-catalogue.yaml").unlink()
    result = _validate_with(lib, directory, env, tmp_path)
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if "mapperCatalogue" in line)
    assert line.strip() == (
        f"{directory}/deployment.yaml:{catalogue_line(directory)}:1: mapperCatalogue: mapper catalogue "
        f"'../mappers/catalogue.yaml' not found: tried {directory.parent}/mappers/catalogue.yaml and the catalogue installed with smur-iam. Copy "
        "the catalogue there, or write where it is, e.g. `mapperCatalogue: /opt/smur-iam/mappers/catalogue.yaml`; "
        "a relative path is read from the realm directory")


def test_a_catalogue_path_of_the_admins_choosing_is_never_replaced(moved_realm, tmp_path):
    """Only the shipped default falls back: a path the admin wrote and got wrong is an error."""
    directory, env = moved_realm
    deployment = directory / "deployment.yaml"
    deployment.write_text(deployment.read_text(encoding="utf-8").replace(
        SHIPPED, "mapperCatalogue: ../shared/catalogue.yaml"), encoding="utf-8")
    result = run_cli("validate", str(directory), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert (f"deployment.yaml:{catalogue_line(directory)}:1: mapperCatalogue: mapper catalogue "
            f"'../shared/catalogue.yaml' not found: tried {directory.parent}/shared/catalogue.yaml. Copy the "
            "catalogue there, or write where it is, e.g. "
            f"`mapperCatalogue: {REPO}/mappers/catalogue.yaml` (the one installed with smur-iam)") in result.stderr
    assert "using the catalogue installed" not in result.stderr
