"""The production topology (issue 15): two Keycloak nodes on one PostgreSQL behind HAProxy with TLS.

The folder's one cluster (conftest.py), started by the same code as `smur-iam demo` and the session
Keycloak (`LocalStack`, `StackSpec(topology="cluster")`). `smur-iam` reaches it only through the balancer's
HTTPS URL, trusting the run's CA with `--ca-bundle`; the tests then ask each node on its own
loopback URL, where a node that kept stale state would show it. No request is retried: "at once"
means the first answer.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from cluster_tools import node_admin, payload

pytestmark = pytest.mark.keycloak  # starts Keycloak nodes of its own


def test_the_balancer_serves_keycloak_over_https_with_the_run_ca_and_both_nodes_up(cluster):
    keycloak = cluster.keycloak
    assert keycloak.base_url.startswith("https://127.0.0.1:")
    assert keycloak.balancer.server_states() == {"node-a": "UP", "node-b": "UP"}
    discovery = requests.get(f"{keycloak.base_url}/realms/master/.well-known/openid-configuration",
                             verify=str(keycloak.ca_bundle), timeout=10)
    assert discovery.json()["issuer"] == f"{keycloak.base_url}/realms/master"
    with pytest.raises(requests.exceptions.SSLError):  # a certificate of the run's CA, nobody else's
        requests.get(f"{keycloak.base_url}/realms/master", timeout=10)
    assert cluster.admin_env()["SMUR_IAM_CA_BUNDLE"] == str(keycloak.ca_bundle)


def test_each_node_writes_the_public_https_url_whatever_url_it_is_asked_on(cluster):
    keycloak = cluster.keycloak
    for node in keycloak.nodes:  # hostname-strict: the loopback URL never leaks into documents
        discovery = requests.get(f"{node.base_url}/realms/master/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["token_endpoint"] == \
            f"{keycloak.base_url}/realms/master/protocol/openid-connect/token", node.base_url


def test_both_nodes_serve_the_realm_right_after_one_apply_through_the_balancer(cluster, applied_realm):
    files, sent = applied_realm
    keycloak = cluster.keycloak
    # Round robin without stickiness: the apply's requests went to both nodes.
    assert sent["node-a"] > 0 and sent["node-b"] > 0, sent
    seen = []
    for index, node in enumerate(keycloak.nodes):
        discovery = requests.get(f"{node.base_url}/realms/{files.realm}/.well-known/openid-configuration",
                                 timeout=10)
        assert discovery.status_code == 200, f"{node.base_url} does not serve {files.realm}"
        assert discovery.json()["issuer"] == f"{keycloak.base_url}/realms/{files.realm}"
        realm = node_admin(cluster, index).realm(files.realm)
        smurtab = realm.get("/admin/realms/{realm}/clients", params={"clientId": "smurtab"})
        broker = realm.get("/admin/realms/{realm}/identity-provider/instances/psc")
        seen.append((smurtab[0]["redirectUris"], smurtab[0]["attributes"].get("pkce.code.challenge.method"),
                     broker["config"]["clientId"]))
    assert seen[0] == seen[1], f"node A and node B disagree about {files.realm}: {seen}"
    assert seen[0][1] == "S256" and seen[0][2] == files.psc_client_id


def test_a_client_created_through_node_a_gets_a_token_from_node_b_at_once(cluster, applied_realm):
    files, _ = applied_realm
    keycloak = cluster.keycloak
    client_id, secret = f"cluster-check-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    node_admin(cluster, 0).realm(files.realm).post("/admin/realms/{realm}/clients", json={
        "clientId": client_id, "secret": secret, "publicClient": False, "serviceAccountsEnabled": True,
        "standardFlowEnabled": False, "directAccessGrantsEnabled": False})
    node_b = keycloak.nodes[1]
    token = requests.post(f"{node_b.base_url}/realms/{files.realm}/protocol/openid-connect/token", timeout=10,
                          data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
    assert token.status_code == 200, f"node B refused the client node A just created: {token.text}"
    claims = payload(token.json()["access_token"])
    assert claims["azp"] == client_id
    assert claims["iss"] == f"{keycloak.base_url}/realms/{files.realm}"
    wrong = requests.post(f"{node_b.base_url}/realms/{files.realm}/protocol/openid-connect/token", timeout=10,
                          data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"})
    assert wrong.status_code == 401  # node B checks the secret it got from A, not anything
