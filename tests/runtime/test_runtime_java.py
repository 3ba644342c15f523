"""JDK selection, with fake JDK homes (no JVM is started)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from provisioning.runtime.java import (
    JavaNotFoundError,
    find_java,
    probe_java_home,
    resolve_java,
)


def fake_jdk(root: Path, version: str, release_file: bool = True) -> Path:
    """A directory that looks like a JDK of `version`.

    bin/java is a shell script printing what `java -version` prints, so the
    fallback path (no `release` file) is exercised too.
    """
    home = root / f"jdk-{version}"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f'#!/bin/sh\necho \'openjdk version "{version}" 2025-01-01\' >&2\n')
    java.chmod(0o755)
    if release_file:
        (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{version}"\n')
    return home


def no_java(_name):
    return None


def test_java_home_wins(tmp_path):
    home = fake_jdk(tmp_path, "21.0.4")
    temurin = fake_jdk(tmp_path, "25.0.3")
    chosen = find_java(env={"JAVA_HOME": str(home)}, temurin_home=temurin, which=no_java)
    assert (chosen.home, chosen.major, chosen.source) == (home, 21, "JAVA_HOME")
    assert chosen.java == home / "bin" / "java"


def test_java_home_without_java_is_a_clear_error(tmp_path):
    with pytest.raises(JavaNotFoundError, match="JAVA_HOME=.*not a usable JDK"):
        find_java(env={"JAVA_HOME": str(tmp_path / "nothing")}, temurin_home=None, which=no_java)


def test_java_home_too_old_is_an_error(tmp_path):
    home = fake_jdk(tmp_path, "11.0.2")
    with pytest.raises(JavaNotFoundError, match="Java 11.0.2.*17 or newer"):
        find_java(env={"JAVA_HOME": str(home)}, temurin_home=None, which=no_java)


def test_java_home_17_is_accepted_with_warning(tmp_path, caplog, capsys):
    home = fake_jdk(tmp_path, "17.0.15")
    with caplog.at_level(logging.WARNING):
        chosen = find_java(env={"JAVA_HOME": str(home)}, temurin_home=None, which=no_java)
    assert chosen.major == 17
    assert "deprecated" in capsys.readouterr().err
    assert "deprecated" in caplog.text


def test_temurin_when_no_java_home(tmp_path):
    temurin = fake_jdk(tmp_path, "25.0.3")
    path_jdk = fake_jdk(tmp_path, "17.0.15")
    chosen = find_java(env={}, temurin_home=temurin, which=lambda _: str(path_jdk / "bin" / "java"))
    assert (chosen.home, chosen.major, chosen.source) == (temurin, 25, "temurin-25")


def test_path_java_17_warns_loudly(tmp_path, caplog, capsys):
    jdk = fake_jdk(tmp_path, "17.0.15")
    # /usr/bin/java -> .../jdk/bin/java: the home is found through the symlink.
    link_dir = tmp_path / "usr-bin"
    link_dir.mkdir()
    (link_dir / "java").symlink_to(jdk / "bin" / "java")
    with caplog.at_level(logging.WARNING):
        chosen = find_java(env={}, temurin_home=tmp_path / "absent", which=lambda _: str(link_dir / "java"))
    assert (chosen.home, chosen.major, chosen.source) == (jdk, 17, "PATH")
    err = capsys.readouterr().err
    assert "WARNING" in err and "Java 21 or 25" in err and "deprecated" in err
    assert "deprecated" in caplog.text


def test_path_java_21_no_warning(tmp_path, capsys):
    jdk = fake_jdk(tmp_path, "21.0.4", release_file=False)  # version from `java -version`
    chosen = find_java(env={}, temurin_home=None, which=lambda _: str(jdk / "bin" / "java"))
    assert (chosen.major, chosen.source) == (21, "PATH")
    assert capsys.readouterr().err == ""


def test_path_java_too_old(tmp_path):
    jdk = fake_jdk(tmp_path, "1.8.0_392", release_file=False)
    with pytest.raises(JavaNotFoundError, match="Java 1.8.0_392.*Install a JDK 21 or 25"):
        find_java(env={}, temurin_home=None, which=lambda _: str(jdk / "bin" / "java"))


def test_nothing_found_says_what_to_install(tmp_path):
    with pytest.raises(JavaNotFoundError, match="No Java found.*Install a JDK 21 or 25"):
        find_java(env={}, temurin_home=tmp_path / "absent", which=no_java)


def test_probe_reads_release_file_without_running_java(tmp_path):
    home = fake_jdk(tmp_path, "25.0.3")
    (home / "bin" / "java").write_text("#!/bin/sh\nexit 1\n")  # would fail if run
    assert probe_java_home(home) == (25, "25.0.3")


def test_resolve_java_accepts_a_home_path(tmp_path):
    home = fake_jdk(tmp_path, "21.0.4")
    assert resolve_java(str(home)).major == 21
    assert resolve_java(resolve_java(home)).home == home


def test_real_machine_default_is_usable():
    # Whatever this machine has, the choice must be a runnable JDK >= 17.
    chosen = find_java()
    assert chosen.major >= 17 and os.access(chosen.java, os.X_OK)
