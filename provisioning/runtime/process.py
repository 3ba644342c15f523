"""Process-group plumbing for a server we must never leak.

kc.sh forks the JVM instead of exec'ing it, so the unit we manage is the
process *group* (kc.sh is started as the leader of a new session). Three
helpers live here:

* inspection of a group through /proc (who is in it, is it a Keycloak JVM);
* terminate-then-kill of a whole group;
* a watchdog: a tiny separate Python process that kills the group when the
  parent disappears, even on SIGKILL, where atexit never runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# Main class every Keycloak (Quarkus) JVM is launched with by kc.sh.
KEYCLOAK_MAIN_CLASS = "io.quarkus.bootstrap.runner.QuarkusEntryPoint"


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    pgid: int
    state: str
    cmdline: list[str]

    @property
    def is_keycloak_jvm(self) -> bool:
        return any(KEYCLOAK_MAIN_CLASS in arg for arg in self.cmdline)


def _read_proc(pid: int) -> ProcInfo | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) may contain spaces/parens: parse after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return ProcInfo(
        pid=pid,
        pgid=int(fields[2]),
        state=fields[0],
        cmdline=[a.decode(errors="replace") for a in raw.split(b"\0") if a],
    )


def _check_pgid(pgid: int) -> None:
    # killpg(0) would hit our own group and 1 is init: never valid targets.
    if pgid <= 1:
        raise ValueError(f"refusing to act on process group {pgid}")


def group_members(pgid: int, include_zombies: bool = False) -> list[ProcInfo]:
    """Live processes whose process group is `pgid` (zombies are already dead)."""
    _check_pgid(pgid)
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        info = _read_proc(int(entry.name))
        if info and info.pgid == pgid and (include_zombies or info.state != "Z"):
            members.append(info)
    return members


def pid_alive(pid: int) -> bool:
    info = _read_proc(pid)
    return info is not None and info.state != "Z"


def terminate_group(pgid: int, timeout: float = 30.0) -> bool:
    """SIGTERM the group, wait up to `timeout`, then SIGKILL what is left.

    Returns True if the group had to be SIGKILLed.
    """
    _check_pgid(pgid)
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not group_members(pgid):
            return False
        time.sleep(0.2)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


def kill_group(pgid: int, timeout: float = 10.0) -> None:
    """SIGKILL the group at once, as a crash or the kernel's OOM killer would (no shutdown hook
    runs), and wait until it is gone."""
    _check_pgid(pgid)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)


# Runs as `python -c`: holds the read end of a pipe whose write end only the
# parent has. EOF means the parent is gone (exit, crash or SIGKILL) -> kill the
# group. It also exits by itself once the group is gone, so it never outlives
# its server long enough to hit a recycled group id.
_WATCHDOG_CODE = r"""
import os, select, signal, sys, time
fd, pgid, grace = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
signal.signal(signal.SIGINT, signal.SIG_IGN)
def alive():
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
while True:
    ready, _, _ = select.select([fd], [], [], 1.0)
    if ready:
        if not os.read(fd, 64):
            break
    elif not alive():
        sys.exit(0)
try:
    os.killpg(pgid, signal.SIGTERM)
except ProcessLookupError:
    sys.exit(0)
deadline = time.monotonic() + grace
while time.monotonic() < deadline:
    if not alive():
        sys.exit(0)
    time.sleep(0.2)
try:
    os.killpg(pgid, signal.SIGKILL)
except ProcessLookupError:
    pass
"""


class Watchdog:
    """Kills process group `pgid` if this Python process dies."""

    def __init__(self, pgid: int, grace: float = 20.0):
        _check_pgid(pgid)
        self.pgid = pgid
        read_fd, self._write_fd = os.pipe()  # both non-inheritable by default
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG_CODE, str(read_fd), str(pgid), str(grace)],
                pass_fds=(read_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # Own session: a Ctrl-C aimed at the terminal's group must not
                # kill the watchdog before the parent has cleaned up.
                start_new_session=True,
            )
        except BaseException:
            os.close(self._write_fd)
            raise
        finally:
            os.close(read_fd)

    def disarm(self) -> None:
        """Normal shutdown: the group is already stopped, so retire the watchdog
        without letting it signal a group id that may be reused later."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self._write_fd >= 0:
            os.close(self._write_fd)
            self._write_fd = -1
