"""The session's cluster (fixtures/cluster.py) with one region applied through the balancer's HTTPS
URL, shared by the basic checks (test_cluster.py) and the failover tests (test_failover.py); a
failover test leaves both nodes UP behind it (`both_nodes_up`).
"""
from __future__ import annotations

import pytest
import requests

from cluster_tools import admin_env, register_at_psc
from fixtures.realms import copy_realm_files, run_cli, unique_realm
from provisioning.runtime.cluster import NODE_NAMES
from provisioning.runtime.stack import LocalStack


@pytest.fixture
def both_nodes_up(cluster):
    """Both nodes UP behind the balancer before the test and after it, whatever it killed."""
    restart_stopped_nodes(cluster)
    yield cluster
    restart_stopped_nodes(cluster)


def restart_stopped_nodes(stack: LocalStack) -> None:
    keycloak = stack.keycloak
    for name in NODE_NAMES:
        if not keycloak.node(name).running:
            keycloak.restart_node(name)
        keycloak.balancer.set_node_state(name, "ready")
        keycloak.balancer.wait_for_state(name, "UP", timeout=90)  # see KeycloakCluster.restart_node


@pytest.fixture(scope="package")
def applied_realm(cluster, tmp_path_factory):
    """One region applied once through the balancer, each node having been asked for it before."""
    keycloak = cluster.keycloak
    files = copy_realm_files(tmp_path_factory.mktemp("realm"), unique_realm("cluster"))
    for node in keycloak.nodes:  # each node looks the realm up (and misses) before it exists
        missing = requests.get(f"{node.base_url}/realms/{files.realm}/.well-known/openid-configuration", timeout=10)
        assert missing.status_code == 404
    register_at_psc(cluster, files)
    sent_before = keycloak.balancer.requests_sent()
    result = run_cli("apply", str(files.directory), "--server-url", keycloak.base_url, "--username",
                     keycloak.admin_username, "--ca-bundle", str(keycloak.ca_bundle),
                     env=admin_env(cluster, files), timeout=300)
    assert result.returncode == 0, f"apply through the balancer failed:\n{result.stdout}\n{result.stderr}"
    sent = {name: count - sent_before[name] for name, count in keycloak.balancer.requests_sent().items()}
    return files, sent
