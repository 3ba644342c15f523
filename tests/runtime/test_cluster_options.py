"""The cluster topology's choices that need no JVM: a node's start options, its cluster port, and the
stack shapes that are refused. The running cluster is tests/cluster/test_cluster.py."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from provisioning.runtime.cluster import FAILURE_DETECTION_OFFSET, KeycloakCluster, free_cluster_port
from provisioning.runtime.java import JavaRuntime
from provisioning.runtime.keycloak import KeycloakServer, KeycloakStartError
from provisioning.runtime.postgres import PostgresDatabase
from provisioning.runtime.stack import LocalStack, StackSpec

HOME = Path("/opt/keycloak")
DATABASE = PostgresDatabase("127.0.0.1", 54321, "keycloak", "keycloak", "db-s3cret")


def _node(tmp_path, **kwargs) -> KeycloakServer:
    server = KeycloakServer(None, tmp_path / "kc", http_port=8080, management_port=9000, **kwargs)
    server.java = JavaRuntime(Path("/usr/lib/jvm/test"), 21, "test")  # no JVM needed for the options
    return server


def test_a_cluster_node_behind_the_balancer_starts_with_strict_hostname_and_jdbc_ping(tmp_path):
    node = _node(tmp_path, database=DATABASE, public_url="https://127.0.0.1:8443/", cluster_port=7801)
    cmd = node.start_command(HOME)
    assert ["--hostname=https://127.0.0.1:8443", "--hostname-strict=true", "--proxy-headers=xforwarded"] == \
        [a for a in cmd if a.startswith(("--hostname", "--proxy"))]
    assert "--http-host=127.0.0.1" in cmd  # plain HTTP stays on loopback, behind the balancer
    assert ["--cache=ispn", "--cache-stack=jdbc-ping", "--cache-embedded-network-bind-address=127.0.0.1",
            "--cache-embedded-network-bind-port=7801"] == [a for a in cmd if a.startswith("--cache")]
    # The same optimized build as a single node on PostgreSQL: the cluster options are runtime ones.
    assert node.build_fingerprint() == _node(tmp_path, database=DATABASE).build_fingerprint()


def test_a_single_node_keeps_its_loose_hostname_and_local_caches(tmp_path):
    cmd = _node(tmp_path).start_command(HOME)
    assert "--hostname-strict=false" in cmd and "--cache=local" in cmd
    assert not [a for a in cmd if a.startswith(("--hostname=", "--proxy", "--cache-stack"))]


def test_a_cluster_node_without_a_shared_database_is_refused(tmp_path):
    with pytest.raises(KeycloakStartError, match="shared database"):
        _node(tmp_path, cluster_port=7801).start_command(HOME)


def test_a_cluster_started_again_on_its_directory_keeps_its_admin(tmp_path):
    """Node A bootstrapped the database with the cluster's admin and wrote it down; a cluster made again
    on the same directory (the demo's --data-dir) gives both nodes that password, not a new one that
    the database would refuse."""
    first = KeycloakCluster(None, tmp_path / "cluster", DATABASE)
    first.nodes[0].data_dir.mkdir(parents=True)
    first.nodes[0].settle_bootstrap_credentials()  # what start() does before node A runs
    again = KeycloakCluster(None, tmp_path / "cluster", DATABASE)
    assert again.admin_password == first.admin_password
    assert {node.admin_password for node in again.nodes} == {first.admin_password}
    assert KeycloakCluster(None, tmp_path / "elsewhere", DATABASE).admin_password != first.admin_password


def test_cluster_ports_leave_room_for_jgroups_failure_detection():
    first = free_cluster_port()
    second = free_cluster_port([first])
    assert first != second
    for port in (first, second):
        assert port + FAILURE_DETECTION_OFFSET <= 65535
        with socket.socket() as s:  # free now, and its failure-detection port too
            s.bind(("127.0.0.1", port + FAILURE_DETECTION_OFFSET))


def test_stack_shapes_that_cannot_run_are_refused_before_anything_starts(tmp_path):
    with pytest.raises(ValueError, match="topology 'ring'"):
        LocalStack(StackSpec(data_dir=tmp_path, topology="ring"))
    with pytest.raises(ValueError, match="borrows no keycloak_url"):
        LocalStack(StackSpec(keycloak_url="http://127.0.0.1:1", topology="cluster"))
