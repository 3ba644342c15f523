"""runtime/stack.py: what the demo, the benchmarks and the session fixture start, and how it stops.

A real Keycloak starting through the stack is the session fixture itself (fixtures/keycloak.py)
and `smur-iam demo` (tests/e2e/test_demo.py); here, the order and the clean-up around it.
"""
from __future__ import annotations

import socket

import pytest
import requests

from provisioning.runtime.keycloak import KeycloakStartError, free_port
from provisioning.runtime.stack import LocalStack, StackSpec


def _refused(url: str) -> bool:
    try:
        requests.get(url, timeout=5)
    except requests.ConnectionError:
        return True
    return False


def test_a_spec_without_a_data_dir_or_a_keycloak_to_borrow_is_refused():
    with pytest.raises(ValueError, match="data_dir"):
        LocalStack(StackSpec())


def test_a_taken_tablet_port_fails_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            LocalStack(StackSpec(keycloak_url="http://127.0.0.1:1", tablet_port=taken.getsockname()[1]))


def test_a_keycloak_that_does_not_answer_stops_the_mock_started_before_it():
    port = free_port()  # nothing listens there
    tablet_port = free_port()
    stack = LocalStack(StackSpec(keycloak_url=f"http://127.0.0.1:{port}/", tablet_port=tablet_port))
    with pytest.raises(KeycloakStartError, match=f"http://127.0.0.1:{port} does not answer as a Keycloak"):
        stack.start()
    assert stack.psc is not None, "the mock PSC starts before Keycloak"
    assert _refused(f"{stack.psc.issuer}/.well-known/openid-configuration"), "the mock PSC was left running"
    with socket.socket() as again:  # the tablet's port, bound when the stack was made, is free again
        again.bind(("127.0.0.1", tablet_port))


@pytest.mark.keycloak
def test_a_borrowed_keycloak_serves_the_stack_and_outlives_it(keycloak, monkeypatch):
    monkeypatch.setenv("SMUR_IAM_ADMIN_USER", keycloak.admin_username)
    monkeypatch.setenv("SMUR_IAM_ADMIN_PASSWORD", keycloak.admin_password)
    with LocalStack(StackSpec(keycloak_url=keycloak.base_url, tablet_port=0)) as stack:
        assert stack.admin_env() == {"SMUR_IAM_KEYCLOAK_URL": keycloak.base_url,
                                     "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
                                     "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password}
        discovery = requests.get(f"{stack.psc.issuer}/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == stack.psc.issuer
        app = stack.start_tablet("master")
        assert requests.get(f"{app.origin}/", timeout=10).status_code == 200
    assert _refused(f"{app.origin}/") and _refused(f"{stack.psc.issuer}/.well-known/openid-configuration")
    assert requests.get(f"{keycloak.base_url}/realms/master", timeout=10).status_code == 200, \
        "a borrowed Keycloak is never stopped"
