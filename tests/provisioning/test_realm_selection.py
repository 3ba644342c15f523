"""`--realm` reads the selected realms' secrets only: a regional admin holds her own region's secrets,
never the 17 others'. Without `--realm`, every missing variable is still named at once."""
from __future__ import annotations

import os
import re
import uuid

import pytest

from fixtures.connection_recorder import ConnectionRecorder
from fixtures.mtls_files import PKCS12_SETTINGS, deployment_settings, region_uses_tls
from fixtures.realms import copy_all_regions, copy_realm_files, drop_realms, run_cli
from provisioning.config import ConfigInvalid, load_config
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials

GRAND_EST_SECRETS = ("PSC_CLIENT_SECRET_GRAND_EST", "SMUR_BACKOFFICE_SECRET_GRAND_EST")


@pytest.fixture
def eighteen_regions(tmp_path, keycloak, mock_psc):
    """The 18 shipped region files (realms renamed for this test), and the environment of Grand Est's
    admin: Keycloak, the mock PSC, and Grand Est's two secrets only."""
    realms = copy_all_regions(tmp_path, f"t{uuid.uuid4().hex[:6]}")
    grand_est = realms["smur-grand-est"]
    env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_PSC_ENVIRONMENT": "mock",
           "SMUR_IAM_MOCK_PSC_ISSUER": mock_psc.issuer, "SMUR_IAM_CACHE": str(tmp_path / "cache"),
           "SMUR_IAM_KEYCLOAK_URL": keycloak.base_url, "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
           "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password,
           **{name: uuid.uuid4().hex for name in GRAND_EST_SECRETS}}
    yield tmp_path / "realm", env, grand_est, realms
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [grand_est])


def test_a_regional_admin_plans_applies_and_checks_her_realm_with_her_secrets_only(eighteen_regions, oracle):
    directory, env, grand_est, realms = eighteen_regions
    selected = ("--realm", grand_est)

    plan = run_cli("plan", str(directory), *selected, "--detailed-exitcode", env=env)
    assert plan.returncode == 2, plan.stderr
    assert f"realm {grand_est} (" in plan.stdout and f"  + create realm '{grand_est}'" in plan.stdout
    others = [realm for name, realm in realms.items() if name != "smur-grand-est"]
    assert not any(realm in plan.stdout for realm in others), plan.stdout
    assert "in 1 of 1 realm(s)" in plan.stdout

    applied = run_cli("apply", str(directory), *selected, env=env)
    assert applied.returncode == 0, applied.stderr
    kc = oracle(grand_est)
    assert kc.get_idp("psc")["config"]["clientId"] == "smur-grand-est"
    assert {c["clientId"] for c in kc.get_clients()} >= {"smurtab", "smur-backoffice", "smur-api"}
    assert not any(r["realm"] in others for r in kc.get_realms())

    assert run_cli("plan", str(directory), *selected, "--detailed-exitcode", env=env).returncode == 0
    drift = run_cli("drift", str(directory), *selected, env=env)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    exported = run_cli("export", str(directory), *selected, env=env)
    assert exported.returncode == 0 and f"realm: {grand_est}" in exported.stdout, exported.stderr
    validated = run_cli("validate", str(directory), *selected, env=env)
    assert validated.returncode == 0, validated.stderr
    assert f"valid (1 realm(s): {grand_est};" in validated.stdout


def test_without_realm_every_missing_variable_is_named_and_nothing_is_asked_of_keycloak(eighteen_regions):
    directory, env, _, _ = eighteen_regions
    recorder = ConnectionRecorder()
    try:
        env = env | {"SMUR_IAM_KEYCLOAK_URL": recorder.url}
        for command in ("plan", "apply", "drift", "validate"):
            result = run_cli(command, str(directory), env=env)
            assert result.returncode == 1, (command, result.stdout, result.stderr)
            missing = set(re.findall(r"environment variable (\w+) is not set", result.stderr))
            assert len(missing) == 34 and not missing & set(GRAND_EST_SECRETS), (command, sorted(missing))
            assert "34 error(s)" in result.stderr
        assert recorder.connections == 0
    finally:
        recorder.close()


def test_an_unknown_realm_is_named_with_the_realms_the_files_define(tmp_path):
    files = copy_realm_files(tmp_path, "t-selection")
    result = run_cli("validate", str(files.directory), "--realm", "smur-nulle-part", env=files.env)
    assert result.returncode == 1
    assert "--realm not in the files: smur-nulle-part (realms: t-selection)" in result.stderr


def test_the_client_certificate_is_read_only_for_a_selected_region_that_uses_it(tmp_path):
    """deployment.yaml's tlsClientAuth (here a PKCS#12 whose file and password this admin lacks) is read
    when a selected region authenticates with it, not for a region with a client secret."""
    files = copy_realm_files(tmp_path, "t-selection-tls")
    deployment_settings(files, PKCS12_SETTINGS)
    env = files.env  # neither tls/client.p12 nor PSC_CLIENT_KEYSTORE_PASSWORD exists

    config = load_config(files.directory, env=env, realms=["t-selection-tls"])
    assert [r.realm for r in config.regions] == ["t-selection-tls"]
    with pytest.raises(ConfigInvalid) as everything:
        load_config(files.directory, env=env)
    assert "PSC_CLIENT_KEYSTORE_PASSWORD is not set" in str(everything.value)

    region_uses_tls(files)
    with pytest.raises(ConfigInvalid) as selected:
        load_config(files.directory, env=env, realms=["t-selection-tls"])
    assert "PSC_CLIENT_KEYSTORE_PASSWORD is not set" in str(selected.value)
    assert "client.p12" in str(selected.value)
