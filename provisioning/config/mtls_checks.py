"""What `smur-iam validate` checks for tls_client_auth, beyond the shape the model checks.

The client certificate is the selected PSC environment's (deployment.yaml), used by every region
that chooses tls_client_auth; so its checks run once, on the files as read: the certificate and
the key parse and go together, the certificate is valid today (a warning under 30 days), PSC's
CA bundle parses. Other environments' files are only checked as references: a deployment
presents one certificate, the one of the environment it brokers.
"""
from __future__ import annotations

from .client_certificate import CertificateError, ca_bundle, from_settings
from .errors import ConfigError, format_path
from .model import Deployment, Region
from .yaml_source import YamlDocument

TLS_METHOD = "tls_client_auth"


def certificate_problems(doc: YamlDocument, deployment: Deployment,
                         secrets_read: bool) -> tuple[list[ConfigError], list[str]]:
    """(errors, warnings) about the selected environment's client certificate."""
    psc = deployment.psc
    tls = psc.selected.tlsClientAuth
    if tls is None or not secrets_read:
        return [], []
    where = ("psc", "environments", psc.environment, "tlsClientAuth")
    errors, warnings = [], []

    def error(part: str, message: str):
        path = where + (part,) if getattr(tls, part, None) is not None else where
        errors.append(doc.error(path, message, format_path(path)))

    try:
        certificate = from_settings(tls)
        certificate.check()
        warning = certificate.expiry_warning()
        if warning:
            warnings.append(f"{doc.file}: {format_path(where)}: {warning}")
    except CertificateError as exc:
        error(exc.part, str(exc))
    if tls.caBundle is not None:
        try:
            ca_bundle(tls.caBundle.reveal())
        except CertificateError as exc:
            error(exc.part, str(exc))
    return errors, warnings


def uses_client_certificate(region: Region) -> bool:
    """The region authenticates to PSC with the deployment's client certificate."""
    return region.identityProvider is not None and region.identityProvider.clientAuthMethod == TLS_METHOD


def region_problems(region: Region, doc: YamlDocument, deployment: Deployment) -> list[ConfigError]:
    """A region with tls_client_auth needs the certificate of the environment it is brokered to."""
    if not uses_client_certificate(region) or deployment.psc.selected.tlsClientAuth is not None:
        return []
    path = ("identityProvider", "clientAuthMethod")
    name = deployment.psc.environment
    return [doc.error(path, f"{TLS_METHOD} needs the client certificate Keycloak presents to PSC: set "
                            f"psc.environments.{name}.tlsClientAuth in deployment.yaml", format_path(path))]
