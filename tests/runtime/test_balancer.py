"""runtime/balancer.py: Debian's HAProxy in front of two stand-in nodes (small HTTP servers, no Keycloak).

What the cluster relies on, against the real HAProxy: TLS with the run's CA, round robin without
stickiness, X-Forwarded-* headers, a node whose `/health/ready` fails taken out of the rotation,
nothing left running after stop(), and a clear error when HAProxy is not installed.
"""
from __future__ import annotations

import time

import pytest
import requests

from provisioning.runtime import balancer as balancer_module
from fixtures.stand_in_node import StandInNode
from provisioning.runtime.balancer import ALIVE_BACKEND, BalancerError, BalancerNotFoundError, LoadBalancer, find_haproxy
from provisioning.runtime.process import group_members
from provisioning.runtime.run_ca import RunCertificateAuthority


@pytest.fixture
def haproxy_installed():
    try:
        return find_haproxy()
    except BalancerNotFoundError as err:
        pytest.skip(str(err))


@pytest.fixture
def stand_ins():
    nodes = [StandInNode("node-a"), StandInNode("node-b")]
    yield nodes
    for node in nodes:
        node.close()


def test_haproxy_balances_round_robin_over_tls_and_drops_a_node_that_is_not_ready(
        tmp_path, haproxy_installed, stand_ins):
    ca = RunCertificateAuthority(tmp_path / "tls")
    balancer = LoadBalancer(tmp_path / "balancer", ca.server_pem(("127.0.0.1", "localhost"), "balancer.pem"),
                            [node.as_node for node in stand_ins])
    with balancer:
        assert balancer.server_states() == {"node-a": "UP", "node-b": "UP"}
        with requests.Session() as session:  # one client, one kept-alive connection: still both nodes
            answers = [session.get(f"{balancer.public_url}/x", verify=str(ca.ca_path), timeout=10).json()
                       for _ in range(6)]
        assert [a["node"] for a in answers] in (["node-a", "node-b"] * 3, ["node-b", "node-a"] * 3)
        headers = answers[0]["headers"]
        assert headers["x-forwarded-proto"] == "https"
        assert headers["x-forwarded-host"] == f"127.0.0.1:{balancer.port}"
        assert headers["x-forwarded-port"] == str(balancer.port)
        assert headers["x-forwarded-for"] == "127.0.0.1"
        with pytest.raises(requests.exceptions.SSLError):  # only the run's CA vouches for it
            requests.get(balancer.public_url, timeout=10)

        stand_ins[1].ready = False
        deadline = time.monotonic() + 15
        while balancer.server_states()["node-b"] != "DOWN" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert balancer.server_states()["node-b"] == "DOWN"
        nodes = {requests.get(f"{balancer.public_url}/x", verify=str(ca.ca_path), timeout=10).json()["node"]
                 for _ in range(4)}
        assert nodes == {"node-a"}
        pgid = balancer.pgid
    assert not group_members(pgid), "HAProxy outlived stop()"


def test_a_node_taken_out_gets_nothing_until_put_back_and_a_closed_port_is_redispatched(
        tmp_path, haproxy_installed, stand_ins):
    ca = RunCertificateAuthority(tmp_path / "tls")
    balancer = LoadBalancer(tmp_path / "balancer", ca.server_pem(("127.0.0.1", "localhost"), "balancer.pem"),
                            [node.as_node for node in stand_ins])

    def nodes_answering(count=4):
        return {requests.get(f"{balancer.public_url}/x", verify=str(ca.ca_path), timeout=10).json()["node"]
                for _ in range(count)}

    with balancer:
        balancer.set_node_state("node-b", "maint")
        balancer.wait_for_state("node-b", "MAINT", timeout=5)
        assert nodes_answering() == {"node-a"}
        balancer.set_node_state("node-b", "ready")
        balancer.wait_for_state("node-b", "UP", timeout=10)
        assert nodes_answering() == {"node-a", "node-b"}
        with pytest.raises(ValueError):
            balancer.set_node_state("node-b", "stopped")
        with pytest.raises(BalancerError, match="node-c"):
            balancer.set_node_state("node-c", "maint")

        # Node B's port closes, as when its JVM is killed: before its health checks fail, HAProxy still
        # picks it, and sends the request on to node A instead of answering 503.
        stand_ins[1].servers[0].shutdown()
        stand_ins[1].servers[0].server_close()
        assert balancer.server_states()["node-b"] == "UP"
        assert nodes_answering(4) == {"node-a"}


def test_when_no_node_is_ready_the_live_ones_serve_and_the_ready_ones_again_once_they_are(
        tmp_path, haproxy_installed, stand_ins):
    ca = RunCertificateAuthority(tmp_path / "tls")
    balancer = LoadBalancer(tmp_path / "balancer", ca.server_pem(("127.0.0.1", "localhost"), "balancer.pem"),
                            [node.as_node for node in stand_ins])

    def answer():
        return requests.get(f"{balancer.public_url}/x", verify=str(ca.ca_path), timeout=10)

    def wait_until(condition, what):
        deadline = time.monotonic() + 15
        while not condition():
            assert time.monotonic() < deadline, f"HAProxy never saw {what}: {balancer.server_states()}"
            time.sleep(0.2)

    with balancer:
        # Both alive but neither ready, as after a crashed coordinator: still served, by both.
        for node in stand_ins:
            node.ready = False
        wait_until(lambda: set(balancer.server_states().values()) == {"DOWN"}, "both nodes not ready")
        assert balancer.server_states(ALIVE_BACKEND) == {"node-a": "UP", "node-b": "UP"}
        assert {answer().json()["node"] for _ in range(4)} == {"node-a", "node-b"}
        # One not even alive: the other serves alone; none alive: 503.
        stand_ins[1].alive = False
        wait_until(lambda: balancer.server_states(ALIVE_BACKEND)["node-b"] == "DOWN", "node-b dead")
        assert {answer().json()["node"] for _ in range(4)} == {"node-a"}
        stand_ins[0].alive = False
        wait_until(lambda: balancer.server_states(ALIVE_BACKEND)["node-a"] == "DOWN", "node-a dead")
        assert answer().status_code == 503
        # Ready again: back to the ready backend, even while the other backend still has it DOWN.
        stand_ins[1].ready = True
        wait_until(lambda: balancer.server_states()["node-b"] == "UP", "node-b ready")
        assert {answer().json()["node"] for _ in range(4)} == {"node-b"}


def test_a_node_never_ready_fails_the_start_with_haproxy_s_view_and_stops_it(tmp_path, haproxy_installed,
                                                                            stand_ins):
    stand_ins[1].ready = False
    ca = RunCertificateAuthority(tmp_path / "tls")
    balancer = LoadBalancer(tmp_path / "balancer", ca.server_pem(("127.0.0.1",), "balancer.pem"),
                            [node.as_node for node in stand_ins])
    with pytest.raises(BalancerError, match="does not see every node UP.*node-b"):
        balancer.start(timeout=5)
    assert not group_members(balancer.pgid)


def test_a_configuration_haproxy_refuses_is_reported_with_its_words(tmp_path, haproxy_installed, stand_ins):
    balancer = LoadBalancer(tmp_path / "balancer", tmp_path / "missing.pem", [stand_ins[0].as_node])
    with pytest.raises(BalancerError, match=r"(?s)HAProxy refuses .*haproxy\.cfg:\n\[ALERT\].*missing\.pem"):
        balancer.start()


def test_without_haproxy_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(balancer_module, "SBIN_HAPROXY", tmp_path / "haproxy")
    balancer = LoadBalancer(tmp_path / "balancer", tmp_path / "cert.pem", [])
    with pytest.raises(BalancerNotFoundError, match=r"make balancer.*apt-get install haproxy"):
        balancer.start()
