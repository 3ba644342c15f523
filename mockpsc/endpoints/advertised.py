"""Routes PSC's discovery document advertises (PSC is a Keycloak realm) beyond the
login itself. The mock serves each URL so that a relying party walking the document
never meets a 404, and answers the way PSC answers when it does not offer the feature
to a client registered through DataPass (see mockpsc/README.md, "Deliberately left out"):

* ``check_session_iframe``: an HTML page answering OIDC Session Management messages.
  The mock's SSO cookie lives on the wallet origin, which this page cannot read, so it
  answers ``changed`` to every well-formed message (what Keycloak's page answers when it
  finds no session cookie), ``error`` to others. ``…/init`` answers 204 for a registered
  client and an origin of one of its redirect URIs, else 403, as Keycloak does.
* ``registration_endpoint``: dynamic client registration is closed (clients are
  registered through DataPass): 403 ``insufficient_scope``, Keycloak's answer when its
  default anonymous-registration policy refuses the caller.
* ``device_authorization_endpoint``: the client is authenticated, then 400
  ``unauthorized_client`` (the device grant is not enabled for it), Keycloak's wording.
* ``pushed_authorization_request_endpoint``: the client is authenticated, then 400
  ``invalid_request``: the mock does not take pushed requests (a known gap: PSC would).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mockpsc.client_auth import authenticated_form
from mockpsc.control import normal_origin
from mockpsc.httputil import NO_STORE, oauth_error, state_of

# OIDC Session Management 1.0 §3.2: the RP posts "<client_id> <session_state>" and reads
# "changed", "unchanged" or "error" back.
LOGIN_STATUS_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Pro Santé Connect – statut de session (simulateur)</title></head>
<body>
<script>
  // The mock's session cookie is on the wallet origin, out of this page's reach:
  // every well-formed question gets "changed" (the relying party then asks with prompt=none).
  window.addEventListener("message", function (event) {
    var parts = typeof event.data === "string" ? event.data.split(" ") : [];
    var answer = parts.length === 2 && parts[0] && parts[1] ? "changed" : "error";
    event.source.postMessage(answer, event.origin);
  });
</script>
</body></html>
"""


async def login_status_iframe(request: Request) -> Response:
    return HTMLResponse(LOGIN_STATUS_PAGE, headers=NO_STORE)


async def login_status_iframe_init(request: Request) -> Response:
    state = state_of(request)
    client = state.clients.get(request.query_params.get("client_id"))
    origin = normal_origin(request.query_params.get("origin", ""))
    if client is not None and origin:
        allowed = {normal_origin(f"{urlsplit(uri).scheme}://{urlsplit(uri).netloc}") for uri in client.redirect_uris}
        if origin in allowed:
            return Response(status_code=204)
    return Response(status_code=403)


async def client_registration(request: Request) -> Response:
    state_of(request).log.event("registration.refused")
    return oauth_error("insufficient_scope", "Policy 'Trusted Hosts' rejected request to client-registration "
                                             "service. Details: Host not trusted.", 403)


async def device_authorization(request: Request) -> Response:
    checked = await authenticated_form(request, "device")
    if isinstance(checked, Response):
        return checked
    _, auth = checked
    state_of(request).log.event("device_authorization.refused", client_id=auth.client.client_id)
    return oauth_error("unauthorized_client", "Client is not allowed to initiate OAuth 2.0 Device Authorization "
                                              "Grant. The flow is disabled for the client.")


async def pushed_authorization_request(request: Request) -> Response:
    checked = await authenticated_form(request, "par")
    if isinstance(checked, Response):
        return checked
    _, auth = checked
    state_of(request).log.event("par.refused", client_id=auth.client.client_id)
    return oauth_error("invalid_request", "pushed authorization requests are not accepted by the mock: send the "
                                          "parameters to the authorization endpoint")
