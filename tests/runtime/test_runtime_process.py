"""Process-group plumbing, watchdog and stale-server cleanup, with stand-in
processes instead of a JVM (fast)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from provisioning.runtime.keycloak import KeycloakServer, KeycloakStartError
from provisioning.runtime.process import (
    KEYCLOAK_MAIN_CLASS,
    Watchdog,
    group_members,
    pid_alive,
    terminate_group,
)

REPO = Path(__file__).resolve().parents[2]
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"


def spawn_group(*extra_args: str, code: str = "import time; time.sleep(600)") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *extra_args], start_new_session=True)


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def cleanup():
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def test_terminate_group_escalates_to_sigkill(cleanup):
    p = spawn_group(code=STUBBORN)
    cleanup.append(p)
    time.sleep(0.3)  # let it install its SIGTERM handler
    assert terminate_group(p.pid, timeout=1) is True
    p.wait(timeout=5)
    assert not group_members(p.pid)


def test_refuses_own_or_init_group():
    with pytest.raises(ValueError):
        terminate_group(0)
    with pytest.raises(ValueError):
        group_members(1)


def test_watchdog_kills_group_when_parent_is_sigkilled(tmp_path):
    # A parent that starts a stubborn "server" group plus its watchdog...
    parent_code = textwrap.dedent(
        f"""
        import subprocess, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from provisioning.runtime.process import Watchdog
        p = subprocess.Popen([sys.executable, "-c", {STUBBORN!r}], start_new_session=True)
        w = Watchdog(p.pid, grace=1)
        print(p.pid, w.proc.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    server_pid, watchdog_pid = map(int, parent.stdout.readline().split())
    try:
        assert group_members(server_pid)
        # ...is killed without any chance to clean up.
        parent.kill()
        parent.wait()
        assert wait_until(lambda: not group_members(server_pid), timeout=10), "server group survived"
        assert wait_until(lambda: not pid_alive(watchdog_pid), timeout=5), "watchdog lingers"
    finally:
        for pid in (server_pid, watchdog_pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def test_watchdog_disarm_leaves_group_alone(cleanup):
    p = spawn_group()
    cleanup.append(p)
    w = Watchdog(p.pid, grace=1)
    w.disarm()
    w.disarm()  # idempotent
    time.sleep(0.3)
    assert p.poll() is None


def test_watchdog_exits_by_itself_once_group_is_gone(cleanup):
    p = spawn_group()
    cleanup.append(p)
    w = Watchdog(p.pid, grace=1)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert w.proc.wait(timeout=5) == 0
    w.disarm()


def _pid_file_server(tmp_path: Path) -> KeycloakServer:
    server = KeycloakServer(None, tmp_path / "data")
    server.data_dir.mkdir(parents=True)
    return server


def test_stale_keycloak_of_same_data_dir_is_killed(tmp_path, cleanup):
    server = _pid_file_server(tmp_path)
    # Stand-in for a JVM left by a crashed run: same main class, same database.
    stale = spawn_group(KEYCLOAK_MAIN_CLASS, f"--db-url={server.db_url}")
    cleanup.append(stale)
    (server.data_dir / "keycloak.pid").write_text(f"{stale.pid}\n")
    server.stop_stale_server()
    stale.wait(timeout=10)
    assert not group_members(stale.pid)
    assert not (server.data_dir / "keycloak.pid").exists()


def test_unrelated_process_behind_stale_pid_is_spared(tmp_path, cleanup):
    server = _pid_file_server(tmp_path)
    other_db = f"--db-url=jdbc:h2:file:{tmp_path / 'elsewhere' / 'keycloakdb'}"
    for args in ((), (KEYCLOAK_MAIN_CLASS, other_db)):  # not Keycloak / another data dir
        innocent = spawn_group(*args)
        cleanup.append(innocent)
        (server.data_dir / "keycloak.pid").write_text(f"{innocent.pid}\n")
        server.stop_stale_server()
        time.sleep(0.2)
        assert innocent.poll() is None
        assert not (server.data_dir / "keycloak.pid").exists()


def test_data_dir_of_a_live_server_is_refused(tmp_path):
    first = _pid_file_server(tmp_path)
    first.claim_data_dir()
    try:
        second = KeycloakServer(None, first.data_dir)
        with pytest.raises(KeycloakStartError, match="already used"):
            second.start()
    finally:
        first.stop()  # releases the claim
    again = KeycloakServer(None, first.data_dir)
    again.claim_data_dir()
    again.stop()
