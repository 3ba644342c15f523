"""Runtime files only their owner can read, whatever directory they are given.

Keycloak's H2 database holds client secrets in clear, the data dir keeps the bootstrap
admin's credentials, and logs may quote either. So data directories are 0700 and the files
in them 0600, including a directory an admin passes with `--data-dir` that already exists
(left 0755 by `mkdir`, say) and the files an earlier run left in it; server processes start with
umask 077 so the files they create (H2's, PostgreSQL's) are private from the first byte.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_DIRECTORY = 0o700
OWNER_ONLY = 0o700  # mask: group and others lose every right, the owner keeps hers (0644 -> 0600)


def private_directory(path: Path, ours: Iterable[str] = ()) -> Path:
    """Create ``path`` if needed and make it 0700; the files already in it that match the glob
    patterns ``ours`` (what the server writes there) lose their group and other rights too.
    Nothing else inside is touched: `--data-dir` may name a directory that also holds other things."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    if path.stat().st_mode & stat.S_ISVTX:
        raise ValueError(f"{path} is a shared directory (sticky bit, like /tmp): give the server a directory "
                         f"of its own, e.g. {path / 'smur-iam'}")
    os.chmod(path, PRIVATE_DIRECTORY)
    for pattern in ours:
        for found in path.glob(pattern):
            _owner_only(found)
    return path


def _owner_only(path: Path) -> None:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):  # a symlink's target, a directory: not ours to change
        return
    mode = stat.S_IMODE(st.st_mode)
    if mode & ~OWNER_ONLY:
        os.chmod(path, mode & OWNER_ONLY)


def open_private(path: Path, flags: int) -> int:
    """``os.open`` creating the file 0600, and making an existing one 0600 too."""
    fd = os.open(path, flags | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a 0600 file (never readable by others, not even for a moment)."""
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "w", encoding="utf-8") as f:
        f.write(text)
