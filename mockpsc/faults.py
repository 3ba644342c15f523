"""Deliberate misbehaviour, armed per client (or for any client) for the next
``times`` uses, so a relying party's defences can be tested one by one.

Two stages:
* *login* faults edit a login's tokens before they are signed (``TokenDraft``);
  some also spoil that login's userinfo (``UserinfoDraft``), which follows the
  access token. They are consumed by the next token response of the client.
* *http* faults hit one endpoint's next request: ``<endpoint>_slow`` (delay in
  seconds) and ``<endpoint>_server_error`` (HTTP 500).

Adding a fault = adding one decorated function (or one endpoint name).
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from joserfc.jwk import RSAKey

from mockpsc.keys import KeyRing

_UNSET: Any = object()
UNSET = _UNSET
LOGIN = "login"
HTTP_ENDPOINTS = ("token", "userinfo", "certs", "introspect", "revoke", "discovery", "logout", "ciba")


@dataclass
class TokenDraft:
    """Claims and signing keys of one token response, still editable."""

    keys: KeyRing
    id_claims: dict[str, Any]
    access_claims: dict[str, Any]
    now: int = 0
    id_token_lifetime: int = 120
    id_token_key: RSAKey | None = None  # None = the active published key
    access_token_key: RSAKey | None = None


@dataclass
class UserinfoDraft:
    """A userinfo answer, still editable (``key`` signs it when the client wants a JWT)."""

    keys: KeyRing
    body: dict[str, Any]
    key: RSAKey | None = None
    jwt_claims: dict[str, Any] = field(default_factory=dict)  # iss/aud added to a signed userinfo


@dataclass(frozen=True)
class FaultKind:
    name: str
    stage: str  # LOGIN or "http:<endpoint>"
    doc: str
    apply: Callable[[Any, Any], None] = lambda draft, value: None
    apply_userinfo: Callable[[UserinfoDraft, Any], None] | None = None
    needs_value: bool = False
    default: Any = _UNSET


FAULTS: dict[str, FaultKind] = {}


def fault(name: str, *, needs_value: bool = False, default: Any = _UNSET,
          userinfo: Callable[[UserinfoDraft, Any], None] | None = None) -> Callable:
    def register(func: Callable[[TokenDraft, Any], None]) -> Callable:
        FAULTS[name] = FaultKind(name, LOGIN, (func.__doc__ or "").strip(), func, userinfo, needs_value, default)
        return func

    return register


def _no_token_change(draft: TokenDraft, value: Any) -> None:
    """Faults that only spoil the userinfo leave the tokens alone."""


@fault("id_token_bad_signature")
def _id_token_bad_signature(draft: TokenDraft, value: Any) -> None:
    """ID token signed by a key absent from the JWKS but carrying the real kid."""
    draft.id_token_key = draft.keys.impostor()


@fault("id_token_unknown_kid")
def _id_token_unknown_kid(draft: TokenDraft, value: Any) -> None:
    """ID token signed by a key whose kid the JWKS never publishes (even after a refetch)."""
    draft.id_token_key = draft.keys.stranger()


def _userinfo_issuer(udraft: UserinfoDraft, value: Any) -> None:
    udraft.jwt_claims["iss"] = value


@fault("wrong_issuer", default="https://auth.psc.invalid/auth/realms/esante-wallet", userinfo=_userinfo_issuer)
def _wrong_issuer(draft: TokenDraft, value: Any) -> None:
    """iss of the ID and access tokens (and of a signed userinfo) is another issuer."""
    draft.id_claims["iss"] = value
    draft.access_claims["iss"] = value


@fault("wrong_audience", default="another-relying-party")
def _wrong_audience(draft: TokenDraft, value: Any) -> None:
    """aud (and azp) of the ID token name another client."""
    draft.id_claims["aud"] = value
    draft.id_claims["azp"] = value


@fault("id_token_expired")
def _id_token_expired(draft: TokenDraft, value: Any) -> None:
    """ID token whose exp is a minute in the past (iat one lifetime before)."""
    draft.id_claims["exp"] = draft.now - 60
    draft.id_claims["iat"] = draft.now - 60 - draft.id_token_lifetime


@fault("acr", needs_value=True)
def _acr(draft: TokenDraft, value: Any) -> None:
    """Replace the acr claim of the ID and access tokens with any JSON value (e.g. "eidas0", "substantial",
    ["eidas1"], 2); null removes it. eidas2 and eidas3 are no fault: card logins return eidas2."""
    for claims in (draft.id_claims, draft.access_claims):
        if value is None:
            claims.pop("acr", None)
        else:
            claims["acr"] = value


@fault("nonce", needs_value=True)
def _nonce(draft: TokenDraft, value: Any) -> None:
    """Replace the ID token's nonce; null removes it."""
    if value is None:
        draft.id_claims.pop("nonce", None)
    else:
        draft.id_claims["nonce"] = value


def _userinfo_without_subject_name_id(udraft: UserinfoDraft, value: Any) -> None:
    udraft.body.pop("SubjectNameID", None)


@fault("missing_subject_name_id", userinfo=_userinfo_without_subject_name_id)
def _missing_subject_name_id(draft: TokenDraft, value: Any) -> None:
    """No SubjectNameID in the ID token nor in userinfo."""
    draft.id_claims.pop("SubjectNameID", None)


def _userinfo_other_sub(udraft: UserinfoDraft, value: Any) -> None:
    national_id = str(udraft.body.get("sub", "")).rsplit(":", 1)[-1]
    udraft.body["sub"] = f"f:{uuid.uuid4()}:{national_id}"


FAULTS["userinfo_sub_mismatch"] = FaultKind(
    "userinfo_sub_mismatch", LOGIN, "userinfo's sub differs from the ID token's sub.",
    _no_token_change, _userinfo_other_sub)


def _userinfo_impostor(udraft: UserinfoDraft, value: Any) -> None:
    udraft.key = udraft.keys.impostor()


FAULTS["userinfo_bad_signature"] = FaultKind(
    "userinfo_bad_signature", LOGIN, "a signed (JWT) userinfo is signed by a key absent from the JWKS.",
    _no_token_change, _userinfo_impostor)

for _endpoint in HTTP_ENDPOINTS:
    FAULTS[f"{_endpoint}_slow"] = FaultKind(
        f"{_endpoint}_slow", f"http:{_endpoint}",
        f"the next {_endpoint} request is answered after 'value' seconds (default 6: beyond Keycloak's 5 s "
        "socket timeout)", default=6)
    FAULTS[f"{_endpoint}_server_error"] = FaultKind(
        f"{_endpoint}_server_error", f"http:{_endpoint}", f"the next {_endpoint} request gets HTTP 500")


class FaultError(ValueError):
    pass


@dataclass
class ArmedFault:
    kind: FaultKind
    value: Any
    client_id: str | None  # None = any client
    times: int | None  # None = until cleared
    id: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "fault": self.kind.name,
            "value": self.value,
            "client_id": self.client_id,
            "times": self.times,
        }


class FaultBoard:
    def __init__(self) -> None:
        self._armed: list[ArmedFault] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def arm(self, fault: str, value: Any = _UNSET, client_id: str | None = None, times: int | None = 1) -> ArmedFault:
        kind = FAULTS.get(fault) if isinstance(fault, str) else None
        if kind is None:
            raise FaultError(f"unknown fault {fault!r}; known: {sorted(FAULTS)}")
        if kind.needs_value and value is _UNSET:
            raise FaultError(f"fault {fault!r} needs a 'value' ({kind.doc})")
        if value is _UNSET:
            value = None if kind.default is _UNSET else kind.default
        if kind.name.endswith("_slow") and (isinstance(value, bool) or not isinstance(value, (int, float))
                                            or not 0 <= value <= 60):
            raise FaultError(f"fault {fault!r}: 'value' must be a delay in seconds between 0 and 60")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise FaultError("'times' must be a positive integer, or null for 'until cleared'")
        if client_id is not None and not isinstance(client_id, str):
            raise FaultError("'client_id' must be a string")
        with self._lock:
            armed = ArmedFault(kind, value, client_id, times, self._next_id)
            self._next_id += 1
            self._armed.append(armed)
        return armed

    def take(self, client_id: str | None, stage: str = LOGIN) -> list[ArmedFault]:
        """Faults of ``stage`` due for this client's next request, consuming one use each.
        ``client_id=None`` (a request with no client, e.g. JWKS) only takes faults armed for any client."""
        with self._lock:
            due = [f for f in self._armed if f.kind.stage == stage and f.client_id in (None, client_id)]
            for armed in due:
                if armed.times is not None:
                    armed.times -= 1
            self._armed = [f for f in self._armed if f.times is None or f.times > 0]
        return due

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def view(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.view() for f in self._armed]
