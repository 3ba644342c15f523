"""Relying parties registered at the mock, as DataPass registers them at PSC.

Redirect URIs match exactly (no wildcards, no trailing-slash tolerance): a
Keycloak broker that sends a URI PSC would refuse must fail here too.
"""
from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

AUTH_METHODS = ("client_secret_basic", "client_secret_post")
DEFAULT_AUTH_METHODS = AUTH_METHODS


class ClientError(ValueError):
    """A client definition the mock refuses; the message names the culprit."""


@dataclass(frozen=True)
class Client:
    client_id: str
    secret: str = field(repr=False)  # never in repr, logs or listings
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    auth_methods: tuple[str, ...] = DEFAULT_AUTH_METHODS

    def secret_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.secret.encode(), candidate.encode())

    def public_view(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "auth_methods": list(self.auth_methods),
        }


def _str_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ClientError(f"{where}: '{name}' must be a list of non-empty strings")
    return tuple(value)


def make_client(
    client_id: Any,
    secret: Any,
    redirect_uris: Any,
    post_logout_redirect_uris: Any = (),
    auth_methods: Any = DEFAULT_AUTH_METHODS,
    *,
    where: str = "client",
) -> Client:
    if not isinstance(client_id, str) or not client_id:
        raise ClientError(f"{where}: 'client_id' must be a non-empty string")
    where = f"{where} '{client_id}'"
    if not isinstance(secret, str) or not secret:
        raise ClientError(f"{where}: 'secret' must be a non-empty string (public clients are not supported)")
    uris = _str_list(redirect_uris, "redirect_uris", where)
    if not uris:
        raise ClientError(f"{where}: at least one redirect URI is required")
    methods = _str_list(auth_methods, "auth_methods", where) or DEFAULT_AUTH_METHODS
    unknown = [m for m in methods if m not in AUTH_METHODS]
    if unknown:
        raise ClientError(f"{where}: unsupported auth method(s) {unknown}; known: {list(AUTH_METHODS)}")
    return Client(
        client_id=client_id,
        secret=secret,
        redirect_uris=uris,
        post_logout_redirect_uris=_str_list(post_logout_redirect_uris, "post_logout_redirect_uris", where),
        auth_methods=methods,
    )


_FIELDS = {"client_id", "secret", "redirect_uris", "post_logout_redirect_uris", "auth_methods"}


def client_from_mapping(data: Any, where: str) -> Client:
    if not isinstance(data, Mapping):
        raise ClientError(f"{where}: expected a mapping with keys {sorted(_FIELDS)}")
    unknown = set(data) - _FIELDS
    if unknown:
        raise ClientError(f"{where}: unknown key(s) {sorted(unknown)}; expected {sorted(_FIELDS)}")
    if "client_id" not in data or "secret" not in data or "redirect_uris" not in data:
        raise ClientError(f"{where}: 'client_id', 'secret' and 'redirect_uris' are required")
    return make_client(where=where, **data)


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
