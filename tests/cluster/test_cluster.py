"""The production topology (issue 15): two Keycloak nodes on one PostgreSQL behind HAProxy with TLS.

One cluster for the module, started by the same code as `smur-iam demo` and the session Keycloak
(`LocalStack`, `StackSpec(topology="cluster")`). `smur-iam` reaches it only through the balancer's
HTTPS URL, trusting the run's CA with `--ca-bundle`; the tests then ask each node on its own
loopback URL, where a node that kept stale state would show it. No request is retried: "at once"
means the first answer.
"""
from __future__ import annotations

import base64
import json
import sys
import uuid

import pytest
import requests

from fixtures.realms import copy_realm_files, run_cli, unique_realm
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
from provisioning.runtime.stack import LocalStack, StackSpec

pytestmark = pytest.mark.keycloak  # starts Keycloak nodes of its own


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    stack = LocalStack(StackSpec(data_dir=tmp_path_factory.mktemp("cluster"), topology="cluster"),
                       progress=lambda line: print(f"[smur-iam cluster] {line}", file=sys.stderr))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def node_admin(stack: LocalStack, index: int) -> KeycloakAdmin:
    """The admin API of one node, on its own plain-HTTP loopback URL (not through the balancer)."""
    cluster = stack.keycloak
    return KeycloakAdmin(cluster.nodes[index].base_url,
                         PasswordCredentials(cluster.admin_username, cluster.admin_password))


def payload(jwt: str) -> dict:
    body = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


@pytest.fixture(scope="module")
def applied_realm(cluster, tmp_path_factory):
    """One region applied once through the balancer, each node having been asked for it before."""
    keycloak, psc = cluster.keycloak, cluster.psc
    files = copy_realm_files(tmp_path_factory.mktemp("realm"), unique_realm("cluster"))
    for node in keycloak.nodes:  # each node looks the realm up (and misses) before it exists
        missing = requests.get(f"{node.base_url}/realms/{files.realm}/.well-known/openid-configuration", timeout=10)
        assert missing.status_code == 404
    broker = f"{keycloak.base_url}/realms/{files.realm}/broker/psc/endpoint"
    psc.register_client(files.psc_client_id, files.psc_client_secret, redirect_uris=[broker],
                        post_logout_redirect_uris=[f"{broker}/logout_response"])
    env = files.env | {"SMUR_IAM_MOCK_PSC_ISSUER": psc.issuer, "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password,
                       # Set on many machines, and obeyed by requests over a Session's own verify: --ca-bundle wins.
                       "REQUESTS_CA_BUNDLE": requests.certs.where()}
    sent_before = keycloak.balancer.requests_sent()
    result = run_cli("apply", str(files.directory), "--server-url", keycloak.base_url, "--username",
                     keycloak.admin_username, "--ca-bundle", str(keycloak.ca_bundle), env=env, timeout=300)
    assert result.returncode == 0, f"apply through the balancer failed:\n{result.stdout}\n{result.stderr}"
    sent = {name: count - sent_before[name] for name, count in keycloak.balancer.requests_sent().items()}
    return files, sent


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
