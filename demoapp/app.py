"""The demo app's pages: login with the "Pro Santé Connect" button, who is signed in, logout."""
from __future__ import annotations

import secrets
import time
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from .oidc import LoginError, OidcClient, PendingLogin

COOKIE = "smurtab_session"
PROFESSION_ROLES = ("medecin", "infirmier", "ambulancier", "interne", "urgentiste")
AUTH_MODES = {"MOBILE": "e-CPS (application mobile)", "CARD": "carte CPS"}

templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"]))


def render(name: str, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**values), status_code=status)


def signed_in_view(tokens: dict) -> dict:
    """What the page shows, read from standard claims plus the ones the realm adds (rpps, idnat)."""
    claims, access = tokens["claims"], tokens["access_claims"]
    roles = access.get("realm_access", {}).get("roles", [])
    # CARD or MOBILE: the PSC mapper's session note, put in smurtab's tokens by its `sessionClaims`.
    mode = claims.get("auth_mode") or access.get("auth_mode")
    return {
        "name": f"{claims.get('given_name', '')} {claims.get('family_name', '')}".strip(),
        "rpps": claims.get("rpps"),
        "idnat": claims.get("idnat"),
        "professions": [r for r in PROFESSION_ROLES if r in roles],  # a stable order, whatever the token's
        "auth_mode": AUTH_MODES.get(mode, "Pro Santé Connect" if not mode else mode),
        "expires_in": max(0, int(access.get("exp", 0) - time.time())),
    }


def create_app(oidc: OidcClient, origin: str) -> Starlette:
    sessions: dict[str, dict] = {}  # server-side: the browser only holds a random id

    def session_of(request: Request) -> dict:
        return sessions.get(request.cookies.get(COOKIE, ""), {})

    def with_session(response, data: dict):
        sid = secrets.token_urlsafe(24)
        sessions[sid] = data
        response.set_cookie(COOKIE, sid, httponly=True, samesite="lax", path="/")
        return response

    async def home(request: Request):
        tokens = session_of(request).get("tokens")
        if tokens:
            return render("signed_in.html", user=signed_in_view(tokens))
        return render("login.html")

    async def login(request: Request):
        pending = PendingLogin.new()
        return with_session(RedirectResponse(oidc.authorization_url(pending), 302), {"pending": pending})

    async def callback(request: Request):
        pending = session_of(request).get("pending")
        if pending is None:
            return render("login.html", 400, error="Session expirée : recommencez la connexion.")
        try:
            tokens = oidc.finish(pending, dict(request.query_params))
        except LoginError as exc:
            return render("login.html", 401, error=f"Connexion refusée : {exc}")
        return with_session(RedirectResponse("/", 302), {"tokens": tokens})

    async def logout(request: Request):
        tokens = session_of(request).get("tokens")
        sessions.pop(request.cookies.get(COOKIE, ""), None)
        target = oidc.logout_url(tokens["id_token"], f"{origin}/") if tokens else "/"
        response = RedirectResponse(target, 302)
        response.delete_cookie(COOKIE, path="/")
        return response

    return Starlette(routes=[
        Route("/", home), Route("/login", login), Route("/callback", callback), Route("/logout", logout),
    ])
