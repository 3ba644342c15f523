"""Relying parties registered at the mock, as DataPass registers them at PSC.

Redirect URIs match exactly (no wildcards, no trailing-slash tolerance): a
Keycloak broker that sends a URI PSC would refuse must fail here too.

Per-client settings beyond the URIs: allowed authentication methods (secret
basic/post, ``tls_client_auth`` with the certificate subject DN expected),
userinfo as JSON or as a signed JWT, the claims shape variant, the "logout
comes back without state" switch, and whether CIBA is enabled (per service at PSC).
"""
from __future__ import annotations

import dataclasses
import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from mockpsc.claims import ClaimsVariant, VariantError, variant_from

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "tls_client_auth")
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
DEFAULT_AUTH_METHODS = SECRET_METHODS
USERINFO_FORMATS = ("json", "jwt")


class ClientError(ValueError):
    """A client definition the mock refuses; the message names the culprit."""


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str | None = field(repr=False)  # never in repr, logs or listings
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    auth_methods: tuple[str, ...] = DEFAULT_AUTH_METHODS
    tls_client_auth_subject_dn: str | None = None  # RFC 8705 §2.1.2
    userinfo_format: str = "json"
    claims_variant: ClaimsVariant = ClaimsVariant()
    logout_omits_state: bool = False
    ciba_enabled: bool = False

    def secret_matches(self, candidate: str) -> bool:
        return self.secret is not None and hmac.compare_digest(self.secret.encode(), candidate.encode())

    def public_view(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "auth_methods": list(self.auth_methods),
            "tls_client_auth_subject_dn": self.tls_client_auth_subject_dn,
            "userinfo_format": self.userinfo_format,
            "claims_variant": self.claims_variant.view(),
            "logout_omits_state": self.logout_omits_state,
            "ciba_enabled": self.ciba_enabled,
        }


def _str_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ClientError(f"{where}: '{name}' must be a list of non-empty strings")
    return tuple(value)


def _flag(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ClientError(f"{where}: '{name}' must be true or false")
    return value


def make_client(
    client_id: Any,
    secret: Any,
    redirect_uris: Any,
    post_logout_redirect_uris: Any = (),
    auth_methods: Any = DEFAULT_AUTH_METHODS,
    *,
    tls_client_auth_subject_dn: Any = None,
    userinfo_format: Any = "json",
    claims_variant: Any = None,
    logout_omits_state: Any = False,
    ciba_enabled: Any = False,
    where: str = "client",
) -> Client:
    if not isinstance(client_id, str) or not client_id:
        raise ClientError(f"{where}: 'client_id' must be a non-empty string")
    where = f"{where} '{client_id}'"
    uris = _str_list(redirect_uris, "redirect_uris", where)
    if not uris:
        raise ClientError(f"{where}: at least one redirect URI is required")
    methods = _str_list(auth_methods, "auth_methods", where) or DEFAULT_AUTH_METHODS
    unknown = [m for m in methods if m not in AUTH_METHODS]
    if unknown:
        raise ClientError(f"{where}: unsupported auth method(s) {unknown}; known: {list(AUTH_METHODS)}")
    if secret is not None and (not isinstance(secret, str) or not secret):
        raise ClientError(f"{where}: 'secret' must be a non-empty string")
    if secret is None and any(m in SECRET_METHODS for m in methods):
        raise ClientError(f"{where}: 'secret' is required for {[m for m in methods if m in SECRET_METHODS]} "
                          "(public clients are not supported)")
    if "tls_client_auth" in methods:
        if not isinstance(tls_client_auth_subject_dn, str) or not tls_client_auth_subject_dn:
            raise ClientError(f"{where}: tls_client_auth needs 'tls_client_auth_subject_dn' "
                              "(the client certificate's subject, e.g. 'CN=smur-keycloak,O=SMUR')")
    elif tls_client_auth_subject_dn is not None:
        raise ClientError(f"{where}: 'tls_client_auth_subject_dn' given but tls_client_auth is not allowed")
    if userinfo_format not in USERINFO_FORMATS:
        raise ClientError(f"{where}: 'userinfo_format' must be one of {list(USERINFO_FORMATS)}")
    try:
        variant = variant_from(claims_variant)
    except VariantError as error:
        raise ClientError(f"{where}: 'claims_variant': {error}") from error
    return Client(
        client_id=client_id,
        secret=secret,
        redirect_uris=uris,
        post_logout_redirect_uris=_str_list(post_logout_redirect_uris, "post_logout_redirect_uris", where),
        auth_methods=methods,
        tls_client_auth_subject_dn=tls_client_auth_subject_dn,
        userinfo_format=userinfo_format,
        claims_variant=variant,
        logout_omits_state=_flag(logout_omits_state, "logout_omits_state", where),
        ciba_enabled=_flag(ciba_enabled, "ciba_enabled", where),
    )


_FIELDS = ("client_id", "secret", "redirect_uris", "post_logout_redirect_uris", "auth_methods",
           "tls_client_auth_subject_dn", "userinfo_format", "claims_variant", "logout_omits_state",
           "ciba_enabled")
OPTION_FIELDS = _FIELDS[5:]  # what can change on a registered client without re-registering it


def client_from_mapping(data: Any, where: str) -> Client:
    if not isinstance(data, Mapping):
        raise ClientError(f"{where}: expected a mapping with keys {list(_FIELDS)}")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ClientError(f"{where}: unknown key(s) {unknown}; expected {list(_FIELDS)}")
    if "client_id" not in data or "redirect_uris" not in data:
        raise ClientError(f"{where}: 'client_id' and 'redirect_uris' are required")
    return make_client(where=where, **{"secret": None, **data})


def with_changes(client: Client, changes: Mapping[str, Any], where: str = "client") -> Client:
    """``client`` with some fields changed, validated like a new registration."""
    unknown = sorted(set(changes) - set(_FIELDS[1:]))
    if unknown:
        raise ClientError(f"{where} '{client.client_id}': cannot change {unknown}; changeable: {list(_FIELDS[1:])}")
    current = {f.name: getattr(client, f.name) for f in dataclasses.fields(client)}
    current["claims_variant"] = client.claims_variant.view()
    return make_client(where=where, **{**current, **changes})


def load_clients_file(path: str | Path) -> list[Client]:
    """Read ``clients: [...]`` (or a bare list) from a YAML file."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ClientError(f"{path}: cannot read clients file: {error}") from error
    entries = doc.get("clients") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise ClientError(f"{path}: expected a list under 'clients:'")
    return [client_from_mapping(entry, f"{path}: clients[{i}]") for i, entry in enumerate(entries)]


class ClientRegistry:
    def __init__(self, clients: Iterable[Client] = ()) -> None:
        self._clients: dict[str, Client] = {}
        self._lock = threading.Lock()
        for client in clients:
            self.put(client)

    def put(self, client: Client) -> None:
        """Add or replace (re-registering a client updates it, like a DataPass amendment)."""
        with self._lock:
            self._clients[client.client_id] = client

    def get(self, client_id: str | None) -> Client | None:
        if client_id is None:
            return None
        with self._lock:
            return self._clients.get(client_id)

    def all(self) -> list[Client]:
        with self._lock:
            return list(self._clients.values())
