"""PSC's endpoints, read from its discovery document (at PSC's non-standard path).

The identity provider's URLs are never typed by hand: they come from the
issuer's own metadata, so switching mock → sandbox → production is one setting.
"""
from __future__ import annotations

from dataclasses import dataclass

import requests

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
            "end_session_endpoint")


class PscDiscoveryError(Exception):
    """PSC's metadata cannot be read or is not what a broker needs."""


@dataclass(frozen=True)
class PscDiscovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str


def discovery_url(environment) -> str:
    return environment.issuer.rstrip("/") + environment.discoveryPath


def fetch_discovery(environment, timeout: float = 15.0, verify: bool | str = True) -> PscDiscovery:
    where = discovery_url(environment)
    try:
        resp = requests.get(where, timeout=timeout, verify=verify)
    except requests.RequestException as exc:
        raise PscDiscoveryError(f"cannot read PSC discovery at {where}: {exc}") from None
    if resp.status_code != 200:
        raise PscDiscoveryError(f"PSC discovery at {where} answered HTTP {resp.status_code}")
    try:
        doc = resp.json()
    except ValueError:
        raise PscDiscoveryError(f"PSC discovery at {where} is not JSON") from None
    missing = [key for key in REQUIRED if not doc.get(key)]
    if missing:
        raise PscDiscoveryError(f"PSC discovery at {where} lacks {', '.join(missing)}")
    # A document whose issuer differs from the one configured would make every ID token fail.
    if doc["issuer"].rstrip("/") != environment.issuer.rstrip("/"):
        raise PscDiscoveryError(
            f"PSC discovery at {where} names issuer {doc['issuer']}, not the configured {environment.issuer}")
    return PscDiscovery(**{key: doc[key] for key in REQUIRED})
