"""The client certificate Keycloak presents on its calls to PSC, and the CA it trusts for them.

Keycloak 26.7 has one outgoing HTTP client for the whole server (DefaultHttpClientFactory): its
key material comes from a keystore named at start, and its trust from the server truststore.
Both are runtime options, so a built server needs no rebuild:

* `--spi-connections-http-client--default--client-keystore=<file>` — a PKCS#12 keystore, its type
  read from the `.p12` extension (KeystoreUtil); with `…--client-keystore-password` and
  `…--client-key-password`, both given here through the environment
  (`KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__CLIENT_KEYSTORE_PASSWORD`, `…CLIENT_KEY_PASSWORD`),
  never on the command line that `ps` shows;
* `--truststore-paths=<pem>` — PSC's CA bundle, added to the JVM's default trust.

Whatever the admin gives (PEM or PKCS#12), the keystore is rebuilt here with a fresh random
password, written 0600 in the server's data dir: one format for Keycloak, and a password that
never leaves the process that starts it.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..config.client_certificate import ClientCertificate, ca_bundle, from_pem, from_settings
from .private_files import open_private

KEYSTORE_NAME = "psc-client.p12"  # the extension tells Keycloak the keystore type
TRUSTED_CA_NAME = "psc-ca.pem"
SPI = "spi-connections-http-client--default--"
KEYSTORE_OPTION = f"--{SPI}client-keystore"
TRUSTSTORE_OPTION = "--truststore-paths"
KEYSTORE_PASSWORD_ENV = "KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__CLIENT_KEYSTORE_PASSWORD"
KEY_PASSWORD_ENV = "KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__CLIENT_KEY_PASSWORD"


@dataclass(frozen=True)
class OutgoingTls:
    """What `KeycloakServer(outgoing_tls=...)` presents and trusts on outgoing HTTPS calls.

    ``client``: the certificate and key (None: present none, e.g. to test a refusal);
    ``trusted_ca_pem``: PEM CA certificates to trust besides the JVM's (PSC's mTLS endpoints)."""
    client: ClientCertificate | None = None
    trusted_ca_pem: bytes | None = None

    def __post_init__(self):
        if self.client is None and self.trusted_ca_pem is None:
            raise ValueError("OutgoingTls needs a client certificate, a CA bundle, or both")
        if self.client is not None:
            self.client.check()
        if self.trusted_ca_pem is not None:
            ca_bundle(self.trusted_ca_pem)

    @classmethod
    def from_pem_files(cls, certificate: str | Path | None = None, key: str | Path | None = None,
                       ca_bundle_path: str | Path | None = None, key_password: str | None = None) -> OutgoingTls:
        client = None
        if certificate is not None or key is not None:
            client = from_pem(Path(certificate).read_bytes(), Path(key).read_bytes(), key_password)
        return cls(client, Path(ca_bundle_path).read_bytes() if ca_bundle_path else None)

    @classmethod
    def from_deployment(cls, deployment) -> OutgoingTls | None:
        """The selected PSC environment's `tlsClientAuth` of a loaded deployment.yaml, if any."""
        tls = deployment.psc.selected.tlsClientAuth
        if tls is None:
            return None
        return cls(from_settings(tls), tls.caBundle.reveal() if tls.caBundle is not None else None)

    @staticmethod
    def remove(data_dir: Path) -> None:
        """Forget an earlier run's key material (a server started without any)."""
        for name in (KEYSTORE_NAME, TRUSTED_CA_NAME):
            (data_dir / name).unlink(missing_ok=True)

    def install(self, data_dir: Path) -> tuple[list[str], dict[str, str]]:
        """Write the keystore and CA bundle into ``data_dir``; the start options and the environment
        (the keystore password) that make Keycloak use them."""
        self.remove(data_dir)
        options: list[str] = []
        env: dict[str, str] = {}
        if self.client is not None:
            password = secrets.token_urlsafe(24)
            keystore = data_dir / KEYSTORE_NAME
            _write_private(keystore, self.client.to_pkcs12(password))
            options.append(f"{KEYSTORE_OPTION}={keystore}")
            env[KEYSTORE_PASSWORD_ENV] = env[KEY_PASSWORD_ENV] = password
        if self.trusted_ca_pem is not None:
            trusted = data_dir / TRUSTED_CA_NAME
            _write_private(trusted, self.trusted_ca_pem)
            options.append(f"{TRUSTSTORE_OPTION}={trusted}")
        return options, env


def _write_private(path: Path, data: bytes) -> None:
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "wb") as f:
        f.write(data)
