"""The local product in one place: Keycloak (the PSC extension loaded), the mock PSC and the tablet app.

`smur-iam demo`, the benchmarks and the tests' session Keycloak all start it through here. A
`StackSpec` says what to start; `LocalStack` starts it in this order and stops it in reverse:

1. the tablet app's port is bound when the stack is made: its origin is part of the realm
   (redirect URI) before anything runs;
2. the PSC extension JAR (Maven runs only if its sources changed), so a broken build stops
   everything before a server starts;
3. PostgreSQL, when asked for (runtime/postgres.py), else Keycloak's H2 dev-file database;
4. the mock PSC;
5. Keycloak, or a Keycloak someone else runs (borrowed: never stopped);
6. the tablet app itself (`start_tablet`), once its realm is provisioned.

Two shapes (`StackSpec.topology`): "single", one Keycloak node; "cluster", the production topology
(runtime/cluster.py: two nodes on one PostgreSQL behind an HTTPS load balancer, step 5 starting
them all). Callers reach Keycloak through `stack.keycloak` (`base_url`, `admin_username`,
`admin_password`) whatever stands behind it; a cluster's `base_url` is HTTPS, verified with
`stack.keycloak.ca_bundle` (in `admin_env()` as SMUR_IAM_CA_BUNDLE).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import requests

from .cluster import KeycloakCluster
from .distribution import KeycloakDistribution
from .keycloak import KeycloakServer, KeycloakStartError

if TYPE_CHECKING:  # imported when started: the mock and the app pull in their web servers
    from demoapp.server import DemoApp
    from mockpsc.server import MockPSC

    from .postgres import LocalPostgres

# Where a borrowed Keycloak's admin comes from: the variables `smur-iam` itself reads.
KEYCLOAK_URL_ENV = "SMUR_IAM_KEYCLOAK_URL"
ADMIN_USER_ENV = "SMUR_IAM_ADMIN_USER"
ADMIN_PASSWORD_ENV = "SMUR_IAM_ADMIN_PASSWORD"
CA_BUNDLE_ENV = "SMUR_IAM_CA_BUNDLE"

SINGLE = "single"
CLUSTER = "cluster"
TOPOLOGIES = (SINGLE, CLUSTER)


@dataclass(frozen=True)
class StackSpec:
    """What to start. Ports 0 are free loopback ports picked at start."""

    # Keycloak's own directory (H2 database, log, bootstrap credentials): 0700, its files 0600.
    data_dir: Path | None = None
    # A Keycloak already running there, borrowed instead of started (admin from SMUR_IAM_ADMIN_USER
    # and SMUR_IAM_ADMIN_PASSWORD, default admin/admin); data_dir, database and heap are then unused.
    keycloak_url: str | None = None
    # Given: a fresh local PostgreSQL cluster in this directory is Keycloak's database (production's).
    postgres_dir: Path | None = None
    keycloak_port: int = 0
    heap: str | None = None  # Keycloak's maximum heap ("2g"); None: Keycloak's default
    # Keycloak's distribution cache; None: the shared one ($SMUR_IAM_CACHE). A bench gives its own,
    # so that a test session's cache is never rebuilt under it.
    cache_dir: Path | None = None
    # Provider JARs; None: the PSC extension, built from mappers/psc-extension when its sources changed.
    providers: tuple[Path, ...] | None = None
    mock_psc: bool = True
    psc_auth_port: int = 0
    psc_wallet_port: int = 0
    # The demo SMUR-T@b app (the tablet) on this port; None: no tablet app.
    tablet_port: int | None = None
    # "cluster": two Keycloak nodes on PostgreSQL (postgres_dir, default data_dir/postgres) behind HAProxy
    # with TLS; node and balancer files under data_dir. keycloak_port is then the balancer's HTTPS port.
    topology: str = SINGLE


class BorrowedKeycloak:
    """A Keycloak someone else started: the same attributes as KeycloakServer, and nothing to stop."""

    management_url = None
    log_path = None

    def __init__(self, base_url: str, admin_username: str, admin_password: str):
        self.base_url = base_url.rstrip("/")
        self.admin_username = admin_username
        self.admin_password = admin_password

    @classmethod
    def from_environment(cls, base_url: str) -> "BorrowedKeycloak":
        return cls(base_url, os.environ.get(ADMIN_USER_ENV, "admin"), os.environ.get(ADMIN_PASSWORD_ENV, "admin"))

    def start(self) -> "BorrowedKeycloak":
        """Check that a Keycloak answers there; it is already running."""
        try:
            requests.get(f"{self.base_url}/realms/master", timeout=10).raise_for_status()
        except requests.RequestException as exc:
            raise KeycloakStartError(f"{self.base_url} does not answer as a Keycloak: {exc}") from None
        return self

    def stop(self) -> None:
        pass


class LocalStack:
    """Starts what a `StackSpec` describes; a context manager. ``progress`` receives a line as each
    server comes up (the demo prints them)."""

    def __init__(self, spec: StackSpec, progress: Callable[[str], None] | None = None):
        if spec.keycloak_url is None and spec.data_dir is None:
            raise ValueError("StackSpec needs a data_dir for the Keycloak it starts (or a keycloak_url to borrow)")
        if spec.topology not in TOPOLOGIES:
            raise ValueError(f"StackSpec.topology {spec.topology!r}: expected one of {', '.join(TOPOLOGIES)}")
        if spec.topology == CLUSTER and spec.keycloak_url is not None:
            raise ValueError("the cluster topology starts its own Keycloak nodes: it borrows no keycloak_url")
        self.spec = spec
        self._progress = progress or (lambda line: None)
        self.postgres: LocalPostgres | None = None
        self.psc: MockPSC | None = None
        self.keycloak: KeycloakServer | KeycloakCluster | BorrowedKeycloak | None = None
        self.tablet: DemoApp | None = None
        self._running: list = []  # in start order; stopped in reverse
        self._tablet_started = False
        if spec.tablet_port is not None:
            from demoapp.server import DemoApp

            # Its issuer (Keycloak's port, the realm) is set by start_tablet. OSError if the port is taken.
            self.tablet = DemoApp(issuer="", port=spec.tablet_port)

    # -- start ------------------------------------------------------------------

    def start(self) -> "LocalStack":
        """Everything but the tablet app, in order; on any failure what did start is stopped again."""
        try:
            self._start_servers()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_servers(self) -> None:
        spec = self.spec
        if spec.keycloak_url is not None:
            keycloak = BorrowedKeycloak.from_environment(spec.keycloak_url)
        else:
            keycloak = self._local_keycloak()
        if spec.mock_psc:
            from mockpsc.server import MockPSC

            self.psc = self._started(MockPSC(auth_port=spec.psc_auth_port, wallet_port=spec.psc_wallet_port))
            self._progress(f"mock PSC: issuer {self.psc.issuer}, wallet {self.psc.wallet_origin}")
        if isinstance(keycloak, KeycloakServer):
            self._progress(f"starting Keycloak (data in {spec.data_dir}, log {keycloak.log_path}) ...")
        elif isinstance(keycloak, KeycloakCluster):
            self._progress(f"starting two Keycloak nodes and HAProxy (files in {spec.data_dir}) ...")
        self.keycloak = self._started(keycloak)
        if isinstance(keycloak, KeycloakServer):
            self._progress(f"Keycloak ready in {keycloak.build_seconds + keycloak.start_seconds:.1f}s "
                           f"(build {keycloak.build_seconds:.1f}s, start {keycloak.start_seconds:.1f}s)")
        elif isinstance(keycloak, KeycloakCluster):
            nodes = ", ".join(f"{n.data_dir.name} {n.build_seconds + n.start_seconds:.1f}s" for n in keycloak.nodes)
            self._progress(f"Keycloak cluster ready at {keycloak.base_url} in {keycloak.start_seconds:.1f}s "
                           f"({nodes}, HAProxy {keycloak.balancer.start_seconds:.1f}s; CA {keycloak.ca_bundle})")

    def _local_keycloak(self) -> KeycloakServer | KeycloakCluster:
        """The JAR built and the database up, so that Keycloak can be made (not started yet)."""
        spec = self.spec
        providers = spec.providers
        if providers is None:
            from .extension import psc_extension_jar

            providers = (psc_extension_jar().path,)  # ExtensionBuildError says what Maven said
        database = None
        postgres_dir = spec.postgres_dir
        if postgres_dir is None and spec.topology == CLUSTER:
            postgres_dir = spec.data_dir / "postgres"
        if postgres_dir is not None:
            from .postgres import LocalPostgres

            self.postgres = self._started(LocalPostgres(postgres_dir))
            self._progress(f"PostgreSQL ready in {self.postgres.start_seconds:.1f}s")
            database = self.postgres.database
        if spec.topology == CLUSTER:
            return KeycloakCluster(KeycloakDistribution(cache_dir=spec.cache_dir), spec.data_dir, database,
                                   providers=providers, heap=spec.heap, balancer_port=spec.keycloak_port)
        options = {"heap": spec.heap} if spec.heap else {}
        return KeycloakServer(KeycloakDistribution(cache_dir=spec.cache_dir), data_dir=spec.data_dir,
                              http_port=spec.keycloak_port, providers=providers, database=database, **options)

    def _started(self, server):
        # Recorded before start(): a server that fails half-way is stopped with the others.
        self._running.append(server)
        return server.start()

    def start_tablet(self, realm: str) -> DemoApp:
        """The tablet app, signing in to ``realm`` of this stack's Keycloak (provisioned by now)."""
        if self.tablet is None:
            raise RuntimeError("this stack has no tablet app (StackSpec.tablet_port)")
        self.tablet.issuer = f"{self.keycloak.base_url}/realms/{realm}"
        if isinstance(self.keycloak, KeycloakCluster):
            self.tablet.ca_bundle = str(self.keycloak.ca_bundle)
        self._running.append(self.tablet)
        self._tablet_started = True
        return self.tablet.start()

    # -- what runs where ----------------------------------------------------------

    def admin_env(self) -> dict[str, str]:
        """Keycloak and its admin as `smur-iam` reads them from the environment."""
        env = {KEYCLOAK_URL_ENV: self.keycloak.base_url, ADMIN_USER_ENV: self.keycloak.admin_username,
               ADMIN_PASSWORD_ENV: self.keycloak.admin_password}
        if isinstance(self.keycloak, KeycloakCluster):
            env[CA_BUNDLE_ENV] = str(self.keycloak.ca_bundle)
        return env

    # -- stop -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop what started, last first (tablet app, Keycloak, mock PSC, PostgreSQL); safe to call twice."""
        failure = None
        while self._running:
            server = self._running.pop()
            try:
                server.stop()
            except Exception as exc:  # the others must stop all the same
                failure = failure or exc
        if self.tablet is not None and not self._tablet_started:
            self.tablet.stop()  # its port was bound when the stack was made
        if failure is not None:
            raise failure

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
