"""A throw-away certificate authority for the mock's mTLS port.

PSC authenticates some clients with ``tls_client_auth`` (RFC 8705): the client
presents a certificate and PSC matches its subject DN with the registration.
The mock makes its own CA, the server certificate of its TLS port and, on
demand, client certificates, all with ``cryptography``, in a directory the
tests (or a Keycloak keystore) can read. Nothing here is fit for production.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class IssuedCertificate:
    cert_path: Path
    key_path: Path
    subject_dn: str  # RFC 4514, what a client registration names
    thumbprint: str  # x5t#S256, what a bound access token's cnf carries


def normalise_dn(dn: str) -> str:
    """Compare DNs loosely: attribute types upper-cased, spaces around separators dropped."""
    parts = [p.strip() for p in re.split(r"(?<!\\),", dn) if p.strip()]
    normalised = []
    for part in parts:
        name, _, value = part.partition("=")
        normalised.append(f"{name.strip().upper()}={value.strip()}")
    return ",".join(normalised)


def thumbprint(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def subject_of(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


class TestCA:
    __test__ = False  # not a pytest class

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        name = _name("Mock PSC test CA", "Mock PSC")
        self._cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.ca_path = self.directory / "ca.pem"
        self.ca_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def _issue(self, stem: str, common_name: str, organization: str, *, server_hosts: tuple[str, ...] = ()
               ) -> IssuedCertificate:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        builder = (
            x509.CertificateBuilder().subject_name(_name(common_name, organization)).issuer_name(self._cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server_hosts:
            names: list[x509.GeneralName] = []
            for host in server_hosts:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    names.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
            usage = ExtendedKeyUsageOID.SERVER_AUTH
        else:
            usage = ExtendedKeyUsageOID.CLIENT_AUTH
        cert = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False).sign(self._key, hashes.SHA256())
        safe = _SAFE_NAME.sub("_", stem)
        with self._lock:
            cert_path, key_path = self.directory / f"{safe}.pem", self.directory / f"{safe}.key"
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            _write_key(key, key_path)
        der = cert.public_bytes(serialization.Encoding.DER)
        return IssuedCertificate(cert_path, key_path, cert.subject.rfc4514_string(), thumbprint(der))

    def server_certificate(self, hosts: tuple[str, ...]) -> IssuedCertificate:
        return self._issue("server", hosts[0], "Mock PSC", server_hosts=hosts)

    def client_certificate(self, common_name: str, organization: str = "SMUR test") -> IssuedCertificate:
        """A client certificate (EKU clientAuth) signed by this CA."""
        return self._issue(f"client-{common_name}", common_name, organization)
