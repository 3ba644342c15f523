"""A thin Keycloak Admin REST client: authentication, request counting, errors that name things.

Resource modules describe their URLs as templates (a `URLS` block each, the one
place an admin path is written); this client only knows how to send a request
and what an answer means: 404 is `None` where the caller expects absence, other
errors become `KeycloakError` carrying the realm, the object and Keycloak's own
message. `KeycloakAdmin.realm(name)` gives the client of one realm: it fills
`{realm}` in the templates, names the realm in every error and reads listings
page by page (`get_all`).
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

import requests

WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
PAGE_SIZE = 500  # objects per request when a whole listing is read


@dataclass(frozen=True)
class PasswordCredentials:
    """An admin user (dev: the bootstrap admin). Prefer ClientCredentials in production."""
    username: str
    password: str
    client_id: str = "admin-cli"


@dataclass(frozen=True)
class ClientCredentials:
    """A service-account client: deployments need no admin password."""
    client_id: str
    client_secret: str


class KeycloakError(Exception):
    def __init__(self, message: str, status: int | None = None, realm: str | None = None, obj: str | None = None):
        self.status, self.realm, self.obj = status, realm, obj
        where = " ".join(x for x in (f"realm '{realm}'" if realm else "", obj or "") if x)
        super().__init__(f"{where}: {message}" if where else message)


class KeycloakUnavailable(KeycloakError):
    """The server cannot be reached, or refuses our credentials (CLI exit code 3)."""


class KeycloakAdmin:
    def __init__(self, server_url: str, credentials, auth_realm: str = "master",
                 verify: bool | str = True, timeout: float = 30.0):
        self.server_url = server_url.rstrip("/")
        self.credentials = credentials
        self.auth_realm = auth_realm
        self.timeout = timeout
        self.session = requests.Session()
        # Given with every request: requests lets REQUESTS_CA_BUNDLE (set on many machines) override a
        # Session's verify, which would silently drop --ca-bundle.
        self.verify = verify
        # Plans read realms in parallel threads: one pooled connection per thread.
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.requests = Counter()  # method -> count, tokens excluded
        self.requests_by_realm = Counter()  # (realm, method) -> count, for "requests per realm" figures
        self.token_requests = 0  # authentications, counted apart
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    # ------------------------------------------------------------ authentication
    def _authenticate(self) -> None:
        creds = self.credentials
        if isinstance(creds, ClientCredentials):
            form = {"grant_type": "client_credentials", "client_id": creds.client_id,
                    "client_secret": creds.client_secret}
            who = f"client '{creds.client_id}'"
        else:
            form = {"grant_type": "password", "client_id": creds.client_id,
                    "username": creds.username, "password": creds.password}
            who = f"user '{creds.username}'"
        url = f"{self.server_url}/realms/{quote(self.auth_realm)}/protocol/openid-connect/token"
        try:
            resp = self.session.post(url, data=form, timeout=self.timeout, verify=self.verify)
        except requests.RequestException as exc:
            raise KeycloakUnavailable(f"cannot reach Keycloak at {self.server_url}: {exc}") from None
        if resp.status_code != 200:
            detail = _message(resp)
            raise KeycloakUnavailable(
                f"Keycloak refused the admin credentials of {who} in realm '{self.auth_realm}' "
                f"(HTTP {resp.status_code}: {detail})", resp.status_code)
        body = resp.json()
        self._token = body["access_token"]
        self.token_requests += 1
        # Re-authenticate before expiry so long runs never send a dead token: 15 s early, or a third of a
        # short lifetime early. A token refused anyway (revoked, clock skew) is renewed once on its 401.
        lifetime = int(body.get("expires_in", 60))
        self._token_expires = time.monotonic() + lifetime - min(15, lifetime / 3)

    def bearer_header(self) -> dict:
        """A valid Authorization header (re-authenticating when needed), for callers sending raw requests."""
        return self._auth_header()

    def _auth_header(self) -> dict:
        with self._lock:
            if not self._token or time.monotonic() >= self._token_expires:
                self._authenticate()
            return {"Authorization": f"Bearer {self._token}"}

    def realm(self, name: str) -> RealmAdmin:
        """The admin API of one realm (requests counted here, under that realm)."""
        return RealmAdmin(self, name)

    # ------------------------------------------------------------ requests
    def request(self, method: str, path: str, *, realm: str | None = None, obj: str | None = None,
                params: dict | None = None, json=None, allow_404: bool = False, text: bool = False):
        """Send one admin request. ``path`` is already formatted (see `url`); ``text`` returns the body as UTF-8 text."""
        url = f"{self.server_url}{path}"
        for attempt in (1, 2):
            headers = self._auth_header()
            try:
                resp = self.session.request(method, url, params=params, json=json, headers=headers, verify=self.verify,
                                            timeout=self.timeout)
            except requests.RequestException as exc:
                raise KeycloakUnavailable(f"cannot reach Keycloak at {self.server_url}: {exc}", None, realm, obj) from None
            with self._lock:
                self.requests[method] += 1
                self.requests_by_realm[(realm, method)] += 1
            if resp.status_code == 401 and attempt == 1:
                self._token = None  # token revoked or expired early: authenticate once more
                continue
            break
        if resp.status_code == 404 and allow_404:
            return None
        if resp.status_code >= 400:
            reason = _refusal_reason(resp) if resp.status_code == 403 else None
            if reason:  # refused for a stated reason (e.g. our staff-state endpoint), not for a missing role
                raise KeycloakError(f"Keycloak refused {method} {path} (HTTP 403): {reason}", 403, realm, obj)
            if resp.status_code in (401, 403):
                raise KeycloakUnavailable(
                    f"not allowed to {method} {path} (HTTP {resp.status_code}): the admin credentials "
                    "lack a role for this realm", resp.status_code, realm, obj)
            raise KeycloakError(f"Keycloak answered HTTP {resp.status_code} to {method} {path}: {_message(resp)}",
                                resp.status_code, realm, obj)
        if resp.status_code == 201:
            location = resp.headers.get("Location", "")
            return location.rstrip("/").rsplit("/", 1)[-1] if location else None
        if text:
            return resp.content.decode("utf-8")
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return resp.text

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    @property
    def write_count(self) -> int:
        return sum(n for method, n in self.requests.items() if method in WRITE_METHODS)

    def realm_counts(self, realm: str) -> Counter:
        """Requests sent about one realm, by method."""
        return Counter({method: n for (r, method), n in self.requests_by_realm.items() if r == realm})

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()
            self.requests_by_realm.clear()


class RealmAdmin:
    """One realm's side of the admin API: URL templates get their ``{realm}`` (and the other values passed
    by name) filled and quoted, and every error names the realm and the object (``obj``)."""

    def __init__(self, server: KeycloakAdmin, name: str):
        self.server, self.name = server, name

    def path(self, template: str, **values) -> str:
        return url(template, realm=self.name, **values)

    def request(self, method: str, template: str, *, obj: str | None = None, params: dict | None = None, json=None,
                allow_404: bool = False, text: bool = False, **values):
        """One request to ``template`` filled with ``values``; ``allow_404`` answers None for a missing object."""
        return self.server.request(method, self.path(template, **values), realm=self.name, obj=obj, params=params,
                                   json=json, allow_404=allow_404, text=text)

    def get(self, template: str, **kw):
        return self.request("GET", template, **kw)

    def post(self, template: str, json=None, **kw):
        return self.request("POST", template, json=json, **kw)

    def put(self, template: str, json=None, **kw):
        return self.request("PUT", template, json=json, **kw)

    def delete(self, template: str, **kw):
        return self.request("DELETE", template, **kw)

    def get_all(self, template: str, *, obj: str, params: dict | None = None, page_size: int = PAGE_SIZE,
                **values) -> list:
        """Every item of a listing, ``page_size`` at a time (a short page is the last)."""
        items, first = [], 0
        while True:
            page = self.get(template, params={**(params or {}), "first": first, "max": page_size}, obj=obj, **values)
            items += page
            if len(page) < page_size:
                return items
            first += page_size


def url(template: str, **values) -> str:
    """Fill a URL template, quoting each value (client ids may hold ':' or '/')."""
    return template.format(**{k: quote(str(v), safe="") for k, v in values.items()})


def _refusal_reason(resp: requests.Response) -> str | None:
    """The ``error_description`` of a 403 that gives one; Keycloak's own role checks give none."""
    try:
        body = resp.json()
    except ValueError:
        return None
    return body.get("error_description") if isinstance(body, dict) else None


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:300]
    if isinstance(body, dict):
        for key in ("errorMessage", "error_description", "error", "message"):
            if body.get(key):
                extra = body.get("params") or body.get("field")
                return f"{body[key]}" + (f" ({extra})" if extra else "")
    return str(body)[:300]
