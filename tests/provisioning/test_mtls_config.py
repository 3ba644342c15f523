"""tls_client_auth in the files: the region chooses it, deployment.yaml holds the one client certificate
Keycloak presents (PEM or PKCS#12, by ${file:} reference), and `smur-iam` checks it all offline:
clear errors naming file, line and field, exit 1, not one request sent; a warning under 30 days."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from fixtures.certificates import CertificateAuthority, write
from fixtures.mtls_files import (PEM_SETTINGS, PKCS12_SETTINGS, REGION_SECRET, REGION_TLS, deployment_settings,
                                pem_files, region_uses_tls)
from fixtures.realms import copy_realm_files, run_cli
from provisioning.cli import main as cli
from provisioning.config import ConfigInvalid


@pytest.fixture
def files(tmp_path):
    return copy_realm_files(tmp_path, "t-mtls-config")


@pytest.fixture
def ca():
    return CertificateAuthority("PSC test CA")


def tls_files(files, ca, **overrides: bytes) -> None:
    client = ca.client()
    pem_files(files, client.pem(), client.key_pem(), ca.pem())
    write(files.directory / "tls", overrides)


def env_for(files, recorder) -> dict:
    return files.env | {"SMUR_IAM_KEYCLOAK_URL": recorder.url, "SMUR_IAM_ADMIN_USER": "admin",
                        "SMUR_IAM_ADMIN_PASSWORD": "unused", "SMUR_IAM_MOCK_PSC_ISSUER": recorder.url + "/psc/"}


def refused(files, recorder, *commands: str) -> list[str]:
    """Every command exits 1 before any request; the error lines (the same for each command)."""
    runner = CliRunner()
    lines = None
    for command in commands or ("validate", "plan", "apply"):
        result = runner.invoke(cli, [command, str(files.directory)], env=env_for(files, recorder))
        assert result.exit_code == 1, (command, result.output, result.stderr)
        found = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
        assert lines in (None, found), (command, found, lines)
        lines = found
    assert recorder.connections == 0, "bad input must be refused before contacting any server"
    return lines


def test_a_region_with_tls_client_auth_and_the_deployments_certificate_is_valid(files, ca):
    deployment_settings(files)
    tls_files(files, ca)
    region_uses_tls(files)
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    config = files.load()
    [region] = config.regions
    assert region.identityProvider.clientAuthMethod == "tls_client_auth"
    assert region.identityProvider.clientSecret is None
    tls = config.deployment.psc.selected.tlsClientAuth
    assert tls.key.reveal() == (files.directory / "tls" / "client.key").read_bytes()
    # Key material never shows in a repr, a log line or an error.
    assert "PRIVATE" not in repr(config.deployment) and "${file:tls/client.key} -> ********" in repr(tls.key)


def test_pkcs12_with_its_password_from_the_environment_is_valid(files, ca):
    deployment_settings(files, PKCS12_SETTINGS)
    client = ca.client()
    write(files.directory / "tls", {"client.p12": client.pkcs12("keystore-pass"), "psc-ca.pem": ca.pem()})
    region_uses_tls(files)
    files.env["PSC_CLIENT_KEYSTORE_PASSWORD"] = "keystore-pass"
    assert run_cli("validate", str(files.directory), env=files.env).returncode == 0
    files.env["PSC_CLIENT_KEYSTORE_PASSWORD"] = "wrong-pass"
    with pytest.raises(ConfigInvalid) as caught:
        files.load()
    [error] = caught.value.errors
    assert error.field == "psc.environments.mock.tlsClientAuth.pkcs12"
    assert "not a readable PKCS#12 file, or a wrong password" in error.message and "wrong-pass" not in str(error)


def test_tls_client_auth_needs_the_deployments_certificate(files, recorder):
    region_uses_tls(files)
    [line] = refused(files, recorder)
    assert re.match(r".*smur-grand-est\.yaml:\d+:3: identityProvider\.clientAuthMethod: tls_client_auth needs the "
                    r"client certificate Keycloak presents to PSC: set psc\.environments\.mock\.tlsClientAuth in "
                    r"deployment\.yaml$", line), line


def test_tls_client_auth_states_no_secret(files, recorder, ca):
    deployment_settings(files)
    tls_files(files, ca)
    files.edit(REGION_SECRET, REGION_SECRET + REGION_TLS)
    [line] = refused(files, recorder)
    assert "smur-grand-est.yaml:" in line and "identityProvider:" in line
    assert "tls_client_auth authenticates with the deployment's client certificate and sends no secret: remove " \
           "clientSecret" in line


def test_a_secret_method_still_needs_its_secret(files, recorder):
    files.edit(REGION_SECRET, "")
    [line] = refused(files, recorder, "validate")
    assert "identityProvider:" in line and "clientAuthMethod client_secret_basic needs clientSecret" in line


def _pem_pair(client):
    return {"client.pem": client.pem(), "client.key": client.key_pem()}


def _expired(ca):
    return _pem_pair(ca.client(days=10, starts_in_days=-20))


def _not_yet_valid(ca):
    return _pem_pair(ca.client(starts_in_days=2))


def _other_key(ca):
    return {"client.key": ca.client("someone-else").key_pem()}


def _encrypted_key(ca):
    client = ca.client()
    return {"client.pem": client.pem(), "client.key": client.key_pem(password="key-pass")}


BROKEN = [
    # (id, files replaced, field under psc.environments.mock.tlsClientAuth, message fragment)
    ("key-of-another-certificate", _other_key, "key", "the private key does not match the certificate (CN=smur-keycloak,"),
    ("expired", _expired, "certificate", "expired on"),
    ("not-yet-valid", _not_yet_valid, "certificate", "is not valid before"),
    ("certificate-not-pem", lambda ca: {"client.pem": b"MIIB...not a certificate"}, "certificate",
     "no PEM certificate in it (expected '-----BEGIN CERTIFICATE-----')"),
    ("key-not-pem", lambda ca: {"client.key": b"hunter2"}, "key", "no PEM private key in it"),
    ("encrypted-key-without-password", _encrypted_key, "key", "the private key is encrypted: give its password"),
    ("ca-bundle-garbage", lambda ca: {"psc-ca.pem": b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"},
     "caBundle", "not a readable PEM certificate"),
    ("ca-bundle-not-a-ca", lambda ca: {"psc-ca.pem": ca.client("leaf").pem()}, "caBundle",
     "'CN=leaf,O=SMUR test' is not a CA certificate"),
]


@pytest.mark.parametrize("replace,field,fragment", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_unusable_certificate_material_is_refused_at_its_field(files, recorder, ca, replace, field, fragment):
    start = deployment_settings(files)
    tls_files(files, ca)
    write(files.directory / "tls", replace(ca))
    region_uses_tls(files)
    [line] = refused(files, recorder)
    offset = {"certificate": 1, "key": 2, "caBundle": 3}[field]
    assert f"deployment.yaml:{start + offset}:9: psc.environments.mock.tlsClientAuth.{field}: " in line, line
    assert fragment in line, line
    key_text = (files.directory / "tls" / "client.key").read_text(errors="replace").splitlines()
    assert all(part not in line for part in key_text[1:2] + ["hunter2"]), "key material in an error"


SHAPES = [
    ("certificate-without-key", "      tlsClientAuth:\n        certificate: ${file:tls/client.pem}\n",
     "a PEM client certificate needs both certificate and key: add key"),
    ("pem-and-pkcs12", PEM_SETTINGS + "        pkcs12: ${file:tls/client.pem}\n",
     "give either certificate and key (PEM) or pkcs12, not both"),
    ("nothing", "      tlsClientAuth:\n        caBundle: ${file:tls/psc-ca.pem}\n",
     "give the client certificate: certificate and key (PEM), or pkcs12"),
    ("key-in-clear", PEM_SETTINGS.replace("${file:tls/client.key}", "MHcCAQEEIB"),
     "expected a ${file:PATH} reference to the file"),
    ("certificate-from-env", PEM_SETTINGS.replace("${file:tls/client.pem}", "${env:PSC_CERT}"),
     "expected a ${file:PATH} reference to the file"),
    ("outside-allowed-directories", PEM_SETTINGS.replace("${file:tls/client.key}", "${file:/opt/psc/k.pem}"),
     "resolves to /opt/psc/k.pem, outside the configuration directory"),
    ("missing-file", PEM_SETTINGS.replace("tls/psc-ca.pem", "tls/nowhere.pem"), "cannot read /"),
]


@pytest.mark.parametrize("settings,fragment", [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_malformed_tls_settings_are_refused(files, recorder, ca, settings, fragment):
    deployment_settings(files, settings)
    tls_files(files, ca)
    region_uses_tls(files)
    [line] = refused(files, recorder, "validate", "apply")
    assert "deployment.yaml:" in line and "psc.environments.mock.tlsClientAuth" in line and fragment in line, line
    assert "MHcCAQEEIB" not in line


def test_a_certificate_in_an_allowed_secret_directory_is_read(files, ca, tmp_path):
    mounted = tmp_path / "run-secrets"
    client = ca.client()
    write(mounted, {"client.pem": client.pem(), "client.key": client.key_pem(), "psc-ca.pem": ca.pem()})
    deployment_settings(files, PEM_SETTINGS.replace("tls/", f"{mounted}/"))
    deployment = files.directory / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "allowedSecretDirectories: [/run/secrets]", f"allowedSecretDirectories: [/run/secrets, {mounted}]"))
    region_uses_tls(files)
    assert run_cli("validate", str(files.directory), env=files.env).returncode == 0
    # --no-secrets checks where the files are, without reading them.
    (mounted / "client.key").unlink()
    assert run_cli("validate", "--no-secrets", str(files.directory), env=files.env).returncode == 0
    assert run_cli("validate", str(files.directory), env=files.env).returncode == 1


def test_a_certificate_close_to_expiry_is_a_warning(files, ca):
    deployment_settings(files)
    tls_files(files, ca)
    write(files.directory / "tls", _pem_pair(ca.client(days=11)))  # started a day ago: 10 days left
    region_uses_tls(files)
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 0, result.stderr
    assert re.search(r"warning: .*deployment\.yaml: psc\.environments\.mock\.tlsClientAuth: the PSC client "
                     r"certificate \(CN=smur-keycloak,O=SMUR test\) expires on \S+ \S+ UTC, in (9|10) day\(s\): "
                     r"renew it", result.stderr), result.stderr


def test_the_certificate_of_another_environment_is_not_presented_nor_parsed(files, ca):
    """A deployment presents the selected environment's certificate; the others' are only references."""
    sandbox = "      nationalIdMode: sandbox\n"
    path = files.directory / "deployment.yaml"
    path.write_text(path.read_text().replace(sandbox, sandbox + PEM_SETTINGS, 1))
    tls_files(files, ca, **{"client.key": b"not a key"})
    assert run_cli("validate", str(files.directory), env=files.env).returncode == 0
    region_uses_tls(files)
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 1 and "set psc.environments.mock.tlsClientAuth" in result.stderr


def test_without_the_allowed_directory_the_mounted_certificate_is_refused(files, ca, tmp_path):
    mounted = tmp_path / "run-secrets"
    write(mounted, _pem_pair(ca.client()) | {"psc-ca.pem": ca.pem()})
    deployment_settings(files, PEM_SETTINGS.replace("tls/", f"{mounted}/"))
    region_uses_tls(files)
    result = run_cli("validate", str(files.directory), env=files.env)
    assert result.returncode == 1 and "outside the configuration directory" in result.stderr


def test_the_demo_registration_refuses_a_certificate_region_clearly(files, ca):
    """register-mock-clients (the compose job, the demo) registers secret clients: a tls_client_auth
    region is named, not a crash."""
    import click

    from provisioning.demo import register_brokers

    deployment_settings(files)
    tls_files(files, ca)
    region_uses_tls(files)
    registered = []
    with pytest.raises(click.ClickException, match="region t-mtls-config uses clientAuthMethod tls_client_auth"):
        register_brokers(files.load(), "http://127.0.0.1:8080", lambda *args: registered.append(args))
    assert registered == []
