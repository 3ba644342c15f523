"""The certificate authority of one local run: it signs the load balancer's HTTPS certificate.

The cluster topology (cluster.py) serves Keycloak over HTTPS at the balancer only, as production
does; the CA is made for the run, lives in the run's directory and is what clients are told to
trust (`smur-iam --ca-bundle`, requests' ``verify=``). Nothing here is fit for production: the keys
are unencrypted files (0600) and the certificates last a few days.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .private_files import write_private

CA_FILE_NAME = "run-ca.pem"
VALIDITY = dt.timedelta(days=7)  # a run lasts hours; a demo left running, days


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smur-iam local run"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


class RunCertificateAuthority:
    """A fresh CA in ``directory`` (its certificate at ``ca_path``, its key kept in memory only)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        name = _name("smur-iam run CA")
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256()))
        self.ca_path = self.directory / CA_FILE_NAME
        self.ca_path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def server_pem(self, hosts: tuple[str, ...], file_name: str) -> Path:
        """A server certificate for ``hosts`` (IP addresses or DNS names), written with its key in one
        0600 PEM file (the form HAProxy's ``crt`` reads): certificate, then key."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        certificate = (
            x509.CertificateBuilder().subject_name(_name(hosts[0])).issuer_name(self.certificate.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256()))
        path = self.directory / file_name
        write_private(path, (certificate.public_bytes(serialization.Encoding.PEM)
                             + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())).decode("ascii"))
        return path
