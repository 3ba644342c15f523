"""Bootstrap-admin bookkeeping of KeycloakServer (no JVM needed)."""

from __future__ import annotations

import json
import stat

from provisioning.runtime.keycloak import KeycloakServer


def test_generated_password_is_random_and_remembered_for_the_database(tmp_path):
    first = KeycloakServer(None, tmp_path / "d")
    other = KeycloakServer(None, tmp_path / "e")
    assert first.admin_password and first.admin_password != other.admin_password

    first.data_dir.mkdir()
    first.settle_bootstrap_credentials()
    creds = first.data_dir / "bootstrap-admin.json"
    assert json.loads(creds.read_text())["password"] == first.admin_password
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600

    # Keycloak applies KC_BOOTSTRAP_ADMIN_* only to a fresh database: a restart
    # on the same data dir must reuse the password the database was created with.
    (first.data_dir / "keycloakdb.mv.db").write_bytes(b"")
    restarted = KeycloakServer(None, tmp_path / "d")
    restarted.settle_bootstrap_credentials()
    assert restarted.admin_password == first.admin_password


def test_explicit_password_and_client_secret(tmp_path):
    server = KeycloakServer(None, tmp_path / "d", admin_password="s3cret", bootstrap_client_id="ops")
    server.data_dir.mkdir()
    server.settle_bootstrap_credentials()
    assert server.admin_password == "s3cret"
    assert server.bootstrap_client_secret  # generated when not given
