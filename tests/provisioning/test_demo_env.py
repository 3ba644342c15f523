"""The demo's env file: what `smur-iam demo` writes for another shell, and the secrets a demo started
again on the same --data-dir takes back from it (so that it is the same deployment)."""
from __future__ import annotations

import os
from pathlib import Path

from provisioning.demo import demo_settings, kept_secrets, write_env_file

REALM_DIR = Path(__file__).resolve().parents[2] / "realm"
ISSUER = "http://127.0.0.1:1/auth/realms/esante-wallet"


def test_a_demo_started_again_keeps_the_secrets_it_made_up(tmp_path):
    first = demo_settings(ISSUER, REALM_DIR, "http://127.0.0.1:2")
    invented = {name: value for name, value in first.items() if "SECRET" in name and name not in os.environ}
    assert invented, "the shipped realm/ references secrets the demo makes up"
    env_file = write_env_file(tmp_path / "smur-iam.env", first, REALM_DIR,
                              {"SMUR_IAM_ADMIN_PASSWORD": "it's $ecret"}, control_token=None)
    kept = kept_secrets(env_file)
    assert {name: kept.get(name) for name in invented} == invented
    assert "SMUR_IAM_ADMIN_PASSWORD" not in kept  # Keycloak's admin comes from its own data dir
    again = demo_settings(ISSUER, REALM_DIR, "http://127.0.0.1:2", kept)
    assert {name: again[name] for name in invented} == invented
    # A fresh data dir (no env file) gets new ones.
    fresh = demo_settings(ISSUER, REALM_DIR, "http://127.0.0.1:2", kept_secrets(tmp_path / "missing.env"))
    assert all(fresh[name] != value for name, value in invented.items())


def test_a_line_it_did_not_write_is_skipped(tmp_path):
    env_file = tmp_path / "smur-iam.env"
    env_file.write_text("export A_SECRET='unterminated\nexport B_SECRET=kept  # a comment\nB_SECRET_2=no-export\n")
    assert kept_secrets(env_file) == {"B_SECRET": "kept"}
