"""RP-initiated logout: ends the PSC session named by id_token_hint, then
redirects to a registered post_logout_redirect_uri (with ``state`` echoed,
unless the client's or the mock's ``logout_omits_state`` switch reproduces
PSC coming back without it) or shows PSC's own "session closed" page.
A server-side GET (Keycloak's back-channel logout: id_token_hint and state,
no redirect URI) lands on that page too."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockpsc.authorization_response import SSO_COOKIE
from mockpsc.httputil import (
    BadForm, error_page, injected_http_fault, page, read_form, redirect, single_values, state_of,
)
from mockpsc.keys import TokenError


async def logout(request: Request) -> Response:
    state = state_of(request)
    injected = await injected_http_fault(state, "logout", None)
    if injected:
        return injected
    pairs = request.query_params.multi_items()
    if request.method == "POST":
        try:
            pairs = await read_form(request)
        except BadForm as error:
            return error_page(request, f"Requête de déconnexion invalide ({error}).")
    params, repeated = single_values(pairs)
    if repeated:
        return error_page(request, f"Paramètre en double : {', '.join(repeated)}.")

    client_id = params.get("client_id")
    sid = None
    hint = params.get("id_token_hint")
    if hint is not None:
        try:
            claims = state.keys.verify(hint)
        except TokenError:
            return error_page(request, "id_token_hint invalide : ce jeton n'a pas été émis par Pro Santé Connect.")
        # An expired hint is fine (OIDC RP-Initiated Logout §2); it must be our ID token.
        if claims.get("iss") != state.issuer or claims.get("typ") != "ID":
            return error_page(request, "id_token_hint invalide : ce n'est pas un ID token de cet émetteur.")
        audience = claims.get("aud")
        hint_client = audience if isinstance(audience, str) else claims.get("azp")
        if client_id is not None and client_id != hint_client:
            return error_page(request, "client_id ne correspond pas à id_token_hint.")
        client_id = hint_client
        sid = claims.get("sid")

    target = params.get("post_logout_redirect_uri")
    client = state.clients.get(client_id)
    if target is not None:
        if client is None:
            return error_page(request, "post_logout_redirect_uri exige id_token_hint ou client_id.")
        if target not in client.post_logout_redirect_uris:
            # Same rule as redirect_uri: never bounce to an unregistered address.
            return error_page(request, "post_logout_redirect_uri non enregistrée pour ce client.")

    ended = state.sessions.end_session(sid) if isinstance(sid, str) else False
    state.log.event("session.ended" if ended else "logout.no_session", sid=sid, client_id=client_id)
    if target is not None:
        omit_state = state.settings.logout_omits_state or (client is not None and client.logout_omits_state)
        if omit_state and params.get("state") is not None:
            state.log.event("logout.state_omitted", client_id=client_id)
        response = redirect(target, {"state": None if omit_state else params.get("state")})
    else:
        response = page(request, "logged_out.html")
    response.delete_cookie(SSO_COOKIE, path="/")
    return response
