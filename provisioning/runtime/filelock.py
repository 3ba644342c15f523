"""A blocking, process-wide exclusive lock on a file (fcntl.flock).

The Keycloak home in the cache is shared by every server on the machine (tests,
demo); unpacking it or running `kc.sh build` in two processes at once would
corrupt it, so those steps run under this lock. flock locks vanish with the
process, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class LockTimeout(TimeoutError):
    pass


@contextmanager
def file_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(f"Timed out after {timeout}s waiting for lock {path}") from None
                    time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
