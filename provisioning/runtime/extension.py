"""Build the PSC mapper extension (`mappers/psc-extension`) into a Keycloak provider JAR.

`psc_extension_jar()` runs `mvn -B -q package` (which also runs the module's JUnit tests, so
a JAR is never produced from a tree whose tests fail) with the JDK `java.py` chooses for
Keycloak, into the module's own `target/`. A fingerprint of `pom.xml` and `src/**` (plus the
JDK's major version) is stored beside the JAR: while it matches, the JAR is reused and Maven
is not even started. The POM pins the JAR's timestamps, so a rebuild of unchanged sources
gives the same bytes and Keycloak's optimized build (keyed on the JAR's hash) is not redone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .filelock import file_lock
from .java import JavaRuntime, resolve_java

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODULE_DIR = REPO_ROOT / "mappers" / "psc-extension"
STAMP_NAME = ".smur-iam-sources.json"
LOCK_NAME = ".smur-iam-build.lock"
OUTPUT_TAIL_LINES = 60
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


class ExtensionBuildError(RuntimeError):
    """Maven is missing or the module did not build; the message says what Maven said."""


@dataclass(frozen=True)
class ExtensionJar:
    path: Path
    rebuilt: bool  # False: reused from an earlier build of the same sources
    seconds: float


def source_fingerprint(module_dir: Path, java_major: int) -> str:
    """sha256 over the POM and every file under src/ (path and content), plus the JDK major."""
    digest = hashlib.sha256(f"java={java_major}\n".encode())
    files = [module_dir / "pom.xml", *sorted(p for p in (module_dir / "src").rglob("*") if p.is_file())]
    for path in files:
        digest.update(path.relative_to(module_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def jar_path(module_dir: Path) -> Path:
    """`target/<artifactId>-<version>.jar`, read from the POM."""
    pom = module_dir / "pom.xml"
    try:
        root = ET.parse(pom).getroot()
    except (OSError, ET.ParseError) as exc:
        raise ExtensionBuildError(f"{pom}: cannot read the POM: {exc}") from exc
    artifact = root.findtext("m:artifactId", namespaces=_POM_NS)
    version = root.findtext("m:version", namespaces=_POM_NS)
    if not artifact or not version:
        raise ExtensionBuildError(f"{pom}: <artifactId> and <version> are required at the top level")
    return module_dir / "target" / f"{artifact}-{version}.jar"


def maven_env(java: JavaRuntime) -> dict[str, str]:
    env = dict(os.environ)
    env["JAVA_HOME"] = str(java.home)
    if java.major >= 24:
        # Maven's bundled Guava uses sun.misc.Unsafe; JDK 24+ warns on every run otherwise.
        env["MAVEN_OPTS"] = (env.get("MAVEN_OPTS", "") + " --sun-misc-unsafe-memory-access=allow").strip()
    return env


def run_maven(module_dir: Path, goals: list[str], java: JavaRuntime, timeout: float = 900) -> subprocess.CompletedProcess:
    """`mvn -B -q <goals>` in the module with the chosen JDK; ExtensionBuildError if Maven is absent."""
    mvn = shutil.which("mvn")
    if not mvn:
        raise ExtensionBuildError(
            "Maven (`mvn`) is not on PATH: it builds the PSC mapper extension "
            f"({module_dir}). Install Maven 3.8 or newer.")
    cmd = [mvn, "-B", "-q", *goals]
    try:
        return subprocess.run(cmd, cwd=module_dir, env=maven_env(java), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ExtensionBuildError(f"`{' '.join(cmd)}` in {module_dir} timed out after {timeout:.0f}s") from exc


def run_unit_tests(java: JavaRuntime | str | os.PathLike[str] | None = None,
                   module_dir: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess:
    """`mvn -B -q test` in the module (under the build lock); the caller reads the result."""
    module_dir = Path(module_dir) if module_dir else DEFAULT_MODULE_DIR
    java = resolve_java(java)
    with file_lock(jar_path(module_dir).parent / LOCK_NAME):
        return run_maven(module_dir, ["test"], java)


def psc_extension_jar(java: JavaRuntime | str | os.PathLike[str] | None = None,
                      module_dir: str | os.PathLike[str] | None = None) -> ExtensionJar:
    """The PSC mapper JAR, built now only if its sources changed since the last build."""
    module_dir = Path(module_dir) if module_dir else DEFAULT_MODULE_DIR
    if not (module_dir / "pom.xml").is_file():
        raise ExtensionBuildError(f"No Maven module at {module_dir} (expected {module_dir / 'pom.xml'})")
    java = resolve_java(java)
    jar = jar_path(module_dir)
    stamp = jar.parent / STAMP_NAME
    # One build at a time per module (the demo and a test session may start together).
    with file_lock(jar.parent / LOCK_NAME):
        wanted = source_fingerprint(module_dir, java.major)
        if jar.is_file() and _read_stamp(stamp) == {"sources": wanted, "jar": jar.name}:
            return ExtensionJar(jar, rebuilt=False, seconds=0.0)
        stamp.unlink(missing_ok=True)  # a failed build must not look current
        print(f"[smur-iam] building the PSC mapper extension with Maven ({java.describe()})…",
              file=sys.stderr, flush=True)
        started = time.monotonic()
        result = run_maven(module_dir, ["package"], java)
        seconds = time.monotonic() - started
        if result.returncode != 0 or not jar.is_file():
            output = (result.stdout + result.stderr).strip().splitlines()
            tail = "\n".join(line for line in output[-OUTPUT_TAIL_LINES:] if line.strip())
            raise ExtensionBuildError(
                f"Building the PSC mapper extension failed (`mvn -B -q package` in {module_dir}, "
                f"exit {result.returncode}). Reproduce with: cd {module_dir} && JAVA_HOME={java.home} "
                f"mvn -B package\n{tail}")
        stamp.write_text(json.dumps({"sources": wanted, "jar": jar.name}))
        print(f"[smur-iam] built {jar.name} in {seconds:.1f}s", file=sys.stderr, flush=True)
        return ExtensionJar(jar, rebuilt=True, seconds=seconds)


def _read_stamp(stamp: Path) -> dict | None:
    try:
        return json.loads(stamp.read_text())
    except (OSError, ValueError):
        return None
