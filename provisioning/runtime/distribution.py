"""Fetch and unpack the Keycloak server distribution into a user cache.

The zip comes from the Maven artifact `org.keycloak:keycloak-quarkus-dist`,
downloaded with the `mvn` client so that whatever repository/mirror/proxy the
machine's Maven is configured with applies (no host name lives in this code).
Both the zip and the unpacked tree live outside git, in `$SMUR_IAM_CACHE` or
`~/.cache/smur-iam`, and are reused across runs.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .filelock import file_lock

DEFAULT_VERSION = "26.7.3"
CACHE_ENV = "SMUR_IAM_CACHE"


class DistributionError(RuntimeError):
    """The distribution could not be downloaded or unpacked."""


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "smur-iam"


def _progress(message: str) -> None:
    print(f"[smur-iam] {message}", file=sys.stderr, flush=True)


class KeycloakDistribution:
    """One unpacked Keycloak tree in the cache. ``variant`` names a tree of its own for another
    optimized build (e.g. "postgres"): `kc.sh build` rewrites its tree, so two builds sharing one
    would rebuild at every switch, under the feet of a server still running from it."""

    def __init__(self, version: str = DEFAULT_VERSION, cache_dir: str | os.PathLike[str] | None = None,
                 variant: str = ""):
        self.version = version
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.variant = variant

    def __repr__(self) -> str:
        return (f"KeycloakDistribution(version={self.version!r}, cache_dir={str(self.cache_dir)!r}"
                + (f", variant={self.variant!r})" if self.variant else ")"))

    def with_variant(self, variant: str) -> "KeycloakDistribution":
        """The same version and cache, unpacked into the tree of ``variant``."""
        return KeycloakDistribution(self.version, self.cache_dir, variant)

    @property
    def artifact(self) -> str:
        return f"org.keycloak:keycloak-quarkus-dist:{self.version}:zip"

    @property
    def zip_path(self) -> Path:
        return self.cache_dir / "downloads" / f"keycloak-quarkus-dist-{self.version}.zip"

    @property
    def home(self) -> Path:
        return self.cache_dir / (f"keycloak-{self.version}-{self.variant}" if self.variant else
                                 f"keycloak-{self.version}")

    @property
    def kc_sh(self) -> Path:
        return self.home / "bin" / "kc.sh"

    def is_unpacked(self) -> bool:
        # The tree only ever appears through an atomic rename, so presence of
        # the final directory with its launcher means it is complete.
        return self.kc_sh.is_file()

    def ensure(self) -> Path:
        """Download (if needed) and unpack (if needed); return the Keycloak home."""
        if self.is_unpacked():
            return self.home
        with file_lock(self.cache_dir / f".{self.home.name}.lock"):
            if self.is_unpacked():  # another process finished while we waited
                return self.home
            if not self._zip_is_valid():
                self._download()
            self._unpack()
        return self.home

    # -- download -----------------------------------------------------------

    def _zip_is_valid(self) -> bool:
        # Cheap check (central directory only): a truncated download has none.
        if not self.zip_path.is_file():
            return False
        try:
            with zipfile.ZipFile(self.zip_path) as zf:
                return f"keycloak-{self.version}/bin/kc.sh" in zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return False

    def _download(self) -> None:
        mvn = shutil.which("mvn")
        if not mvn:
            raise DistributionError(
                f"Maven (`mvn`) is not on PATH, so the Keycloak distribution "
                f"{self.artifact} cannot be downloaded. Install Maven, or place the zip at "
                f"{self.zip_path} yourself."
            )
        downloads = self.zip_path.parent
        downloads.mkdir(parents=True, exist_ok=True)
        _progress(f"downloading {self.artifact} with Maven…")
        started = time.monotonic()
        # Download into a private temp dir, then rename: a killed download
        # never leaves a partial zip under the final name.
        with tempfile.TemporaryDirectory(prefix=".download-", dir=downloads) as tmp:
            cmd = [
                mvn, "-B", "-q", "dependency:copy",
                f"-Dartifact={self.artifact}",
                f"-DoutputDirectory={tmp}",
            ]
            try:
                result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
            except subprocess.TimeoutExpired as exc:
                raise DistributionError(f"Downloading {self.artifact} with Maven timed out.") from exc
            fetched = Path(tmp) / self.zip_path.name
            if result.returncode != 0 or not fetched.is_file():
                tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-30:])
                raise DistributionError(
                    f"Maven could not download {self.artifact} (exit {result.returncode}). "
                    f"Command: {' '.join(cmd)}\n{tail}"
                )
            os.replace(fetched, self.zip_path)
        if not self._zip_is_valid():
            raise DistributionError(f"Downloaded {self.zip_path} is not a valid Keycloak {self.version} zip.")
        _progress(
            f"downloaded {self.zip_path.name} "
            f"({self.zip_path.stat().st_size // (1024 * 1024)} MB) in {time.monotonic() - started:.1f}s"
        )

    # -- unpack -------------------------------------------------------------

    def _unpack(self) -> None:
        _progress(f"unpacking {self.zip_path.name} into {self.home}…")
        started = time.monotonic()
        # Leftovers of an unpack that was interrupted earlier (we hold the lock,
        # so nobody else is using them).
        for stale in self.cache_dir.glob(f".unpack-{self.home.name}.*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".unpack-{self.home.name}.", dir=self.cache_dir))
        try:
            with zipfile.ZipFile(self.zip_path) as zf:
                for info in zf.infolist():
                    target = Path(zf.extract(info, tmp))
                    # zipfile drops Unix modes; kc.sh & co. must stay executable.
                    mode = (info.external_attr >> 16) & 0o7777
                    if mode and not info.is_dir():
                        os.chmod(target, mode | stat.S_IRUSR | stat.S_IWUSR)
            unpacked = tmp / f"keycloak-{self.version}"
            if not (unpacked / "bin" / "kc.sh").is_file():
                raise DistributionError(f"{self.zip_path} has no keycloak-{self.version}/bin/kc.sh")
            os.chmod(unpacked / "bin" / "kc.sh", 0o755)
            # The rename is the commit point: the final path either does not
            # exist or is a complete tree.
            os.rename(unpacked, self.home)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _progress(f"unpacked Keycloak {self.version} in {time.monotonic() - started:.1f}s")
