"""tls_client_auth through plan, apply, drift and export, against the real Keycloak and a mock PSC
that serves its mTLS port: the broker gets PSC's mTLS token and userinfo URLs and no secret (nor its
fingerprint); moving a region from a secret to the certificate and back is one update of the broker;
export writes the method and never a secret; a PSC publishing no mTLS aliases stops the plan."""
from __future__ import annotations

import pytest
import yaml

from fixtures.certificates import CertificateAuthority
from fixtures.mtls_files import deployment_settings, pem_files, region_uses_secret, region_uses_tls
from fixtures.realms import copy_region, drop_realms, run_cli, unique_realm
from mockpsc.server import MockPSC
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
from provisioning.resources.identity_provider import SECRET_FINGERPRINT


@pytest.fixture(scope="module")
def tls_psc(tmp_path_factory):
    """A mock PSC of this module's own, with its mTLS port (the session's has none)."""
    with MockPSC(tls_port=0, tls_dir=tmp_path_factory.mktemp("psc-tls")) as psc:
        yield psc


def _region(request, tmp_path, keycloak, psc):
    files = copy_region(tmp_path, unique_realm(request.node.name), keycloak, psc)
    client_ca = CertificateAuthority("SMUR client CA")
    client = client_ca.client("smur-keycloak")
    # Provisioning never calls PSC's mTLS port: any CA bundle does, PSC's when it has one.
    pem_files(files, client.pem(), client.key_pem(), psc.ca_path.read_bytes() if psc.mtls_origin else client_ca.pem())
    deployment_settings(files)
    return files


@pytest.fixture
def region(request, tmp_path, keycloak, tls_psc):
    files = _region(request, tmp_path, keycloak, tls_psc)
    yield files
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [files.realm])


def cli(files, *args: str, code: int = 0):
    result = run_cli(*args, env=files.env)
    assert result.returncode == code, f"{args}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def broker(oracle, files) -> dict:
    return oracle(files.realm).get_idp("psc")


def test_tls_client_auth_is_applied_without_a_secret_on_psc_mtls_endpoints(region, oracle, tls_psc):
    region_uses_tls(region)
    applied = cli(region, "apply", str(region.directory), "--yes")
    assert region.psc_client_secret not in applied.stdout + applied.stderr
    config = broker(oracle, region)["config"]
    assert config["clientAuthMethod"] == "tls_client_auth"
    assert "clientSecret" not in config and SECRET_FINGERPRINT not in config
    assert config["tokenUrl"] == tls_psc.mtls_endpoint("token")
    assert config["userInfoUrl"] == tls_psc.mtls_endpoint("userinfo")
    assert config["jwksUrl"] == tls_psc.endpoint("certs")  # public keys: no client certificate needed
    assert config["clientId"] == region.psc_client_id
    cli(region, "plan", str(region.directory), "--detailed-exitcode")
    cli(region, "drift", str(region.directory))

    # A secret put back by hand is drift: the broker must hold none.
    idp = broker(oracle, region)
    idp["config"]["clientSecret"] = "set-by-hand"
    oracle(region.realm).update_idp("psc", idp)
    drift = cli(region, "drift", str(region.directory), code=2)
    assert "config.clientSecret: ******** in Keycloak, (removed) in the files" in drift.stdout
    assert "set-by-hand" not in drift.stdout
    cli(region, "apply", str(region.directory), "--yes")
    assert "clientSecret" not in broker(oracle, region)["config"]


def test_switching_between_secret_and_certificate_is_a_plain_update(region, oracle, tls_psc):
    cli(region, "apply", str(region.directory), "--yes")
    before = broker(oracle, region)
    assert before["config"]["clientAuthMethod"] == "client_secret_basic"
    assert before["config"]["tokenUrl"] == tls_psc.endpoint("token")

    region_uses_tls(region)
    plan = cli(region, "plan", str(region.directory), "--detailed-exitcode", code=2).stdout
    assert "~ update identity-provider 'psc'" in plan, plan
    for line in ("config.clientAuthMethod: 'client_secret_basic' -> 'tls_client_auth'",
                 f"config.tokenUrl: '{tls_psc.endpoint('token')}' -> '{tls_psc.mtls_endpoint('token')}'",
                 f"config.userInfoUrl: '{tls_psc.endpoint('userinfo')}' -> '{tls_psc.mtls_endpoint('userinfo')}'",
                 "config.clientSecret: ******** -> (removed)"):
        assert line in plan, f"{line!r} not in the plan:\n{plan}"
    assert "create identity-provider" not in plan and "delete identity-provider" not in plan
    cli(region, "apply", str(region.directory), "--yes")
    after = broker(oracle, region)
    assert after["internalId"] == before["internalId"], "updated, not recreated"
    assert "clientSecret" not in after["config"] and SECRET_FINGERPRINT not in after["config"]
    cli(region, "plan", str(region.directory), "--detailed-exitcode")

    region_uses_secret(region)
    plan = cli(region, "plan", str(region.directory), "--detailed-exitcode", code=2).stdout
    assert "config.clientAuthMethod: 'tls_client_auth' -> 'client_secret_basic'" in plan
    assert "config.clientSecret: (unset) -> (new value)" in plan and region.psc_client_secret not in plan
    cli(region, "apply", str(region.directory), "--yes")
    back = broker(oracle, region)
    assert back["internalId"] == before["internalId"]
    assert back["config"]["clientSecret"] == "**********"  # stored again, never shown
    assert back["config"]["tokenUrl"] == tls_psc.endpoint("token")
    cli(region, "plan", str(region.directory), "--detailed-exitcode")


def test_export_writes_tls_client_auth_and_never_a_secret(region, tmp_path):
    region_uses_tls(region)
    cli(region, "apply", str(region.directory), "--yes")
    out = tmp_path / "exported"
    cli(region, "export", str(region.directory), "--realm", region.realm, "--out", str(out))
    text = (out / f"{region.realm}.yaml").read_text(encoding="utf-8")
    idp = yaml.safe_load(text)["identityProvider"]
    assert idp["clientAuthMethod"] == "tls_client_auth"
    assert "clientSecret" not in idp and "PSC_CLIENT_SECRET" not in text and region.psc_client_secret not in text
    # The exported file is a working region file: with the deployment's certificate it is valid and in sync.
    exported_region = region.directory / f"{region.realm}.yaml"
    region.region_file.unlink()
    exported_region.write_text(text, encoding="utf-8")
    cli(region, "validate", str(region.directory))
    cli(region, "plan", str(region.directory), "--detailed-exitcode")


def test_a_psc_without_mtls_endpoints_stops_the_plan_before_any_write(request, tmp_path, keycloak, mock_psc,
                                                                       admin_api):
    """The session's mock PSC runs no TLS port: its discovery has no https mTLS aliases."""
    files = _region(request, tmp_path, keycloak, mock_psc)
    region_uses_tls(files)
    for command in ("plan", "apply"):
        result = cli(files, command, str(files.directory), "--yes" if command == "apply" else "-v", code=1)
        assert "has no https mtls_endpoint_aliases.token_endpoint (RFC 8705 §5), which a region with " \
               "clientAuthMethod tls_client_auth needs" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert admin_api.get(f"/admin/realms/{files.realm}", allow_404=True) is None, "nothing created"
