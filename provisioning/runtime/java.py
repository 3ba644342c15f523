"""Pick the JDK that runs Keycloak.

Keycloak 26.7 recommends Java 21 or 25 (25 is supported since 26.6); 17 still
works but is deprecated. Our machines ship a default JDK 17 plus Temurin 25, so
the order is: an explicit JAVA_HOME, then Temurin 25, then whatever `java` is
on PATH (with a loud warning), else a clear error.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

log = logging.getLogger(__name__)

MINIMUM_MAJOR = 17
RECOMMENDED_MAJORS = (21, 25)
# Where the Temurin 25 package installs itself on our machines.
DEFAULT_TEMURIN_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")

INSTALL_HINT = (
    "Install a JDK 21 or 25 (e.g. the Temurin 25 package, which lands in "
    f"{DEFAULT_TEMURIN_HOME}) or point JAVA_HOME at one."
)


class JavaNotFoundError(RuntimeError):
    """No usable JDK: the message says what to install or fix."""


@dataclass(frozen=True)
class JavaRuntime:
    home: Path
    major: int
    # How it was chosen: "JAVA_HOME", "temurin-25" or "PATH" (for logs/README).
    source: str
    version: str = ""

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"

    def describe(self) -> str:
        return f"Java {self.version or self.major} from {self.home} (chosen via {self.source})"


def _parse_version(text: str) -> tuple[int, str] | None:
    # Matches both `JAVA_VERSION="25.0.3"` (release file) and
    # `openjdk version "17.0.15"` / `java version "1.8.0_392"` (java -version).
    m = re.search(r'version\s*=?\s*"([^"]+)"', text, re.IGNORECASE)
    if not m:
        return None
    full = m.group(1)
    parts = re.split(r"[.+_-]", full)
    try:
        major = int(parts[0])
        if major == 1 and len(parts) > 1:  # legacy "1.8" numbering
            major = int(parts[1])
    except ValueError:
        return None
    return major, full


def probe_java_home(home: Path) -> tuple[int, str]:
    """Return (major, full version) of the JDK at `home`.

    Reads `<home>/release` first (no JVM start needed), then falls back to
    running `bin/java -version`. Raises JavaNotFoundError if neither works.
    """
    java = home / "bin" / "java"
    if not (java.is_file() and os.access(java, os.X_OK)):
        raise JavaNotFoundError(f"{java} does not exist or is not executable.")
    release = home / "release"
    if release.is_file():
        try:
            for line in release.read_text(errors="replace").splitlines():
                if line.startswith("JAVA_VERSION="):
                    parsed = _parse_version(line)
                    if parsed:
                        return parsed
        except OSError:
            pass
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaNotFoundError(f"Could not run {java} -version: {exc}") from exc
    parsed = _parse_version(out.stderr + out.stdout)
    if not parsed:
        raise JavaNotFoundError(
            f"Could not read the version printed by {java} -version: {out.stderr.strip()!r}"
        )
    return parsed


def _warn(message: str) -> None:
    # Loud on purpose: a JDK 17 run works today but hides a deprecation.
    log.warning(message)
    print(f"WARNING: {message}", file=sys.stderr, flush=True)


def find_java(
    env: Mapping[str, str] | None = None,
    temurin_home: Path = DEFAULT_TEMURIN_HOME,
    which: Callable[[str], str | None] = shutil.which,
) -> JavaRuntime:
    """Choose the JDK for Keycloak (parameters exist so tests can fake them)."""
    env = os.environ if env is None else env

    java_home = env.get("JAVA_HOME")
    if java_home:
        # An explicit choice is never second-guessed: if it is unusable, say so.
        home = Path(java_home)
        try:
            major, full = probe_java_home(home)
        except JavaNotFoundError as exc:
            raise JavaNotFoundError(
                f"JAVA_HOME={java_home} is not a usable JDK: {exc} "
                f"Fix JAVA_HOME or unset it. {INSTALL_HINT}"
            ) from exc
        if major < MINIMUM_MAJOR:
            raise JavaNotFoundError(
                f"JAVA_HOME={java_home} is Java {full}; Keycloak needs Java "
                f"{MINIMUM_MAJOR} or newer. {INSTALL_HINT}"
            )
        if major < min(RECOMMENDED_MAJORS):
            _warn(
                f"JAVA_HOME={java_home} is Java {full}: Keycloak 26.7 expects Java 21 "
                "or 25 and Java 17 support is deprecated."
            )
        return JavaRuntime(home, major, "JAVA_HOME", full)

    if temurin_home and (Path(temurin_home) / "bin" / "java").is_file():
        try:
            major, full = probe_java_home(Path(temurin_home))
        except JavaNotFoundError as exc:
            log.debug("Temurin at %s unusable: %s", temurin_home, exc)
        else:
            if major >= MINIMUM_MAJOR:
                return JavaRuntime(Path(temurin_home), major, "temurin-25", full)

    on_path = which("java")
    if on_path:
        # /usr/bin/java is usually a chain of symlinks into the real JDK.
        home = Path(on_path).resolve().parent.parent
        try:
            major, full = probe_java_home(home)
        except JavaNotFoundError as exc:
            raise JavaNotFoundError(
                f"`java` on PATH ({on_path}) is not usable: {exc} {INSTALL_HINT}"
            ) from exc
        if major < MINIMUM_MAJOR:
            raise JavaNotFoundError(
                f"`java` on PATH ({on_path}) is Java {full}; Keycloak needs Java "
                f"{MINIMUM_MAJOR} or newer. {INSTALL_HINT}"
            )
        if major < min(RECOMMENDED_MAJORS):
            _warn(
                f"Using Java {full} from PATH ({home}): Keycloak 26.7 expects Java 21 "
                f"or 25 and Java 17 support is deprecated. {INSTALL_HINT}"
            )
        return JavaRuntime(home, major, "PATH", full)

    raise JavaNotFoundError(f"No Java found (JAVA_HOME unset, no `java` on PATH). {INSTALL_HINT}")


def resolve_java(java: "JavaRuntime | str | os.PathLike[str] | None") -> JavaRuntime:
    """Accept a JavaRuntime, a JDK home path, or None (auto-select)."""
    if java is None:
        return find_java()
    if isinstance(java, JavaRuntime):
        return java
    home = Path(java)
    major, full = probe_java_home(home)
    if major < MINIMUM_MAJOR:
        raise JavaNotFoundError(f"{home} is Java {full}; Keycloak needs {MINIMUM_MAJOR}+.")
    return JavaRuntime(home, major, "explicit", full)
