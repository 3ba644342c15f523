"""The PSC mapper extension as `make test` builds it: its JUnit tests, the JAR cache, Maven errors.

The Java unit tests run here (through Maven Surefire) so that `make test` covers them; the
other tests build copies of the module in a temporary directory, never the shared target/.
"""
from __future__ import annotations

import hashlib
import shutil
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from provisioning.runtime.extension import (
    DEFAULT_MODULE_DIR,
    ExtensionBuildError,
    psc_extension_jar,
    run_unit_tests,
    source_fingerprint,
)

MAPPER_CLASS = "fr/smuriam/psc/PscProfileMapper.class"
SERVICE_FILE = "META-INF/services/org.keycloak.broker.provider.IdentityProviderMapper"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_module(tmp_path: Path) -> Path:
    target = tmp_path / "psc-extension"
    shutil.copytree(DEFAULT_MODULE_DIR, target, ignore=shutil.ignore_patterns("target"))
    return target


def surefire_totals(reports: Path, since: float) -> dict[str, int]:
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in reports.glob("TEST-*.xml"):
        if report.stat().st_mtime < since:
            continue  # left over from an earlier run of a test class that no longer exists
        suite = ET.parse(report).getroot()
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    return totals


@pytest.mark.keycloak  # Maven builds and tests our Keycloak extension (a JVM, ~15 s)
def test_java_unit_tests_pass():
    started = time.time() - 1
    result = run_unit_tests()
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"mvn -B -q test failed:\n{output[-6000:]}"
    totals = surefire_totals(DEFAULT_MODULE_DIR / "target" / "surefire-reports", started)
    print(f"\n[psc-extension] Surefire: {totals['tests']} tests, {totals['failures']} failures, "
          f"{totals['errors']} errors, {totals['skipped']} skipped")
    assert totals["tests"] >= 40, f"too few JUnit tests ran: {totals}"
    assert totals["failures"] == totals["errors"] == totals["skipped"] == 0, totals


@pytest.mark.keycloak  # two Maven builds of the extension
def test_jar_is_reused_until_a_source_changes_and_is_reproducible(tmp_path):
    module = copy_module(tmp_path)
    first = psc_extension_jar(module_dir=module)
    assert first.rebuilt and first.path.is_file()
    with zipfile.ZipFile(first.path) as jar:
        names = set(jar.namelist())
        assert MAPPER_CLASS in names
        assert jar.read(SERVICE_FILE).decode().strip() == "fr.smuriam.psc.PscProfileMapper"
    built_at = first.path.stat().st_mtime_ns

    again = psc_extension_jar(module_dir=module)
    assert not again.rebuilt and again.seconds == 0.0
    assert again.path.stat().st_mtime_ns == built_at, "an unchanged module is not rebuilt"

    # Same sources, same bytes: Keycloak's optimized build (keyed on the JAR hash) is kept.
    assert sha256(first.path) == sha256(psc_extension_jar().path)

    source = module / "src" / "main" / "java" / "fr" / "smuriam" / "psc" / "RoleTable.java"
    source.write_text(source.read_text() + "\n// touched by a test\n")
    changed = psc_extension_jar(module_dir=module)
    assert changed.rebuilt, "a source change must trigger a rebuild"


def test_fingerprint_covers_pom_sources_tests_and_jdk(tmp_path):
    module = copy_module(tmp_path)
    base = source_fingerprint(module, 25)
    assert source_fingerprint(module, 25) == base
    assert source_fingerprint(module, 21) != base
    fixture = module / "src" / "test" / "resources" / "psc" / "two-exercices.json"
    fixture.write_text(fixture.read_text().replace("SOPHIE", "SOFIE"))
    changed = source_fingerprint(module, 25)
    assert changed != base
    (module / "target").mkdir()
    (module / "target" / "junk.txt").write_text("build output is not a source")
    assert source_fingerprint(module, 25) == changed
    (module / "pom.xml").write_text((module / "pom.xml").read_text() + "\n<!-- -->\n")
    assert source_fingerprint(module, 25) != changed


@pytest.mark.keycloak  # a Maven build of the extension
def test_a_compile_error_is_a_clear_error_and_leaves_no_usable_jar(tmp_path):
    module = copy_module(tmp_path)
    broken = module / "src" / "main" / "java" / "fr" / "smuriam" / "psc" / "NationalId.java"
    broken.write_text(broken.read_text().replace("public record NationalId(", "public record NationalId(int oops "))
    with pytest.raises(ExtensionBuildError) as failed:
        psc_extension_jar(module_dir=module)
    message = str(failed.value)
    assert "mvn -B -q package" in message and str(module) in message
    assert "NationalId.java" in message, message
    with pytest.raises(ExtensionBuildError):
        psc_extension_jar(module_dir=module)  # still failing: nothing stale is reused


def test_a_missing_module_is_a_clear_error(tmp_path):
    with pytest.raises(ExtensionBuildError, match="No Maven module at"):
        psc_extension_jar(module_dir=tmp_path)
