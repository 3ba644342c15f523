"""Helpers for the mock PSC's own tests: a relying party that speaks to the
mock over real HTTP, the way Keycloak's broker does.

(A uniquely named module: test directories here are not packages.)"""
from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from mockpsc.server import MockPSC
from mockpsc.testing import Phone, PhoneDevice, read_form, wallet_login

PIN = "1234"
MEDECIN = "899700218896"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class RelyingParty:
    psc: MockPSC
    client_id: str
    secret: str
    redirect_uri: str
    post_logout_uri: str
    http: requests.Session = field(default_factory=requests.Session)
    verifier: str = ""
    nonce: str = ""
    state: str = ""

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        self.verifier = secrets.token_urlsafe(48)
        self.nonce = secrets.token_hex(32)  # ANS's plugin sends 64 hex chars
        self.state = secrets.token_urlsafe(16)
        params = {
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "response_type": "code",
            "scope": "openid scope_all",
            "state": self.state,
            "nonce": self.nonce,
            "acr_values": "eidas1",
            "code_challenge": s256(self.verifier),
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def open_login_page(self, *, same_browser: bool = False, **overrides: str | None) -> requests.Response:
        """The authorize request, from a fresh browser (no PSC session cookie) unless
        ``same_browser``: the wallet's SSO would otherwise answer without a page."""
        if not same_browser:
            self.http = requests.Session()
        return self.http.get(self.psc.authorization_endpoint, params=self.authorize_params(**overrides),
                             allow_redirects=False, timeout=5)

    def login(self, national_id: str = MEDECIN, pin: str = PIN, number: str | None = None,
              phone_device: PhoneDevice | None = None, **overrides: str | None) -> requests.Response:
        """Whole browser + phone dance (the phone holding the e-CPS, or ``phone_device``);
        the 302 back to the client."""
        page = self.open_login_page(**overrides)
        assert page.status_code == 200, page.text
        return wallet_login(self.http, page, national_id, phone=phone_device or Phone(self.psc), pin=pin,
                            number=number)

    def submit_national_id(self, page: requests.Response, national_id: str) -> requests.Response:
        """Type the national id on the wallet page; the waiting page (or the page with an error)."""
        action, fields = read_form(page.text)
        fields["national_id"] = national_id
        return self.http.post(urljoin(page.url, action), data=fields, timeout=5)

    def code(self, national_id: str = MEDECIN) -> str:
        back = self.login(national_id)
        assert back.headers["Location"].startswith(self.redirect_uri), back.headers["Location"]
        return query_of(back.headers["Location"])["code"]

    def exchange(self, code: str, *, verifier: str | None = None, auth: str = "basic",
                 secret: str | None = None, **extra: str) -> requests.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier or self.verifier,
            **extra,
        }
        kwargs: dict = {}
        if auth == "basic":
            kwargs["auth"] = (self.client_id, secret or self.secret)
        else:
            data.update(client_id=self.client_id, client_secret=secret or self.secret)
        return requests.post(self.psc.endpoint("token"), data=data, timeout=5, **kwargs)

    def tokens(self, national_id: str = MEDECIN) -> dict:
        response = self.exchange(self.code(national_id))
        assert response.status_code == 200, response.text
        return response.json()

    def verify(self, token: str) -> jwt.Token:
        """Signature check against the published JWKS, as a broker does."""
        jwks = requests.get(self.psc.endpoint("certs"), timeout=5).json()
        return jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])


def make_rp(psc: MockPSC, **client_options) -> RelyingParty:
    client_id = f"rp-{uuid.uuid4().hex[:8]}"
    secret = secrets.token_urlsafe(24)
    redirect_uri = f"http://127.0.0.1:9/realms/test/broker/{client_id}/endpoint"
    post_logout = redirect_uri + "/logout_response"
    psc.register_client(client_id, secret, [redirect_uri], [post_logout], **client_options)
    return RelyingParty(psc, client_id, secret, redirect_uri, post_logout)
