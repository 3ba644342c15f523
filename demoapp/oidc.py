"""The OIDC client side of the demo app: discovery, PKCE, code exchange, ID token checks."""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class LoginError(Exception):
    """The login came back wrong (state, nonce, signature...): the message is shown to the user."""


@dataclass
class PendingLogin:
    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> "PendingLogin":
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OidcClient:
    def __init__(self, issuer: str, client_id: str, redirect_uri: str, idp_hint: str | None = "psc",
                 ca_bundle: str | None = None):
        self.issuer = issuer.rstrip("/")
        # Keycloak behind the cluster's balancer is HTTPS with a certificate of the run's own CA.
        self.tls_verify: str | bool = ca_bundle or True
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.idp_hint = idp_hint

    @cached_property
    def metadata(self) -> dict:
        response = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10, verify=self.tls_verify)
        response.raise_for_status()
        return response.json()

    def authorization_url(self, pending: PendingLogin) -> str:
        params = {
            "client_id": self.client_id, "redirect_uri": self.redirect_uri, "response_type": "code",
            "scope": "openid", "state": pending.state, "nonce": pending.nonce,
            "code_challenge": pending.challenge, "code_challenge_method": "S256",
        }
        if self.idp_hint:
            params["kc_idp_hint"] = self.idp_hint
        return f"{self.metadata['authorization_endpoint']}?{urlencode(params)}"

    def finish(self, pending: PendingLogin, params: dict) -> dict:
        """Check the callback, exchange the code, verify the ID token; return the token response + claims."""
        if params.get("state") != pending.state:
            raise LoginError("state does not match this login")
        if "error" in params:
            raise LoginError(f"{params['error']}: {params.get('error_description', '')}")
        response = requests.post(self.metadata["token_endpoint"], data={
            "grant_type": "authorization_code", "code": params.get("code", ""), "redirect_uri": self.redirect_uri,
            "client_id": self.client_id, "code_verifier": pending.verifier}, timeout=10, verify=self.tls_verify)
        if response.status_code != 200:
            raise LoginError(f"token endpoint answered {response.status_code}: {response.text[:200]}")
        tokens = response.json()
        tokens["claims"] = self.verify(tokens["id_token"], nonce=pending.nonce)
        tokens["access_claims"] = self.verify(tokens["access_token"])
        return tokens

    def verify(self, token: str, nonce: str | None = None) -> dict:
        keys = requests.get(self.metadata["jwks_uri"], timeout=10, verify=self.tls_verify).json()
        signing = KeySet.import_key_set({"keys": [k for k in keys["keys"] if k.get("use") == "sig"]})
        try:
            claims = jwt.decode(token, signing).claims
        except (JoseError, ValueError) as exc:
            raise LoginError(f"token signature not valid: {exc}") from None
        if claims.get("iss") != self.issuer:
            raise LoginError("token from another issuer")
        if claims.get("exp", 0) < time.time():
            raise LoginError("token expired")
        if nonce is not None and claims.get("nonce") != nonce:
            raise LoginError("nonce does not match this login")
        return claims

    def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str:
        # RP-initiated logout: Keycloak ends its session and, through the broker, PSC's.
        params = {"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri,
                  "client_id": self.client_id}
        return f"{self.metadata['end_session_endpoint']}?{urlencode(params)}"
