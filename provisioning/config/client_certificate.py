"""The client certificate Keycloak presents to PSC (tls_client_auth, RFC 8705), read and checked.

One module for the two places that need it: `smur-iam validate` (does the certificate parse, does
the key match it, is it still valid, does PSC's CA bundle parse?) and the runtime, which turns it
into the PKCS#12 keystore Keycloak's outgoing HTTP client reads. PEM (certificate chain + key,
the key possibly encrypted) and PKCS#12 are accepted; whatever the input, the result is one
`ClientCertificate`. Errors name what is wrong in words an admin can act on, never the key.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

# An admin is warned this long before the certificate stops working (IGC-Santé renewals take time).
EXPIRY_WARNING = dt.timedelta(days=30)
KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)


class CertificateError(ValueError):
    """Certificate material that cannot be used; ``part`` says which input (certificate, key, ...)."""

    def __init__(self, part: str, message: str):
        self.part = part
        super().__init__(message)


@dataclass(frozen=True)
class ClientCertificate:
    key: object  # a cryptography private key
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()  # intermediates, sent with the certificate

    @property
    def subject_dn(self) -> str:
        """RFC 4514: what PSC's registration of the client names (tls_client_auth_subject_dn)."""
        return self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def expiry_warning(self, now: dt.datetime | None = None) -> str | None:
        """A sentence for the admin when fewer than 30 days are left."""
        now = now or dt.datetime.now(dt.timezone.utc)
        left = self.not_after - now
        if left >= EXPIRY_WARNING:
            return None
        return (f"the PSC client certificate ({self.subject_dn}) expires on {self.not_after:%Y-%m-%d %H:%M} UTC, "
                f"in {max(left.days, 0)} day(s): renew it before PSC refuses every login")

    def check(self, now: dt.datetime | None = None) -> None:
        """Refuse a key that does not go with the certificate, or a certificate out of its validity."""
        if _public_der(self.key.public_key()) != _public_der(self.certificate.public_key()):
            raise CertificateError("key", f"the private key does not match the certificate ({self.subject_dn})")
        now = now or dt.datetime.now(dt.timezone.utc)
        if now >= self.not_after:
            raise CertificateError("certificate", f"the certificate ({self.subject_dn}) expired on "
                                                  f"{self.not_after:%Y-%m-%d %H:%M} UTC")
        if now < self.certificate.not_valid_before_utc:
            raise CertificateError("certificate", f"the certificate ({self.subject_dn}) is not valid before "
                                                  f"{self.certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")

    def to_pkcs12(self, password: str) -> bytes:
        """The keystore Keycloak's outgoing HTTP client loads (key and certificate under one password)."""
        return pkcs12.serialize_key_and_certificates(
            b"psc-client", self.key, self.certificate, list(self.chain) or None,
            serialization.BestAvailableEncryption(password.encode()))


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def pem_certificates(data: bytes, part: str = "certificate") -> list[x509.Certificate]:
    """Every certificate of a PEM file, in order; at least one."""
    if b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertificateError(part, "no PEM certificate in it (expected '-----BEGIN CERTIFICATE-----')")
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(part, f"not a readable PEM certificate: {exc}") from None


def pem_private_key(data: bytes, password: str | None):
    if b"PRIVATE KEY-----" not in data:
        raise CertificateError("key", "no PEM private key in it (expected '-----BEGIN PRIVATE KEY-----')")
    try:
        key = serialization.load_pem_private_key(data, password.encode() if password else None)
    except TypeError:  # encrypted without a password, or a password for a key that has none
        wanted = "is encrypted: give its password" if not password else "is not encrypted: remove the password"
        raise CertificateError("key", f"the private key {wanted}") from None
    except ValueError:
        raise CertificateError("key", "not a readable PEM private key (or a wrong password)") from None
    if not isinstance(key, KEY_TYPES):
        raise CertificateError("key", f"unsupported key type {type(key).__name__}")
    return key


def from_pem(certificate: bytes, key: bytes, password: str | None = None) -> ClientCertificate:
    """A PEM certificate file (the client certificate first, then any intermediates) and its key."""
    chain = pem_certificates(certificate)
    return ClientCertificate(pem_private_key(key, password), chain[0], tuple(chain[1:]))


def from_pkcs12(data: bytes, password: str | None) -> ClientCertificate:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise CertificateError("pkcs12", "not a readable PKCS#12 file, or a wrong password") from None
    if key is None or certificate is None:
        raise CertificateError("pkcs12", "the PKCS#12 file must hold the private key and its certificate")
    if not isinstance(key, KEY_TYPES):
        raise CertificateError("pkcs12", f"unsupported key type {type(key).__name__}")
    return ClientCertificate(key, certificate, tuple(extra or ()))


def ca_bundle(data: bytes) -> list[x509.Certificate]:
    """PSC's CA certificates (PEM), which Keycloak must trust for its calls to PSC's mTLS endpoints."""
    certificates = pem_certificates(data, "caBundle")
    for certificate in certificates:
        try:
            constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            continue  # an old root without the extension: trust it as given
        if not constraints.ca:
            raise CertificateError("caBundle", f"'{certificate.subject.rfc4514_string()}' is not a CA certificate")
    return certificates



def from_settings(tls) -> ClientCertificate:
    """The certificate a `TlsClientAuth` of deployment.yaml names (its files already read)."""
    password = tls.password.reveal() if tls.password is not None else None
    if tls.pkcs12 is not None:
        return from_pkcs12(tls.pkcs12.reveal(), password)
    return from_pem(tls.certificate.reveal(), tls.key.reveal(), password)
