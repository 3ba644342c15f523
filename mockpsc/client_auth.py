"""Client authentication at the token, introspection, revocation and CIBA
endpoints: client_secret_basic, client_secret_post, or tls_client_auth (a
client certificate on the mTLS port whose subject DN is the registered one),
as each client allows."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.clients import Client
from mockpsc.httputil import injected_http_fault, oauth_error, read_oauth_form, state_of
from mockpsc.settings import REALM
from mockpsc.state import MockState
from mockpsc.tlsca import normalise_dn, subject_of, thumbprint
from mockpsc.tlsproto import client_certificate_der


class ClientAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{REALM}"'} if self.status == 401 else {}


@dataclass(frozen=True)
class Authenticated:
    client: Client
    method: str
    certificate_thumbprint: str | None = None  # set for tls_client_auth: access tokens get bound to it

    @property
    def cnf(self) -> dict[str, str] | None:
        """RFC 8705 confirmation claim for access tokens issued to this authentication."""
        return {"x5t#S256": self.certificate_thumbprint} if self.certificate_thumbprint else None


def _basic_credentials(header: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header.split(None, 1)[1].strip(), validate=True).decode("utf-8")
    except (IndexError, binascii.Error, UnicodeDecodeError) as error:
        raise ClientAuthError("invalid_client", "malformed Basic authorization header") from error
    if ":" not in decoded:
        raise ClientAuthError("invalid_client", "malformed Basic authorization header")
    client_id, secret = decoded.split(":", 1)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote_plus(client_id), unquote_plus(secret)


def _refuse(state: MockState, client_id: str, method: str, description: str) -> ClientAuthError:
    state.log.event("client.auth_failed", client_id=client_id, method=method, reason=description)
    return ClientAuthError("invalid_client", description)


def authenticate(state: MockState, request: Request, fields: dict[str, str]) -> Authenticated:
    authorization = request.headers.get("authorization", "")
    uses_basic = authorization[:6].lower() == "basic "
    if uses_basic and "client_secret" in fields:
        raise ClientAuthError("invalid_request", "more than one client authentication method used", 400)
    certificate = client_certificate_der(request.scope)
    if uses_basic:
        client_id, secret = _basic_credentials(authorization)
        if "client_id" in fields and fields["client_id"] != client_id:
            raise ClientAuthError("invalid_request", "client_id differs from the authenticated client", 400)
        method = "client_secret_basic"
    elif "client_secret" in fields:
        client_id, secret = fields.get("client_id", ""), fields["client_secret"]
        method = "client_secret_post"
    elif "client_id" in fields and certificate is not None:
        client_id, secret, method = fields["client_id"], "", "tls_client_auth"
    else:
        raise _refuse(state, fields.get("client_id", ""), "none", "client authentication required")
    client = state.clients.get(client_id)
    if client is None:
        raise _refuse(state, client_id, method, "invalid client credentials")
    if method == "tls_client_auth":
        assert certificate is not None
        expected = client.tls_client_auth_subject_dn or ""
        if method not in client.auth_methods or normalise_dn(subject_of(certificate)) != normalise_dn(expected):
            raise _refuse(state, client_id, method, "client certificate does not authenticate this client")
        return _accepted(state, request, fields, Authenticated(client, method, thumbprint(certificate)))
    if not client.secret_matches(secret):
        raise _refuse(state, client_id, method, "invalid client credentials")
    if method not in client.auth_methods:
        raise _refuse(state, client_id, method, f"{method} is not allowed for this client")
    return _accepted(state, request, fields, Authenticated(client, method))


def _accepted(state: MockState, request: Request, fields: dict[str, str], auth: Authenticated) -> Authenticated:
    """Log how the client authenticated, and which form parameters it sent (names only: a
    tls_client_auth client must send no client_secret, not even an empty one)."""
    state.log.event("client.authenticated", client_id=auth.client.client_id, method=auth.method,
                    path=request.url.path, parameters=sorted(fields),
                    certificate_thumbprint=auth.certificate_thumbprint)
    return auth


async def authenticated_form(request: Request, endpoint: str, *,
                             required: str | None = None) -> tuple[dict[str, str], Authenticated] | Response:
    """What every client-authenticated endpoint does first: read the form, authenticate the
    client, apply the ``<endpoint>_*`` faults armed for it, check the ``required`` parameter
    (``grant_type``, ``token``). The fields and the authentication, or the answer to give instead."""
    state = state_of(request)
    fields, problem = await read_oauth_form(request)
    if problem:
        return problem
    try:
        auth = authenticate(state, request, fields)
    except ClientAuthError as error:
        return oauth_error(error.error, error.description, error.status, error.headers)
    injected = await injected_http_fault(state, endpoint, auth.client.client_id)
    if injected:
        return injected
    if required and not fields.get(required):
        return oauth_error("invalid_request", f"missing parameter: {required}")
    return fields, auth

