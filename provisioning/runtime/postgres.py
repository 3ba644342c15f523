"""A local PostgreSQL server, the production database of Keycloak, for the cluster demo, tests and benchmarks.

`LocalPostgres(data_dir)` runs Debian's packaged server binaries (`apt-get install
postgresql`) on a fresh cluster in `data_dir`: loopback TCP on a free port, its Unix socket
inside the data dir, password (SCRAM) authentication over TCP as in production, durability
settings left at their defaults. It creates one role and one database, both named `keycloak`,
and hands them out as a `PostgresDatabase` for `KeycloakServer(database=...)`.

A data dir it made is started again as it is (`smur-iam demo --topology cluster --data-dir DIR`
run twice): the role's password is kept beside the cluster in a 0600 file, the saved port is
taken again when it is free (another one is written into the configuration otherwise), and
nothing is created. Any other non-empty directory is refused.

PostgreSQL refuses to run as root: as root, every server command runs as the `postgres`
system user, which owns the data dir.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import pwd
import re
import secrets
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .keycloak import free_port, port_free, tail
from .private_files import PRIVATE_UMASK, write_private
from .process import Watchdog, terminate_group

log = logging.getLogger(__name__)

PACKAGE_ROOT = Path("/usr/lib/postgresql")
TOOLS = ("initdb", "pg_ctl", "psql")
SYSTEM_USER = "postgres"
SUPERUSER = "postgres"
LOG_NAME = "postgres.log"
# What LocalPostgres made in a data dir, for the next start: database, role, password, port.
STATE_NAME = "smur-iam-postgres.json"
PORT_LINE = re.compile(r"^port = \d+$", re.MULTILINE)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class PostgresError(RuntimeError):
    """The local PostgreSQL server could not be set up, started or stopped."""


class PostgresNotFoundError(PostgresError):
    """No usable PostgreSQL server binaries on this machine."""


@dataclass(frozen=True)
class PostgresDatabase:
    host: str
    port: int
    name: str
    username: str
    password: str = field(repr=False)  # never in logs or tracebacks

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.name}"


def find_postgres_bin(root: Path = PACKAGE_ROOT) -> Path:
    """The bin dir of the newest PostgreSQL under `root` (Debian's /usr/lib/postgresql/<major>/bin)."""
    versions = sorted(
        (d for d in root.glob("*/bin") if d.parent.name.isdigit()),
        key=lambda d: int(d.parent.name), reverse=True,
    )
    if not versions:
        raise PostgresNotFoundError(
            f"PostgreSQL server binaries not found: no {root}/<version>/bin. "
            "Install them with `apt-get install postgresql`."
        )
    newest = versions[0]
    missing = [t for t in TOOLS if not os.access(newest / t, os.X_OK)]
    if missing:
        raise PostgresNotFoundError(
            f"{newest} lacks {', '.join(missing)}. Install the full server with `apt-get install postgresql`."
        )
    return newest


def _searchable_by(st: os.stat_result, uid: int, gids: set[int]) -> tuple[bool, int]:
    """Whether that user may enter the directory, and the permission bit that decides it."""
    bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid in gids else stat.S_IXOTH
    return bool(st.st_mode & bit), bit


class LocalPostgres:
    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        name: str = "keycloak",
        username: str = "keycloak",
        password: str | None = None,
        bin_dir: str | os.PathLike[str] | None = None,
    ):
        for what, value in (("database name", name), ("role name", username)):
            # Both go into SQL unquoted: keep them plain identifiers.
            if not _IDENTIFIER.fullmatch(value):
                raise ValueError(f"{what} {value!r} must match {_IDENTIFIER.pattern}")
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.name = name
        self.username = username
        self._explicit_password = password is not None
        self.password = password or secrets.token_urlsafe(18)
        self._bin_request = Path(bin_dir) if bin_dir else None
        self.bin_dir: Path | None = None
        self.port = 0
        self.postmaster_pid: int | None = None
        self.start_seconds = 0.0
        self._watchdog: Watchdog | None = None
        self._user: pwd.struct_passwd | None = None

    @property
    def database(self) -> PostgresDatabase:
        if not self.port:
            raise PostgresError("LocalPostgres is not started: no database yet")
        return PostgresDatabase("127.0.0.1", self.port, self.name, self.username, self.password)

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_NAME

    @property
    def running(self) -> bool:
        return self.postmaster_pid is not None

    def __repr__(self) -> str:
        return f"<LocalPostgres 127.0.0.1:{self.port} data_dir={self.data_dir} running={self.running}>"

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- start ----------------------------------------------------------------

    def start(self, timeout: float = 60) -> LocalPostgres:
        if self.running:
            return self
        started = time.monotonic()
        self.bin_dir = self._bin_request or find_postgres_bin()
        saved = self._prepare_data_dir()
        if saved is None:
            self._run("initdb", "-D", str(self.data_dir), f"--username={SUPERUSER}",
                      # The socket lives in the 0700 data dir, so only the server's own user reaches it.
                      "--auth-local=trust", "--auth-host=scram-sha-256",
                      "--encoding=UTF8", "--locale=C.UTF-8")
            self.port = free_port()
            self._configure()
        else:
            self._reuse(saved)
        try:
            try:
                self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_path),
                          "-w", "-t", str(int(timeout)))
            finally:
                # Read even after a failed start: a server still coming up must be stopped too.
                self.postmaster_pid = self._read_postmaster_pid()
            # pg_ctl makes the postmaster a session leader: its pid is the group to clean up.
            self._watchdog = Watchdog(self.postmaster_pid)
            atexit.register(self.stop)
            if saved is None:
                self._create_database()
            self._save_state()  # the port it runs on now, tried first at the next start
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        log.info("PostgreSQL ready on 127.0.0.1:%d (%.1fs, log %s)", self.port, self.start_seconds, self.log_path)
        return self

    def _prepare_data_dir(self) -> dict | None:
        """Make the data dir ready for the server's user; returns what a previous start saved there
        (None: the directory is new or empty, a cluster is to be made)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        saved = None
        if any(self.data_dir.iterdir()):
            saved = self._saved_state()
        os.chmod(self.data_dir, 0o700)
        if os.geteuid() != 0:
            return saved
        try:
            self._user = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresError(
                f"running as root, but there is no `{SYSTEM_USER}` system user to run PostgreSQL as "
                "(PostgreSQL refuses root); `apt-get install postgresql` creates it"
            ) from None
        if saved is None:
            os.chown(self.data_dir, self._user.pw_uid, self._user.pw_gid)
        self._open_path_for_postgres()
        return saved

    def _saved_state(self) -> dict:
        """What a previous start saved in this non-empty data dir; PostgresError if it is not ours."""
        state_file = self.data_dir / STATE_NAME
        try:
            saved = json.loads(state_file.read_text())
            if not isinstance(saved, dict) or not (self.data_dir / "PG_VERSION").is_file():
                raise ValueError("not a saved state, or no cluster beside it")
            wanted = {"name": self.name, "username": self.username}
            if {k: saved.get(k) for k in wanted} != wanted or not isinstance(saved.get("password"), str):
                raise PostgresError(
                    f"{self.data_dir} holds database {saved.get('name')!r} of role {saved.get('username')!r}, "
                    f"not {self.name!r} of {self.username!r}")
        except (OSError, ValueError):
            raise PostgresError(f"{self.data_dir} is not empty and not a cluster LocalPostgres made "
                                f"(no readable {STATE_NAME}): give an empty or new directory") from None
        if self._explicit_password and saved["password"] != self.password:
            raise PostgresError(f"the cluster in {self.data_dir} was made with another password for role "
                                f"{self.username}; start it without one to use its own")
        return saved

    def _reuse(self, saved: dict) -> None:
        """Start a cluster made before: its password, its port again when free, nothing to create."""
        self.password = saved["password"]
        port = saved.get("port")
        self.port = port if isinstance(port, int) and port_free(port) else free_port()
        conf = self.data_dir / "postgresql.conf"
        text = conf.read_text()
        if not PORT_LINE.search(text):
            raise PostgresError(f"{conf} has no `port = N` line of LocalPostgres: the cluster was changed by hand")
        # The last one is ours (appended by _configure); PostgreSQL takes the last setting of a name.
        *_, last = PORT_LINE.finditer(text)
        conf.write_text(text[:last.start()] + f"port = {self.port}" + text[last.end():])
        log.info("PostgreSQL: starting the cluster in %s again on port %d", self.data_dir, self.port)

    def _save_state(self) -> None:
        state = {"name": self.name, "username": self.username, "password": self.password, "port": self.port}
        write_private(self.data_dir / STATE_NAME, json.dumps(state, indent=2))

    def _open_path_for_postgres(self) -> None:
        # The server's user must be able to walk down to its data dir, and temporary dirs of
        # root are often 0700: grant search only (x, not listing) where it is missing.
        assert self._user is not None
        gids = set(os.getgrouplist(self._user.pw_name, self._user.pw_gid))
        for parent in reversed(self.data_dir.parents):
            st = parent.stat()
            ok, bit = _searchable_by(st, self._user.pw_uid, gids)
            if not ok:
                log.info("letting user %s enter %s (search permission only)", SYSTEM_USER, parent)
                os.chmod(parent, stat.S_IMODE(st.st_mode) | bit)

    def _configure(self) -> None:
        socket_dir = str(self.data_dir).replace("'", "''")
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            # Everything else keeps initdb's defaults (fsync, synchronous_commit, ...):
            # the benchmark must measure a production-like server.
            conf.write(
                "\n# LocalPostgres: loopback only, socket inside the data dir\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{socket_dir}'\n"
            )

    def _create_database(self) -> None:
        password = self.password.replace("'", "''")
        # Through stdin, so the password never shows on a command line.
        sql = (f"CREATE ROLE {self.username} LOGIN PASSWORD '{password}';\n"
               f"CREATE DATABASE {self.name} OWNER {self.username};\n")
        self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.data_dir),
                  "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres", stdin=sql)

    # -- plumbing ---------------------------------------------------------------

    def _read_postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _run(self, tool: str, *args: str, stdin: str | None = None, timeout: float = 120) -> None:
        assert self.bin_dir is not None
        cmd = [str(self.bin_dir / tool), *args]
        if self._user is not None:
            cmd = ["runuser", "-u", self._user.pw_name, "--", *cmd]
        # PG* variables of the caller (PGHOST, PGPORT, PGDATA...) would redirect the tools.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        # umask 077: the cluster and the server log (pg_ctl -l) are private to the server's user.
        result = subprocess.run(cmd, input=stdin, env=env, cwd=self.data_dir, capture_output=True, check=False,
                                text=True, timeout=timeout, umask=PRIVATE_UMASK)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            server_log = tail(self.log_path)
            raise PostgresError(
                f"`{' '.join(cmd)}` failed with exit code {result.returncode}"
                + (f":\n{output}" if output else "")
                + (f"\n--- server log {self.log_path} ---\n{server_log}" if server_log else "")
            )

    def restart(self, timeout: float = 60) -> float:
        """Stop the server (fast: every session cut, as a failover or a package upgrade does) and
        start it again on the same data dir and port; returns the seconds it was away."""
        if self.postmaster_pid is None:
            raise PostgresError("LocalPostgres is not started: nothing to restart")
        started = time.monotonic()
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", str(int(timeout)))
        try:
            self._run("pg_ctl", "start", "-D", str(self.data_dir), "-l", str(self.log_path),
                      "-w", "-t", str(int(timeout)))
        finally:
            # A new postmaster: the watchdog follows its process group.
            self.postmaster_pid = self._read_postmaster_pid()
            if self._watchdog is not None:
                self._watchdog.disarm()
            self._watchdog = Watchdog(self.postmaster_pid) if self.postmaster_pid else None
        return time.monotonic() - started

    # -- stop -------------------------------------------------------------------

    def stop(self) -> None:
        """Fast shutdown (sessions cut, checkpoint written); safe to call any number of times."""
        pid, self.postmaster_pid = self.postmaster_pid, None
        if pid is not None:
            atexit.unregister(self.stop)
            try:
                self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60")
            except (PostgresError, subprocess.TimeoutExpired) as err:
                log.warning("pg_ctl stop failed, killing the server: %s", err)
                terminate_group(pid, timeout=10)
        if self._watchdog is not None:
            self._watchdog.disarm()
            self._watchdog = None
