"""The production topology, locally: Keycloak nodes sharing one PostgreSQL, behind an HTTPS load balancer.

`KeycloakCluster` is what `LocalStack` starts for `StackSpec(topology="cluster")`, and has the
attributes callers use of a single `KeycloakServer` (`base_url`, `admin_username`, `admin_password`,
`log_path`), plus `ca_bundle`: `base_url` is the balancer's HTTPS URL, the only one Keycloak
writes into tokens and redirects (`--hostname`, `--hostname-strict=true`). Each node also keeps
its own plain-HTTP loopback URL (`nodes[i].base_url`), which tests use to talk to one node.

Start order: the run's CA and the balancer's port (the nodes' hostname names it), node A (it creates
the schema and the master realm), node B (it joins A through jdbc-ping: peers are found in the
database), then HAProxy, which is ready once it sees both nodes UP on their `/health/ready`.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Iterable

from .balancer import LoadBalancer, Node
from .distribution import KeycloakDistribution
from .keycloak import KeycloakServer, KeycloakStartError, free_port, port_free, saved_bootstrap_credentials
from .postgres import PostgresDatabase
from .run_ca import RunCertificateAuthority

NODE_NAMES = ("node-a", "node-b")
PUBLIC_HOSTS = ("127.0.0.1", "localhost")
# JGroups' failure detection (FD_SOCK2) listens at the cluster port + 50000 in Keycloak's stacks, so
# cluster ports are taken below 15536 rather than from the kernel's ephemeral range (32768+).
CLUSTER_PORT_RANGE = range(7800, 15500)
FAILURE_DETECTION_OFFSET = 50000


def free_cluster_port(taken: Iterable[int] = ()) -> int:
    """A loopback port for a node's JGroups transport whose failure-detection port is free too."""
    taken = set(taken)
    # Start at a pid-dependent place: two runs at once rarely try the same ports.
    span = len(CLUSTER_PORT_RANGE)
    first = (os.getpid() * 37) % span
    for i in range(span):
        port = CLUSTER_PORT_RANGE[(first + i) % span]
        if port not in taken and port_free(port) and port_free(port + FAILURE_DETECTION_OFFSET):
            return port
    raise KeycloakStartError(f"no free cluster port in {CLUSTER_PORT_RANGE.start}-{CLUSTER_PORT_RANGE.stop - 1}")


class KeycloakCluster:
    def __init__(self, distribution: KeycloakDistribution, directory: Path, database: PostgresDatabase,
                 providers: Iterable[Path] = (), heap: str | None = None, balancer_port: int = 0,
                 admin_username: str = "admin", admin_password: str | None = None):
        self.directory = Path(directory)
        self.ca = RunCertificateAuthority(self.directory / "tls")
        certificate = self.ca.server_pem(PUBLIC_HOSTS, "balancer.pem")
        self.balancer = LoadBalancer(self.directory / "balancer", certificate, nodes=[], port=balancer_port)
        options = {"heap": heap} if heap else {}
        # One admin for the cluster: node A bootstraps the database with it, B finds it there. Started
        # again on the same directory (the demo's --data-dir), the database keeps the one A wrote down.
        self.admin_username = admin_username
        saved = saved_bootstrap_credentials(self.directory / NODE_NAMES[0])
        if admin_password is None and saved.get("username") == admin_username:
            admin_password = saved.get("password")
        self.admin_password = admin_password or secrets.token_urlsafe(18)
        cluster_ports: list[int] = []
        self.nodes: list[KeycloakServer] = []
        for name in NODE_NAMES:
            cluster_ports.append(free_cluster_port(cluster_ports))
            # Ports fixed now, not at start: a node restarted after a crash comes back where the
            # balancer's configuration expects it.
            node = KeycloakServer(distribution, data_dir=self.directory / name, providers=providers,
                                  http_port=free_port(), management_port=free_port(),
                                  database=database, admin_username=admin_username, admin_password=self.admin_password,
                                  public_url=self.balancer.public_url, cluster_port=cluster_ports[-1], **options)
            self.nodes.append(node)
        self.start_seconds = 0.0

    @property
    def base_url(self) -> str:
        return self.balancer.public_url

    @property
    def ca_bundle(self) -> Path:
        return self.ca.ca_path

    @property
    def log_path(self) -> Path:
        return self.nodes[0].log_path

    management_url = None  # one per node: nodes[i].management_url

    def start(self) -> "KeycloakCluster":
        started = time.monotonic()
        try:
            for node in self.nodes:  # one after the other: node A creates the schema B then finds
                node.start()
            self.balancer.nodes = [Node(name, n.http_port, n.management_port) for name, n in zip(NODE_NAMES, self.nodes)]
            self.balancer.start()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - started
        return self

    def node(self, name: str) -> KeycloakServer:
        """The node HAProxy calls ``name`` ("node-a", "node-b")."""
        return self.nodes[NODE_NAMES.index(name)]

    def restart_node(self, name: str, timeout: float = 240) -> float:
        """Start a stopped or crashed node again on its data dir and ports, and wait until the
        balancer sends it traffic again; returns the seconds it took. The node rejoins the cluster
        through jdbc-ping (its peers are in the database) before it reports ready."""
        started = time.monotonic()
        self.node(name).start(timeout=timeout)
        # Ready in HAProxy's eyes can take up to a minute after a crash: Keycloak's split-brain guard
        # waits for a dead coordinator's row in the jdbc-ping table to age (balancer.py).
        self.balancer.wait_for_state(name, "UP", timeout=90)
        return time.monotonic() - started

    def stop(self) -> None:
        """Balancer first (no new request reaches a stopping node), then the nodes, last started first."""
        failure = None
        for server in (self.balancer, *reversed(self.nodes)):
            try:
                server.stop()
            except Exception as exc:  # the others must stop all the same
                failure = failure or exc
        if failure is not None:
            raise failure
