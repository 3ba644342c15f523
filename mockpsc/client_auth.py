"""Client authentication at the token endpoint (and later introspection):
client_secret_basic or client_secret_post, as each client allows."""
from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from starlette.datastructures import Headers

from mockpsc.clients import Client
from mockpsc.settings import REALM
from mockpsc.state import MockState


class ClientAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Basic realm="{REALM}"'} if self.status == 401 else {}


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


def authenticate_client(state: MockState, headers: Headers, fields: dict[str, str]) -> Client:
    authorization = headers.get("authorization", "")
    uses_basic = authorization[:6].lower() == "basic "
    if uses_basic and "client_secret" in fields:
        raise ClientAuthError("invalid_request", "more than one client authentication method used", 400)
    if uses_basic:
        client_id, secret = _basic_credentials(authorization)
        if "client_id" in fields and fields["client_id"] != client_id:
            raise ClientAuthError("invalid_request", "client_id differs from the authenticated client", 400)
        method = "client_secret_basic"
    elif "client_secret" in fields:
        client_id, secret = fields.get("client_id", ""), fields["client_secret"]
        method = "client_secret_post"
    else:
        raise ClientAuthError("invalid_client", "client authentication required")
    client = state.clients.get(client_id)
    if client is None or not client.secret_matches(secret):
        state.log.event("client.auth_failed", client_id=client_id, method=method)
        raise ClientAuthError("invalid_client", "invalid client credentials")
    if method not in client.auth_methods:
        state.log.event("client.auth_failed", client_id=client_id, method=method)
        raise ClientAuthError("invalid_client", f"{method} is not allowed for this client")
    return client
