"""Token endpoint. Grants are looked up in ``GRANTS`` (the refresh and CIBA
grants will be one entry each). Every failure is an OAuth JSON error."""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

from mockpsc.client_auth import ClientAuthError, authenticate_client
from mockpsc.clients import Client
from mockpsc.endpoints.authorize import PKCE_VALUE
from mockpsc.httputil import NO_STORE, BadForm, oauth_error, read_form, single_values, state_of
from mockpsc.sessions import AuthCode
from mockpsc.state import MockState
from mockpsc.tokens import token_response


class GrantError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


def _pkce_matches(code: AuthCode, verifier: str) -> bool:
    if code.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        derived = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        derived = verifier
    return hmac.compare_digest(derived, code.code_challenge or "")


def authorization_code_grant(state: MockState, client: Client, fields: dict[str, str]) -> dict:
    value, redirect_uri = fields.get("code"), fields.get("redirect_uri")
    if not value:
        raise GrantError("invalid_request", "missing parameter: code")
    if redirect_uri is None:
        raise GrantError("invalid_request", "missing parameter: redirect_uri")
    code, was_used = state.sessions.take_code(value)
    if code is None:
        raise GrantError("invalid_grant", "Code not valid")
    if was_used:
        state.log.event("code.replayed", client_id=client.client_id, sid=code.sid)
        raise GrantError("invalid_grant", "Code already used")
    if code.client_id != client.client_id:
        raise GrantError("invalid_grant", "Code was issued to another client")
    if state.clock.now() >= code.expires_at:
        raise GrantError("invalid_grant", "Code expired")
    if redirect_uri != code.redirect_uri:
        raise GrantError("invalid_grant", "Incorrect redirect_uri")
    verifier = fields.get("code_verifier")
    if code.code_challenge is not None:
        if verifier is None:
            raise GrantError("invalid_grant", "PKCE code verifier not specified")
        if not PKCE_VALUE.match(verifier) or not _pkce_matches(code, verifier):
            raise GrantError("invalid_grant", "PKCE verification failed")
    elif verifier is not None:
        raise GrantError("invalid_grant", "PKCE code verifier specified but challenge not present in authorization")
    session = state.sessions.get_session(code.sid)
    if session is None or not session.active:
        raise GrantError("invalid_grant", "Session not active")
    identity = state.identities.get(code.national_id)
    if identity is None:
        raise GrantError("invalid_grant", "User not found")
    return token_response(state, client, code, identity)


GRANTS: dict[str, Callable[[MockState, Client, dict[str, str]], dict]] = {
    "authorization_code": authorization_code_grant,
}


async def token(request: Request) -> JSONResponse:
    state = state_of(request)
    try:
        fields, repeated = single_values(await read_form(request))
    except BadForm as error:
        return oauth_error("invalid_request", str(error))
    if repeated:
        return oauth_error("invalid_request", f"duplicated parameter: {', '.join(repeated)}")
    try:
        client = authenticate_client(state, request.headers, fields)
    except ClientAuthError as error:
        return oauth_error(error.error, error.description, error.status, error.headers)
    grant_type = fields.get("grant_type")
    if not grant_type:
        return oauth_error("invalid_request", "missing parameter: grant_type")
    grant = GRANTS.get(grant_type)
    if grant is None:
        return oauth_error("unsupported_grant_type", f"unsupported grant_type '{grant_type}'")
    try:
        body = grant(state, client, fields)
    except GrantError as error:
        state.log.event("token.refused", client_id=client.client_id, error=error.error, description=error.description)
        return oauth_error(error.error, error.description)
    return JSONResponse(body, headers=NO_STORE)
