"""docker-compose.yml's balancer and its TLS, run here without Docker: the `tls` job's command for real
(provisioning/runtime/run_ca.py), the committed docker/haproxy.cfg as the generator writes it and as
Debian's HAProxy reads it, and HAProxy running the compose configuration before two stand-in nodes
(loopback addresses and free ports instead of the containers', nothing else changed)."""
from __future__ import annotations

import datetime as dt
import json
import re
import socket
import ssl
import stat
import subprocess
import sys
import time

import pytest
from cryptography import x509

import compose_model as compose
from fixtures.realms import REPO
from fixtures.stand_in_node import StandInNode
from provisioning.runtime.balancer import (COMPOSE_CERTIFICATE, COMPOSE_PUBLIC_HOST, BalancerNotFoundError,
                                           compose_config_text, find_haproxy)
from provisioning.runtime.keycloak import free_port
from provisioning.runtime.process import group_members, terminate_group
from provisioning.runtime.run_ca import CA_FILE_NAME, SERVER_FILE_NAME, current_files
from test_compose_file import NODES, USER_SETTINGS


@pytest.fixture(scope="module")
def svc() -> dict[str, compose.Service]:
    return compose.services(compose.interpolate(compose.load(), USER_SETTINGS))


@pytest.fixture(scope="module")
def haproxy():
    try:
        return find_haproxy()
    except BalancerNotFoundError as err:
        pytest.skip(str(err))


def run_tls_job(svc, directory) -> subprocess.CompletedProcess:
    """The `tls` service's command, its volume moved to ``directory``."""
    command = svc["tls"].command
    [(_, target)] = svc["tls"].mounts()
    argv = [sys.executable if word == "python" else str(directory) if word == target else word for word in command]
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)


@pytest.fixture
def tls_files(svc, tmp_path):
    directory = tmp_path / "tls"
    made = run_tls_job(svc, directory)
    assert made.returncode == 0, made.stderr
    return directory


def test_the_committed_haproxy_cfg_is_the_generators_output():
    assert compose.HAPROXY_CONFIG.read_text(encoding="utf-8") == compose_config_text(), \
        "docker/haproxy.cfg is stale: run python -m provisioning.runtime.balancer --compose"
    check = subprocess.run([sys.executable, "-m", "provisioning.runtime.balancer", "--compose", "--check"],
                           cwd=REPO, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "up to date" in check.stdout, check.stderr


def test_the_generator_rewrites_a_stale_file_and_check_says_so(tmp_path):
    stale = tmp_path / "haproxy.cfg"
    stale.write_text(compose_config_text().replace("balance roundrobin", "balance source"), encoding="utf-8")
    run = [sys.executable, "-m", "provisioning.runtime.balancer", "--compose", "--output", str(stale)]
    check = subprocess.run([*run, "--check"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and "--compose" in check.stderr
    written = subprocess.run(run, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert written.returncode == 0 and stale.read_text(encoding="utf-8") == compose_config_text()


def test_the_tls_job_makes_a_ca_and_a_certificate_for_the_public_host_then_keeps_them(svc, tmp_path):
    directory = tmp_path / "tls"
    first = run_tls_job(svc, directory)
    assert first.returncode == 0 and "written" in first.stdout, first.stderr
    ca = x509.load_pem_x509_certificate((directory / CA_FILE_NAME).read_bytes())
    server_pem = directory / SERVER_FILE_NAME
    server = x509.load_pem_x509_certificate(server_pem.read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [COMPOSE_PUBLIC_HOST]
    assert b"PRIVATE KEY" in server_pem.read_bytes() and stat.S_IMODE(server_pem.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in (directory / CA_FILE_NAME).read_bytes()  # the CA's key is never written
    days = int(next(w for w in svc["tls"].command if w.startswith("--days=")).split("=")[1])
    lifetime = server.not_valid_after_utc - server.not_valid_before_utc
    assert dt.timedelta(days=days) <= lifetime <= dt.timedelta(days=days, minutes=10)

    # The next `docker compose up` keeps them (browsers that trust the CA go on trusting it)...
    before = server_pem.read_bytes()
    again = run_tls_job(svc, directory)
    assert again.returncode == 0 and "kept" in again.stdout and server_pem.read_bytes() == before
    # ... unless they no longer fit: another host, or close to their end.
    assert not current_files(directory, ("other.localhost",))
    assert not current_files(directory, (COMPOSE_PUBLIC_HOST,), now=server.not_valid_after_utc - dt.timedelta(hours=23))
    (directory / CA_FILE_NAME).write_bytes(b"not a certificate")
    renewed = run_tls_job(svc, directory)
    assert renewed.returncode == 0 and "written" in renewed.stdout and server_pem.read_bytes() != before


def test_haproxy_accepts_the_committed_configuration_with_the_tls_jobs_certificate(haproxy, tls_files, tmp_path):
    """`haproxy -c` on docker/haproxy.cfg, the certificate's container path moved to the job's output here.
    Only the nodes' names cannot resolve outside the compose network, which the file allows for."""
    text = compose.HAPROXY_CONFIG.read_text(encoding="utf-8")
    assert text.count(COMPOSE_CERTIFICATE) == 1
    config = tmp_path / "haproxy.cfg"
    config.write_text(text.replace(COMPOSE_CERTIFICATE, str(tls_files / SERVER_FILE_NAME)), encoding="utf-8")
    check = subprocess.run([str(haproxy), "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    said = check.stdout + check.stderr
    assert check.returncode == 0, said
    complaints = [line for line in said.splitlines() if line.startswith(("[WARNING]", "[ALERT]"))]
    # Each node twice: in the ready backend and in the live fallback one.
    assert len(complaints) == 2 * len(NODES) and all("could not resolve address" in line for line in complaints), said


def test_the_balancer_image_is_the_haproxy_branch_the_local_cluster_runs(svc, haproxy):
    version = subprocess.run([str(haproxy), "-v"], capture_output=True, text=True, timeout=30).stdout
    branch = re.search(r"HAProxy version (\d+\.\d+)\.", version).group(1)
    assert svc["balancer"].spec["image"] == f"haproxy:{branch}"


def https_get(port: int, path: str, ca_file, host: str = COMPOSE_PUBLIC_HOST) -> tuple[int, str]:
    """GET over TLS to 127.0.0.1:port as a client that asked for ``host`` (*.localhost need no resolver),
    verifying the certificate against ``ca_file`` for that name."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            return _response(tls)


def http_get(port: int, path: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        return _response(sock)[0]


def _response(sock) -> tuple[int, str]:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def wait_for(condition, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f}s"
        time.sleep(0.2)


def test_haproxy_on_the_compose_configuration_balances_over_tls_and_answers_its_monitor_url(
        haproxy, tls_files, tmp_path):
    # Never alive for HAProxy's fallback backend: with no node ready, nothing serves.
    nodes = [StandInNode(name, alive=False) for name in NODES]
    port, monitor = free_port(), free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(compose_config_text(nodes=tuple(n.as_node for n in nodes), port=port, monitor_port=monitor,
                                          certificate=tls_files / SERVER_FILE_NAME, address="127.0.0.1"),
                      encoding="utf-8")
    log = open(tmp_path / "haproxy.log", "wb")
    process = subprocess.Popen([str(haproxy), "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    ca = tls_files / CA_FILE_NAME
    try:
        def monitor_says(code):
            try:
                return http_get(monitor, "/ready") == code
            except OSError:
                return False
        wait_for(lambda: monitor_says(200), "the monitor URL answering 200")
        answers = [json.loads(https_get(port, "/realms/x", ca)[1]) for _ in range(4)]
        assert [a["node"] for a in answers] in ([*NODES, *NODES], [*reversed(NODES), *reversed(NODES)])
        headers = {k.lower(): v for k, v in answers[0]["headers"].items()}
        assert headers["x-forwarded-proto"] == "https" and headers["x-forwarded-port"] == str(port)
        assert headers["x-forwarded-host"] == f"{COMPOSE_PUBLIC_HOST}:{port}"
        with pytest.raises(ssl.SSLCertVerificationError):  # the certificate is for the public host only
            https_get(port, "/", ca, host="127.0.0.1")

        nodes[0].ready = False  # one node out: still served, still healthy
        wait_for(lambda: {json.loads(https_get(port, "/", ca)[1])["node"] for _ in range(4)} == {NODES[1]},
                 f"{NODES[0]} taken out of the rotation")
        assert monitor_says(200)
        nodes[1].ready = False  # none left: the container's health check fails
        wait_for(lambda: monitor_says(503), "the monitor URL answering 503 with no node UP")
        assert https_get(port, "/", ca)[0] == 503
    finally:
        terminate_group(process.pid, timeout=10)
        process.wait(timeout=10)
        log.close()
        for node in nodes:
            node.close()
    assert process.returncode is not None and not group_members(process.pid), "HAProxy outlived the test"
