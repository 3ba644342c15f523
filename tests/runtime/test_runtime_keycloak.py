"""The real Keycloak server, started as a process (the session fixture plus
two short-lived extra servers)."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from provisioning.runtime.java import JavaRuntime
from provisioning.runtime.keycloak import BUILD_OPTIONS, STAMP_NAME, KeycloakServer, KeycloakStartError
from provisioning.runtime.process import group_members, pid_alive


@pytest.fixture
def process_server(keycloak) -> KeycloakServer:
    if not isinstance(keycloak, KeycloakServer):
        pytest.skip("the session Keycloak is not a local process (URL or container mode)")
    return keycloak


def test_health_ready(process_server):
    r = requests.get(f"{process_server.management_url}/health/ready", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "UP"


def test_admin_gets_a_token_and_reads_master(keycloak, keycloak_admin_token):
    r = requests.get(
        f"{keycloak.base_url}/admin/realms/master",
        headers={"Authorization": f"Bearer {keycloak_admin_token}"},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["realm"] == "master"


def test_build_stamp_matches_fingerprint(process_server):
    stamp = json.loads((process_server.distribution.home / STAMP_NAME).read_text())
    assert stamp == process_server.build_fingerprint()
    assert stamp["build_options"] == list(BUILD_OPTIONS)
    assert stamp["java_major"] == process_server.java.major
    assert process_server.start_seconds > 0


def test_fingerprint_covers_provider_jars(tmp_path, process_server):
    jar = tmp_path / "psc-mapper.jar"
    jar.write_bytes(b"v1")
    server = KeycloakServer(process_server.distribution, tmp_path / "d", providers=[jar])
    server.java = JavaRuntime(process_server.java.home, process_server.java.major, "test")
    first = server.build_fingerprint()
    jar.write_bytes(b"v2")
    assert server.build_fingerprint() != first
    assert first != process_server.build_fingerprint()


def test_second_server_reuses_the_build_and_stop_leaves_no_jvm(process_server, tmp_path):
    second = KeycloakServer(process_server.distribution, tmp_path / "second", java=process_server.java,
                            providers=process_server.providers)
    try:
        second.start()
        assert second.build_seconds == 0 and not second.rebuilt
        assert second.base_url != process_server.base_url
        r = requests.get(f"{second.management_url}/health/ready", timeout=10)
        assert r.json()["status"] == "UP"
        jvms = [p for p in group_members(second.pgid) if p.is_keycloak_jvm]
        assert len(jvms) == 1
        # its own database and its own generated admin password
        assert str(second.data_dir / "keycloakdb") in " ".join(jvms[0].cmdline)
        token = requests.post(
            f"{second.base_url}/realms/master/protocol/openid-connect/token",
            data={"grant_type": "password", "client_id": "admin-cli",
                  "username": second.admin_username, "password": second.admin_password},
            timeout=30,
        )
        assert token.status_code == 200
    finally:
        second.stop()
    assert group_members(second.pgid) == []
    assert not pid_alive(jvms[0].pid)
    assert not (second.data_dir / "keycloak.pid").exists()
    second.stop()  # idempotent
    # the session server is untouched
    assert requests.get(f"{process_server.management_url}/health/ready", timeout=10).status_code == 200


def test_start_failure_raises_with_log_tail(process_server, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = KeycloakServer(process_server.distribution, tmp_path / "failing",
                                http_port=port, java=process_server.java, providers=process_server.providers)
        with pytest.raises(KeycloakStartError) as err:
            server.start(timeout=120)
    message = str(err.value)
    assert str(server.log_path) in message
    assert "last 40 log lines" in message
    assert err.value.log_tail and len(err.value.log_tail.splitlines()) <= 40
    assert group_members(server.pgid) == []
