"""Run the real Keycloak server as a local process (no Docker engine needed).

Lifecycle of `KeycloakServer.start()`:

1. make sure the distribution is unpacked in the cache (`KeycloakDistribution`);
2. under a file lock on the shared home, compare a build fingerprint with the
   stamp left by the last successful `kc.sh build`, and rebuild only when it
   changed (the build costs ~20 s, a start on a built home ~15 s);
3. `kc.sh start --optimized` with runtime-only options: loopback HTTP on free
   ports and an H2 file database inside `data_dir`, so tests and the demo
   never share state (or, given a `PostgresDatabase`, that database: the
   production topology, built with `--db=postgres`);
4. poll `/health/ready` on the management port (which also serves `/metrics`).

The data dir is 0700 and the files the server writes there 0600, an existing data dir and
an earlier run's files included (private_files.py): the H2 database holds client secrets in clear.

Given `outgoing_tls` (outgoing_tls.py), the server presents a client certificate on its outgoing
HTTPS calls (PSC's token and userinfo endpoints with tls_client_auth) and trusts PSC's CA: a
0600 PKCS#12 keystore in the data dir, its password in the environment, runtime options only.

Every server runs in its own process group, is stopped by `stop()`, by
`atexit`, and, should the Python process be SIGKILLed, by a watchdog process.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import requests

from .distribution import KeycloakDistribution
from .filelock import file_lock
from .java import JavaRuntime, resolve_java
from .outgoing_tls import KEYSTORE_NAME, TRUSTED_CA_NAME, OutgoingTls
from .private_files import PRIVATE_UMASK, open_private, private_directory, write_private
from .process import Watchdog, group_members, kill_group, terminate_group

if TYPE_CHECKING:  # postgres.py imports this module
    from .postgres import PostgresDatabase

log = logging.getLogger(__name__)

# Build-time options baked into the optimized server. Anything here changes
# the fingerprint and therefore triggers one rebuild.
H2_DB_OPTION = "--db=dev-file"
POSTGRES_DB_OPTION = "--db=postgres"  # swapped in when a PostgresDatabase is given
# Metrics and user-event metrics (a counter per event type, error and realm: logins and refusals for a
# dashboard) are build options in 26.7.3; both are served on the management port's /metrics, beside /health.
METRICS_OPTIONS: tuple[str, ...] = ("--metrics-enabled=true", "--event-metrics-user-enabled=true")
BUILD_OPTIONS: tuple[str, ...] = (H2_DB_OPTION, "--health-enabled=true", *METRICS_OPTIONS)

# Keycloak's outgoing HTTP client (calls to PSC's token, userinfo and JWKS endpoints; runtime options of the
# `connections-http-client` SPI, provider `default`, read by Keycloak 26.7.3's DefaultHttpClientFactory).
# Without them a PSC that drops connections holds the professional for the system's TCP timeout (minutes),
# and one that answers slowly is given up after 5 s. Connect within 5 s, then no more than 10 s of silence:
# the "Pro Santé Connect ne répond pas" page appears within 15 s.
OUTGOING_HTTP_TIMEOUT_OPTIONS: tuple[str, ...] = (
    "--spi-connections-http-client--default--establish-connection-timeout-millis=5000",
    "--spi-connections-http-client--default--socket-timeout-millis=10000",
)

STAMP_NAME = ".smur-iam-build-stamp.json"
BUILD_LOCK_NAME = ".smur-iam-build.lock"
PID_FILE_NAME = "keycloak.pid"
DATA_LOCK_NAME = "keycloak.lock"
CREDENTIALS_FILE_NAME = "bootstrap-admin.json"
DB_NAME = "keycloakdb"
LOG_TAIL_LINES = 40

# Environment variables that would silently change what kc.sh runs (another
# JDK, other JVM flags, a debugger port clashing between two servers, stray
# KC_* configuration): the server must behave the same on every machine.
_SCRUBBED_ENV = {
    "JAVA", "JAVA_OPTS", "JAVA_OPTS_KC_HEAP", "JAVA_OPTS_APPEND", "JAVA_ADD_OPENS",
    "JAVA_LOCALE", "DEBUG", "DEBUG_PORT", "DEBUG_SUSPEND", "PRINT_ENV",
}


class KeycloakStartError(RuntimeError):
    """Keycloak did not become ready; the message carries the log tail."""

    def __init__(self, message: str, log_path: Path | None = None, log_tail: str = ""):
        self.log_path = log_path
        self.log_tail = log_tail
        full = message
        if log_path is not None:
            full += f"\nLog file: {log_path}"
        if log_tail:
            full += f"\n--- last {LOG_TAIL_LINES} log lines ---\n{log_tail}"
        super().__init__(full)


def free_port() -> int:
    """A currently free loopback TCP port (tiny race until Keycloak binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Whether this loopback TCP port can be bound now (a server restarted on its former port).

    As the servers bind it (SO_REUSEADDR): the connections of a server just stopped linger in
    TIME_WAIT on its port for a minute, and do not keep it from starting there again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "r", errors="replace") as f:
            return "".join(deque(f, maxlen=lines)).rstrip("\n")
    except OSError:
        return ""


def saved_bootstrap_credentials(data_dir: Path) -> dict:
    """What a KeycloakServer wrote down when it bootstrapped the database of ``data_dir`` (username,
    password, bootstrap client); empty when there is nothing readable."""
    try:
        saved = json.loads((Path(data_dir) / CREDENTIALS_FILE_NAME).read_text())
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


class KeycloakServer:
    def __init__(
        self,
        distribution: KeycloakDistribution | None,
        data_dir: str | os.PathLike[str],
        http_port: int = 0,
        management_port: int = 0,
        admin_username: str = "admin",
        admin_password: str | None = None,
        bootstrap_client_id: str | None = None,
        bootstrap_client_secret: str | None = None,
        providers: Iterable[str | os.PathLike[str]] = (),
        log_path: str | os.PathLike[str] | None = None,
        java: JavaRuntime | str | os.PathLike[str] | None = None,
        heap: str | None = None,
        extra_args: Sequence[str] = (),
        database: PostgresDatabase | None = None,
        outgoing_tls: OutgoingTls | None = None,
        public_url: str | None = None,
        cluster_port: int | None = None,
    ):
        self.distribution = distribution or KeycloakDistribution()
        self.data_dir = Path(data_dir).expanduser().resolve()
        self._requested_http_port = http_port
        self._requested_management_port = management_port
        self.http_port = http_port
        self.management_port = management_port
        self.admin_username = admin_username
        self._explicit_password = admin_password is not None
        self.admin_password = admin_password or secrets.token_urlsafe(18)
        self.bootstrap_client_id = bootstrap_client_id
        self.bootstrap_client_secret = bootstrap_client_secret
        self.providers = [Path(p).expanduser().resolve() for p in providers]
        self._log_path = Path(log_path).expanduser().resolve() if log_path else self.data_dir / "keycloak.log"
        self._java_request = java
        self.java: JavaRuntime | None = None
        # heap: "1g" means -Xmx1g; a value starting with "-" is used verbatim.
        self.heap = heap
        self.extra_args = list(extra_args)
        # None: the H2 file database inside data_dir.
        self.database = database
        # The client certificate presented to PSC and the CA trusted for it (tls_client_auth).
        self.outgoing_tls = outgoing_tls
        self._outgoing_options: list[str] = []
        # Behind a load balancer (runtime/cluster.py): the balancer's HTTPS URL is the only URL Keycloak
        # writes into tokens, redirects and discovery documents, and X-Forwarded-* are read from it.
        self.public_url = public_url.rstrip("/") if public_url else None
        # A cluster member: Infinispan over JGroups on this loopback port, peers found through the database.
        self.cluster_port = cluster_port
        self._outgoing_env: dict[str, str] = {}

        self.build_seconds: float = 0.0
        self.start_seconds: float = 0.0
        self.rebuilt = False
        # Process group (= kc.sh pid) of the last spawned server; kept after
        # stop() so callers can check that nothing of it survived.
        self.pgid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._watchdog: Watchdog | None = None
        self._log_file = None
        self._data_lock_fd: int | None = None

    # -- public properties --------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def pid(self) -> int | None:
        """Pid of kc.sh, which is also the process-group id of the server."""
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def db_url(self) -> str:
        if self.database is not None:
            return self.database.jdbc_url
        # NON_KEYWORDS=VALUE: Keycloak's schema has a column named VALUE.
        return f"jdbc:h2:file:{self.data_dir / DB_NAME};NON_KEYWORDS=VALUE"

    @property
    def build_options(self) -> tuple[str, ...]:
        if self.database is None:
            return BUILD_OPTIONS
        # The database kind is baked into the optimized build.
        return tuple(POSTGRES_DB_OPTION if o == H2_DB_OPTION else o for o in BUILD_OPTIONS)

    def __repr__(self) -> str:
        return f"<KeycloakServer {self.base_url} data_dir={self.data_dir} running={self.running}>"

    def __enter__(self) -> "KeycloakServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- start ----------------------------------------------------------------

    def start(self, timeout: float = 240) -> "KeycloakServer":
        if self.running:
            return self
        try:
            private_directory(self.data_dir, ours=(f"{DB_NAME}.*", f"{self._log_path.name}*", PID_FILE_NAME,
                                                   DATA_LOCK_NAME, CREDENTIALS_FILE_NAME, KEYSTORE_NAME,
                                                   TRUSTED_CA_NAME))
        except ValueError as exc:
            raise KeycloakStartError(str(exc)) from None
        self.claim_data_dir()
        try:
            self.java = resolve_java(self._java_request)
            log.info("Keycloak runtime uses %s", self.java.describe())
            # A PostgreSQL build has a tree of its own: the H2 servers of the same cache keep theirs.
            home = (self.distribution.with_variant("postgres") if self.database else self.distribution).ensure()
            self.stop_stale_server()
            self.settle_bootstrap_credentials()
            self.http_port = self._requested_http_port or free_port()
            self.management_port = self._requested_management_port or free_port()
            self._open_log()
            self._build_if_needed(home)
            self._spawn(home)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        log.info(
            "Keycloak ready at %s (build %.1fs, start %.1fs, log %s)",
            self.base_url, self.build_seconds, self.start_seconds, self.log_path,
        )
        return self

    def claim_data_dir(self) -> None:
        """Take the data dir for this server until stop(); KeycloakStartError when another live
        KeycloakServer holds it. start() calls it first."""
        # If another *live* process holds it, the data dir is in use and must not be touched;
        # if we get it, any Keycloak recorded in the pid file belongs to a dead parent.
        fd = open_private(self.data_dir / DATA_LOCK_NAME, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise KeycloakStartError(
                f"Data dir {self.data_dir} is already used by another running KeycloakServer."
            ) from None
        self._data_lock_fd = fd

    def stop_stale_server(self) -> None:
        """Stop the Keycloak a crashed run left serving this data dir (its pid file), sparing any
        other process that has the pid since. start() calls it once the data dir is claimed."""
        pid_file = self.data_dir / PID_FILE_NAME
        try:
            pgid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid_file.unlink(missing_ok=True)
            return
        if pgid <= 1 or pgid == os.getpgid(0):
            pid_file.unlink(missing_ok=True)
            return
        if self.database is None:
            db_marker = f"jdbc:h2:file:{self.data_dir / DB_NAME};"
        else:  # kc.sh hands its options on to the JVM unchanged
            db_marker = f"--db-url={self.db_url}"
        members = group_members(pgid)
        # Only a Keycloak JVM serving *this* data dir counts: the pid may have
        # been recycled by an unrelated process since the crash.
        if any(p.is_keycloak_jvm and any(db_marker in a for a in p.cmdline) for p in members):
            log.warning("Stopping stale Keycloak (process group %d) left in %s", pgid, self.data_dir)
            terminate_group(pgid, timeout=30)
        pid_file.unlink(missing_ok=True)

    def settle_bootstrap_credentials(self) -> None:
        """Fix admin_password (and the bootstrap client's secret) for this data dir: the ones its
        database was bootstrapped with, or new ones written down for the next start. start()
        calls it before Keycloak runs."""
        # KC_BOOTSTRAP_ADMIN_* only acts when the master realm is created, i.e.
        # on a fresh database. Remember what a database was bootstrapped with
        # so a restart on the same data dir (the demo) keeps a working login.
        creds_file = self.data_dir / CREDENTIALS_FILE_NAME
        if self.database is None:
            db_exists = (self.data_dir / f"{DB_NAME}.mv.db").exists()
        else:
            # A PostgreSQL database cannot be seen from here: it is taken to go with this
            # data dir, bootstrapped exactly when the data dir remembers doing so.
            db_exists = creds_file.exists()
        if db_exists and creds_file.exists():
            saved = saved_bootstrap_credentials(self.data_dir)
            if saved.get("username") == self.admin_username:
                if not self._explicit_password:
                    self.admin_password = saved.get("password", self.admin_password)
                elif saved.get("password") != self.admin_password:
                    log.warning(
                        "Database in %s was bootstrapped with another admin password; "
                        "the one given now is not applied to an existing database.",
                        self.data_dir,
                    )
                if self.bootstrap_client_id and self.bootstrap_client_id == saved.get("client_id"):
                    self.bootstrap_client_secret = self.bootstrap_client_secret or saved.get("client_secret")
            return
        if db_exists:
            log.warning(
                "Database in %s was not created by KeycloakServer: the bootstrap admin "
                "credentials are not applied to an existing database.", self.data_dir,
            )
            return
        if self.bootstrap_client_id and not self.bootstrap_client_secret:
            self.bootstrap_client_secret = secrets.token_urlsafe(24)
        creds = {
            "username": self.admin_username,
            "password": self.admin_password,
            "client_id": self.bootstrap_client_id,
            "client_secret": self.bootstrap_client_secret,
        }
        write_private(creds_file, json.dumps(creds, indent=2))

    def _open_log(self) -> None:
        self._log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._log_path.exists() and self._log_path.stat().st_size:
            # Keep the previous run's log (often the interesting one after a crash).
            previous = self._log_path.with_name(self._log_path.name + ".1")
            os.replace(self._log_path, previous)
            os.chmod(previous, 0o600)
        self._log_file = open(open_private(self._log_path, os.O_WRONLY | os.O_APPEND), "ab", buffering=0)

    def _log_line(self, text: str) -> None:
        if self._log_file:
            self._log_file.write(f"[smur-iam] {text}\n".encode())

    def _env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("KC_", "KEYCLOAK_")) and k not in _SCRUBBED_ENV
        }
        assert self.java is not None
        env["JAVA_HOME"] = str(self.java.home)
        if self.heap:
            env["JAVA_OPTS_KC_HEAP"] = self.heap if self.heap.startswith("-") else f"-Xms64m -Xmx{self.heap}"
        return env

    # -- build ----------------------------------------------------------------

    def build_fingerprint(self) -> dict:
        assert self.java is not None
        return {
            "keycloak_version": self.distribution.version,
            "build_options": list(self.build_options),
            "java_major": self.java.major,
            "providers": sorted([p.name, _sha256(p)] for p in self.providers),
        }

    def _build_if_needed(self, home: Path) -> None:
        stamp = home / STAMP_NAME
        # One build at a time per home, across processes (tests + demo).
        with file_lock(home / BUILD_LOCK_NAME):
            wanted = self.build_fingerprint()
            try:
                current = json.loads(stamp.read_text())
            except (OSError, ValueError):
                current = None
            if current == wanted:
                self.build_seconds = 0.0
                self.rebuilt = False
                self._log_line("optimized build is up to date, no rebuild")
                return
            self._sync_providers(home, previous=current)
            stamp.unlink(missing_ok=True)  # a failed build must not look valid
            cmd = [str(home / "bin" / "kc.sh"), "build", *self.build_options]
            self._log_line(f"build fingerprint changed; running {' '.join(cmd)}")
            print(f"[smur-iam] building optimized Keycloak with {self.java.describe()}…",
                  file=sys.stderr, flush=True)
            started = time.monotonic()
            result = subprocess.run(
                cmd, cwd=home, env=self._env(), stdin=subprocess.DEVNULL,
                stdout=self._log_file, stderr=subprocess.STDOUT, timeout=900,
            )
            self.build_seconds = time.monotonic() - started
            if result.returncode != 0:
                raise KeycloakStartError(
                    f"`kc.sh build` failed with exit code {result.returncode}",
                    self.log_path, tail(self.log_path),
                )
            stamp.write_text(json.dumps(wanted, indent=2))
            self.rebuilt = True
            self._log_line(f"build finished in {self.build_seconds:.1f}s")

    def _sync_providers(self, home: Path, previous: dict | None) -> None:
        # Remove the JARs a previous build copied in that are no longer wanted,
        # then copy the requested ones: the build sees exactly `providers`.
        target = home / "providers"
        target.mkdir(exist_ok=True)
        wanted = {p.name for p in self.providers}
        for name, _ in (previous or {}).get("providers", []):
            if name not in wanted:
                (target / name).unlink(missing_ok=True)
        for p in self.providers:
            if not p.is_file():
                raise KeycloakStartError(f"Provider JAR {p} does not exist")
            shutil.copy2(p, target / p.name)

    # -- run --------------------------------------------------------------------

    def start_command(self, home: Path) -> list[str]:
        """The `kc.sh start` command line this server runs from ``home``: never a secret, since
        `ps` shows it to every user (docker-compose.yml starts Keycloak with the same options)."""
        return [
            str(home / "bin" / "kc.sh"), "start", "--optimized",
            "--http-enabled=true",
            *self._hostname_options(),
            "--http-host=127.0.0.1",
            f"--http-port={self.http_port}",
            f"--http-management-port={self.management_port}",
            f"--db-url={self.db_url}",
            *([f"--db-username={self.database.username}"] if self.database else []),
            *self._cache_options(),
            *OUTGOING_HTTP_TIMEOUT_OPTIONS,
            # Runtime options too: the outgoing client's keystore and the truststore (outgoing_tls.py).
            *self._outgoing_options,
            *self.extra_args,
        ]

    def _hostname_options(self) -> list[str]:
        if self.public_url is None:
            return ["--hostname-strict=false"]
        return [f"--hostname={self.public_url}", "--hostname-strict=true", "--proxy-headers=xforwarded"]

    def _cache_options(self) -> list[str]:
        if self.cluster_port is None:
            # A runtime option in 26.x: a single node needs no JGroups cluster
            # (saves start time, and two local servers never try to pair up).
            return ["--cache=local"]
        if self.database is None:
            raise KeycloakStartError("a cluster member needs a shared database (jdbc-ping discovers peers there)")
        # jdbc-ping: each node writes its JGroups address into the shared database and reads its peers there.
        return ["--cache=ispn", "--cache-stack=jdbc-ping", "--cache-embedded-network-bind-address=127.0.0.1",
                f"--cache-embedded-network-bind-port={self.cluster_port}"]

    def start_environment(self) -> dict[str, str]:
        """The environment `kc.sh start` runs with: the secrets (bootstrap admin, database and
        keystore passwords) go here, not on the command line, which every user sees in `ps`."""
        env = self._env()
        env["KC_BOOTSTRAP_ADMIN_USERNAME"] = self.admin_username
        env["KC_BOOTSTRAP_ADMIN_PASSWORD"] = self.admin_password
        if self.bootstrap_client_id:
            env["KC_BOOTSTRAP_ADMIN_CLIENT_ID"] = self.bootstrap_client_id
            env["KC_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = self.bootstrap_client_secret or ""
        if self.database is not None:
            env["KC_DB_PASSWORD"] = self.database.password
        env.update(self._outgoing_env)
        return env

    def _spawn(self, home: Path) -> None:
        if self.outgoing_tls is not None:
            self._outgoing_options, self._outgoing_env = self.outgoing_tls.install(self.data_dir)
        else:
            OutgoingTls.remove(self.data_dir)
            self._outgoing_options, self._outgoing_env = [], {}
        env = self.start_environment()
        cmd = self.start_command(home)
        self._log_line(f"starting: {' '.join(cmd)}")
        self._proc = subprocess.Popen(
            cmd, cwd=home, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT,
            # New session => kc.sh leads a process group that also holds the
            # JVM it forks; signals from the terminal do not reach it directly.
            start_new_session=True,
            umask=PRIVATE_UMASK,  # the H2 files the JVM creates are 0600
        )
        self.pgid = self._proc.pid
        self._watchdog = Watchdog(self._proc.pid)
        write_private(self.data_dir / PID_FILE_NAME, f"{self._proc.pid}\n")
        atexit.register(self.stop)

    def _wait_ready(self, timeout: float) -> None:
        started = time.monotonic()
        url = f"{self.management_url}/health/ready"
        session = requests.Session()
        try:
            while True:
                code = self._proc.poll()
                if code is not None:
                    raise KeycloakStartError(
                        f"Keycloak exited with code {code} before becoming ready",
                        self.log_path, tail(self.log_path),
                    )
                try:
                    r = session.get(url, timeout=2)
                    # The management interface can answer before the main one has failed to bind
                    # its port: ready means both, so also ask the server itself for a document.
                    if r.status_code == 200 and r.json().get("status") == "UP" and \
                            session.get(f"{self.base_url}/realms/master/.well-known/openid-configuration",
                                        timeout=2).status_code == 200:
                        self.start_seconds = time.monotonic() - started
                        return
                except (requests.RequestException, ValueError):
                    pass
                if time.monotonic() - started > timeout:
                    raise KeycloakStartError(
                        f"Keycloak not ready at {url} after {timeout:.0f}s",
                        self.log_path, tail(self.log_path),
                    )
                time.sleep(0.25)
        finally:
            session.close()

    # -- stop -------------------------------------------------------------------

    def kill(self) -> None:
        """SIGKILL the server's whole process group, as a crash would: nothing is shut down cleanly
        (a cluster member leaves without a goodbye). start() runs it again on the same data dir."""
        if self._proc is not None:
            kill_group(self._proc.pid)
        self.stop()

    def stop(self, timeout: float = 30) -> None:
        """Stop the whole process group; safe to call any number of times."""
        proc, self._proc = self._proc, None
        if proc is not None:
            atexit.unregister(self.stop)
            terminate_group(proc.pid, timeout=timeout)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            (self.data_dir / PID_FILE_NAME).unlink(missing_ok=True)
        if self._watchdog is not None:
            self._watchdog.disarm()
            self._watchdog = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._data_lock_fd is not None:
            os.close(self._data_lock_fd)
            self._data_lock_fd = None
