"""runtime/balancer.py: Debian's HAProxy in front of two stand-in nodes (small HTTP servers, no Keycloak).

What the cluster relies on, against the real HAProxy: TLS with the run's CA, round robin without
stickiness, X-Forwarded-* headers, a node whose `/health/ready` fails taken out of the rotation,
nothing left running after stop(), and a clear error when HAProxy is not installed.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from provisioning.runtime import balancer as balancer_module
from provisioning.runtime.balancer import BalancerError, BalancerNotFoundError, LoadBalancer, Node, find_haproxy
from provisioning.runtime.process import group_members
from provisioning.runtime.run_ca import RunCertificateAuthority


class StandInNode:
    """Answers every request on its HTTP port with its name and the headers it got; its management
    port answers /health/ready with 200 while ``ready``, else 503."""

    def __init__(self, name: str):
        self.name = name
        self.ready = True
        node = self

        class App(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"node": node.name, "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Management(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path == "/health/ready" and node.ready else 503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), App), ThreadingHTTPServer(("127.0.0.1", 0), Management)]
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    @property
    def as_node(self) -> Node:
        return Node(self.name, self.servers[0].server_port, self.servers[1].server_port)

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


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


def test_a_node_set_to_maint_gets_nothing_until_it_is_set_ready_again(tmp_path, haproxy_installed, stand_ins):
    ca = RunCertificateAuthority(tmp_path / "tls")
    balancer = LoadBalancer(tmp_path / "balancer", ca.server_pem(("127.0.0.1",), "balancer.pem"),
                            [node.as_node for node in stand_ins])

    def nodes_answering(count: int) -> list[str]:
        return [requests.get(f"{balancer.public_url}/x", verify=str(ca.ca_path), timeout=10).json()["node"]
                for _ in range(count)]

    with balancer:
        balancer.set_admin_state("node-b", "maint")
        assert balancer.server_states() == {"node-a": "UP", "node-b": "MAINT"}
        assert set(nodes_answering(6)) == {"node-a"}
        balancer.set_admin_state("node-b", "ready")
        deadline = time.monotonic() + 15
        while balancer.server_states()["node-b"] != "UP" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert balancer.server_states() == {"node-a": "UP", "node-b": "UP"}
        assert set(nodes_answering(6)) == {"node-a", "node-b"}
        with pytest.raises(ValueError, match="node-c"):
            balancer.set_admin_state("node-c", "maint")
        with pytest.raises(ValueError, match="drain"):
            balancer.set_admin_state("node-a", "drain")
