"""PSC's endpoints, read from its discovery document (at PSC's non-standard path).

The identity provider's URLs are never typed by hand: they come from the
issuer's own metadata, so switching mock → sandbox → production is one setting.
Every document read is cached (`$SMUR_IAM_CACHE/psc-discovery/`), so `plan`
and `drift` still work when PSC cannot be reached (`--offline`, or PSC down);
`apply` always reads it fresh.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
            "end_session_endpoint")
# RFC 8705 §5: where a client that authenticates with its certificate goes instead (another port or host).
MTLS_ALIASES = "mtls_endpoint_aliases"


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
    # Endpoint name -> its mTLS alias; empty when PSC publishes none.
    mtls_endpoint_aliases: dict[str, str] = field(default_factory=dict)

    def mtls_endpoint(self, name: str) -> str:
        """The mTLS alias of ``name`` (e.g. ``token_endpoint``), for a broker authenticating with
        tls_client_auth: its certificate is only asked for, and its tokens only bound, there."""
        alias = self.mtls_endpoint_aliases.get(name)
        if not isinstance(alias, str) or not alias.startswith("https://"):
            raise PscDiscoveryError(
                f"PSC's discovery document ({self.issuer}) has no https {MTLS_ALIASES}.{name} (RFC 8705 §5), "
                "which a region with clientAuthMethod tls_client_auth needs: check the PSC environment, or "
                "use client_secret_basic until PSC publishes its mTLS endpoints")
        return alias


def _aliases(document: dict) -> dict[str, str]:
    aliases = document.get(MTLS_ALIASES)
    if not isinstance(aliases, dict):
        return {}
    return {key: value for key, value in aliases.items() if isinstance(key, str) and isinstance(value, str)}


def discovery_url(environment) -> str:
    return environment.issuer.rstrip("/") + environment.discoveryPath


def cache_file(environment, root: Path | None = None) -> Path:
    root = Path(root or os.environ.get("SMUR_IAM_CACHE") or Path.home() / ".cache" / "smur-iam")
    name = hashlib.sha256(discovery_url(environment).encode()).hexdigest()[:16]
    return root / "psc-discovery" / f"{name}.json"


def _save(environment, discovery: PscDiscovery) -> None:
    path = cache_file(environment)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"url": discovery_url(environment), "fetchedAt": datetime.now(UTC).isoformat(
            timespec="seconds"), "document": asdict(discovery)}, indent=2), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache we cannot write only costs the offline fallback


def cached_discovery(environment) -> tuple[PscDiscovery, str]:
    """The last document read for this environment and when it was read; PscDiscoveryError if none."""
    path = cache_file(environment)
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        document = saved["document"]
        return (PscDiscovery(**{key: document[key] for key in REQUIRED}, mtls_endpoint_aliases=_aliases(document)),
                saved["fetchedAt"])
    except (OSError, ValueError, KeyError, TypeError):
        raise PscDiscoveryError(f"no cached PSC discovery for {discovery_url(environment)} "
                                "(run plan once with PSC reachable)") from None


def load_discovery(environment, offline: bool = False) -> tuple[PscDiscovery, str | None]:
    """PSC's endpoints for a read-only command: fresh, else cached. Returns (discovery, note for the admin)."""
    if offline:
        discovery, fetched = cached_discovery(environment)
        return discovery, f"offline: PSC endpoints from the discovery document cached on {fetched}"
    try:
        return fetch_discovery(environment), None
    except PscDiscoveryError as exc:
        try:
            discovery, fetched = cached_discovery(environment)
        except PscDiscoveryError:
            raise exc from None
        return discovery, f"{exc}; using the discovery document cached on {fetched}"


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
    discovery = PscDiscovery(**{key: doc[key] for key in REQUIRED}, mtls_endpoint_aliases=_aliases(doc))
    _save(environment, discovery)
    return discovery
