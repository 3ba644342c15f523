"""The certificate authority of one local run: it signs the load balancer's HTTPS certificate.

The cluster topology (cluster.py) serves Keycloak over HTTPS at the balancer only, as production
does; the CA is made for the run, lives in the run's directory and is what clients are told to
trust (`smur-iam --ca-bundle`, requests' ``verify=``). Nothing here is fit for production: the keys
are unencrypted files (0600) and the certificates last a few days.

docker-compose.yml's one-shot `tls` service runs `python -m provisioning.runtime.run_ca DIR --host
keycloak.localhost`: the CA certificate and the balancer's certificate and key in a volume (never in
git or an image), kept while they are good for the same hosts, made anew otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .private_files import write_private

CA_FILE_NAME = "run-ca.pem"
SERVER_FILE_NAME = "balancer.pem"
VALIDITY = dt.timedelta(days=7)  # a run lasts hours; a demo left running, days
RENEW_BEFORE = dt.timedelta(days=1)  # the command line makes new files when less is left


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

    def __init__(self, directory: str | Path, validity: dt.timedelta = VALIDITY):
        self.directory = Path(directory)
        self.validity = validity
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        name = _name("smur-iam run CA")
        self.certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + self.validity)
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
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + self.validity)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256()))
        path = self.directory / file_name
        write_private(path, (certificate.public_bytes(serialization.Encoding.PEM)
                             + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption())).decode("ascii"))
        return path


def _sans(certificate: x509.Certificate) -> set[str]:
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n.value) for n in names}


def current_files(directory: Path, hosts: tuple[str, ...], now: dt.datetime | None = None) -> bool:
    """Whether ``directory`` already holds a CA certificate and a server PEM it signed, for exactly
    ``hosts``, good for more than RENEW_BEFORE."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        ca = x509.load_pem_x509_certificate((directory / CA_FILE_NAME).read_bytes())
        server_pem = (directory / SERVER_FILE_NAME).read_bytes()
        server = x509.load_pem_x509_certificate(server_pem)
        serialization.load_pem_private_key(server_pem, password=None)
        server.verify_directly_issued_by(ca)
        return (_sans(server) == {str(_general_name(h).value) for h in hosts}
                and min(ca.not_valid_after_utc, server.not_valid_after_utc) - now > RENEW_BEFORE)
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False


def parser() -> argparse.ArgumentParser:
    """The command line of docker-compose.yml's `tls` job (its arguments are checked against it)."""
    parser = argparse.ArgumentParser(prog="python -m provisioning.runtime.run_ca",
                                     description=f"a CA ({CA_FILE_NAME}) and the balancer's certificate and key "
                                                 f"({SERVER_FILE_NAME}, 0600) in DIRECTORY")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--host", action="append", required=True, help="a DNS name or IP address of the balancer")
    parser.add_argument("--days", type=int, default=VALIDITY.days, help=f"validity (default {VALIDITY.days})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """`python -m provisioning.runtime.run_ca DIRECTORY --host NAME [--host NAME] [--days N]`"""
    command = parser()
    args = command.parse_args(argv)
    if args.days <= RENEW_BEFORE.days:
        command.error(f"--days must be more than {RENEW_BEFORE.days}")
    hosts = tuple(args.host)
    if current_files(args.directory, hosts):
        print(f"{args.directory / CA_FILE_NAME} and {args.directory / SERVER_FILE_NAME} kept (still good for "
              f"{', '.join(hosts)})")
        return 0
    ca = RunCertificateAuthority(args.directory, validity=dt.timedelta(days=args.days))
    ca.server_pem(hosts, SERVER_FILE_NAME)
    print(f"{ca.ca_path} (trust it) and {args.directory / SERVER_FILE_NAME} written for {', '.join(hosts)}, "
          f"valid {args.days} days")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
