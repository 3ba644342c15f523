"""OutgoingTls: the PSC client certificate turned into Keycloak's keystore (no JVM needed; the keystore
working inside Keycloak is tests/e2e/test_psc_broker_mtls.py)."""
from __future__ import annotations

import stat

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from fixtures.certificates import CertificateAuthority
from provisioning.config.client_certificate import CertificateError, from_pem, from_pkcs12
from provisioning.runtime.outgoing_tls import (KEY_PASSWORD_ENV, KEYSTORE_NAME, KEYSTORE_OPTION,
                                               KEYSTORE_PASSWORD_ENV, TRUSTED_CA_NAME, TRUSTSTORE_OPTION, OutgoingTls)


@pytest.fixture
def ca():
    return CertificateAuthority("PSC client CA")


def test_the_keystore_is_private_and_its_password_only_in_the_environment(tmp_path, ca):
    client = ca.client("smur-keycloak")
    tls = OutgoingTls(from_pem(client.pem(), client.key_pem()), ca.pem())
    options, env = tls.install(tmp_path)
    keystore, trusted = tmp_path / KEYSTORE_NAME, tmp_path / TRUSTED_CA_NAME
    assert options == [f"{KEYSTORE_OPTION}={keystore}", f"{TRUSTSTORE_OPTION}={trusted}"]
    password = env[KEYSTORE_PASSWORD_ENV]
    assert env == {KEYSTORE_PASSWORD_ENV: password, KEY_PASSWORD_ENV: password} and len(password) >= 24
    assert all(password not in option for option in options), "a password on the command line shows in `ps`"
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600 and stat.S_IMODE(trusted.stat().st_mode) == 0o600
    key, certificate, _ = pkcs12.load_key_and_certificates(keystore.read_bytes(), password.encode())
    assert certificate == client.certificate and key.private_numbers() == client.key.private_numbers()
    assert trusted.read_bytes() == ca.pem()
    # Each start makes a new password.
    assert tls.install(tmp_path)[1][KEYSTORE_PASSWORD_ENV] != password


def test_a_pkcs12_from_the_admin_is_rewrapped_under_a_password_of_our_own(tmp_path, ca):
    client = ca.client()
    tls = OutgoingTls(from_pkcs12(client.pkcs12("admin-pass"), "admin-pass"))
    options, env = tls.install(tmp_path)
    assert options == [f"{KEYSTORE_OPTION}={tmp_path / KEYSTORE_NAME}"]  # no CA bundle: the JVM's trust only
    _, certificate, _ = pkcs12.load_key_and_certificates((tmp_path / KEYSTORE_NAME).read_bytes(),
                                                         env[KEYSTORE_PASSWORD_ENV].encode())
    assert certificate == client.certificate and env[KEYSTORE_PASSWORD_ENV] != "admin-pass"


def test_material_left_by_an_earlier_start_is_removed(tmp_path, ca):
    client = ca.client()
    OutgoingTls(from_pem(client.pem(), client.key_pem()), ca.pem()).install(tmp_path)
    options, env = OutgoingTls(trusted_ca_pem=ca.pem()).install(tmp_path)
    assert not (tmp_path / KEYSTORE_NAME).exists() and env == {}
    assert options == [f"{TRUSTSTORE_OPTION}={tmp_path / TRUSTED_CA_NAME}"]
    OutgoingTls.remove(tmp_path)
    assert not (tmp_path / TRUSTED_CA_NAME).exists()


def test_unusable_material_is_refused_before_keycloak_starts(ca):
    client, other = ca.client(), ca.client("other")
    with pytest.raises(CertificateError, match="does not match the certificate"):
        OutgoingTls(from_pem(client.pem(), other.key_pem()))
    expired = ca.client(days=1, starts_in_days=-3)
    with pytest.raises(CertificateError, match="expired on"):
        OutgoingTls(from_pem(expired.pem(), expired.key_pem()))
    with pytest.raises(CertificateError, match="is not a CA certificate"):
        OutgoingTls(trusted_ca_pem=client.pem())
    with pytest.raises(ValueError, match="needs a client certificate, a CA bundle, or both"):
        OutgoingTls()
