"""Userinfo: PSC's person claims for a valid access token, as plain JSON or,
for clients that ask for it, as a JWT signed with the ID-token key
(``application/jwt``, with iss and aud). Faults armed for the login follow
its access token here (sub mismatch, missing SubjectNameID, bad signature…)."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mockpsc.claims import build_claims
from mockpsc.faults import UserinfoDraft
from mockpsc.httputil import NO_STORE, BadForm, injected_http_fault, read_form, single_values, state_of
from mockpsc.keys import TokenError
from mockpsc.settings import REALM
from mockpsc.tlsca import thumbprint
from mockpsc.tlsproto import client_certificate_der


def _unauthorized(description: str, error: str | None = "invalid_token") -> JSONResponse:
    challenge = f'Bearer realm="{REALM}"'
    if error:  # RFC 6750 §3.1: no error code when no token was sent at all
        challenge += f', error="{error}", error_description="{description}"'
    return JSONResponse(
        {"error": error or "invalid_request", "error_description": description},
        status_code=401,
        headers={"WWW-Authenticate": challenge, **NO_STORE},
    )


async def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    if request.method == "POST":  # RFC 6750 §2.2 form-encoded body parameter
        try:
            fields, _ = single_values(await read_form(request))
        except BadForm:
            return None
        return fields.get("access_token") or None
    return None


async def userinfo(request: Request) -> Response:
    state = state_of(request)
    token = await _bearer(request)
    if token is None:
        return _unauthorized("missing bearer access token", error=None)
    try:
        claims = state.keys.verify(token)
    except TokenError as error:
        return _unauthorized(str(error))
    if claims.get("typ") != "Bearer" or claims.get("iss") != state.issuer:
        return _unauthorized("not an access token of this issuer")
    exp = claims.get("exp")
    if not isinstance(exp, int) or state.clock.now() >= exp:
        return _unauthorized("Token expired")
    record = state.sessions.token(str(claims.get("jti")))
    if record is None or record.kind != "access" or record.revoked:
        return _unauthorized("unknown access token")
    if record.cnf:
        presented = client_certificate_der(request.scope)
        if presented is None or thumbprint(presented) != record.cnf.get("x5t#S256"):
            return _unauthorized("access token bound to another client certificate")
    injected = await injected_http_fault(state, "userinfo", record.client_id)
    if injected:
        return injected
    if state.sessions.live(record.sid, touch=True) is None:
        return _unauthorized("User session not found")
    identity = state.identities.get(record.national_id)
    client = state.clients.get(record.client_id)
    if identity is None or client is None:
        return _unauthorized("User not found")
    person = build_claims(identity, auth_mode=record.auth_mode, acr=record.acr,
                          variant=client.claims_variant)
    draft = UserinfoDraft(keys=state.keys, body=dict(person.userinfo),
                          jwt_claims={"iss": state.issuer, "aud": client.client_id})
    for kind, value in record.userinfo_faults:
        kind.apply_userinfo(draft, value)
    # bound_to: the certificate thumbprint of a certificate-bound token, checked above against the one presented.
    state.log.event("userinfo.served", client_id=record.client_id, sid=record.sid, format=client.userinfo_format,
                    bound_to=(record.cnf or {}).get("x5t#S256"))
    if client.userinfo_format == "jwt":
        signed = state.keys.sign({**draft.body, **draft.jwt_claims}, draft.key)
        return Response(signed, media_type="application/jwt", headers=NO_STORE)
    return JSONResponse(draft.body, headers=NO_STORE)
