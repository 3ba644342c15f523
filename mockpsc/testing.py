"""Helpers for tests that log in through the mock like a user would.

    phone = Phone(psc)
    page = session.get(authorize_url)                 # the wallet page
    final = wallet_login(session, page, "899700218896", phone=phone)
    final.headers["Location"]                         # redirect_uri?code=…&state=…
    final = card_login(session, page, "899700218896", pin="1234")   # or: the "Carte CPS" tab

    device = PhoneDevice(psc, "my-phone")             # one given phone (activation, pushes)
    activate_ecps(psc, "8…", device, pin="4321")      # the whole activation, headless
"""
from __future__ import annotations

import itertools
import re
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter

from psc_ids.national_id import luhn_valid

_SECURE_ATTR = re.compile(r";\s*Secure\s*(?=;|$)", re.IGNORECASE)
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class _LoopbackAdapter(HTTPAdapter):
    """Browsers treat http://127.0.0.1 as a secure context and keep Keycloak's
    ``Secure; SameSite=None`` cookies; requests would drop them. Strip the
    attribute from loopback responses so a Session behaves like a browser."""

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        response = super().send(request, *args, **kwargs)
        host = (response.url or "").split("/")[2].rsplit(":", 1)[0] if "://" in (response.url or "") else ""
        message = getattr(getattr(response.raw, "_original_response", None), "msg", None)
        if host in _LOOPBACK and message is not None:
            cookies = message.get_all("Set-Cookie") or []
            if cookies:
                del message["Set-Cookie"]
                for value in cookies:
                    message["Set-Cookie"] = _SECURE_ATTR.sub("", value)
        return response


def browser_session() -> requests.Session:
    """A requests Session that keeps cookies like a browser on loopback http."""
    session = requests.Session()
    session.mount("http://", _LoopbackAdapter())
    return session


_NUMBER = re.compile(r'id="match-number"[^>]*>\s*([0-9]{2})\s*<')


def read_match_number(html: str) -> str:
    """The two-digit number the waiting page asks the user to pick on the phone."""
    match = _NUMBER.search(html)
    if not match:
        raise AssertionError("no match-number element on this page")
    return match.group(1)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.error: dict[str, str] | None = None
        self.links: dict[str, str] = {}  # href of each <a> with an id
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")
        if a.get("id") == "error":
            self.error = {"code": a.get("data-code", ""), "message": ""}
            self._in_error = True

    def handle_data(self, data: str) -> None:
        if self._in_error and self.error is not None:
            self.error["message"] += data

    def handle_endtag(self, tag: str) -> None:
        self._in_error = False


def read_form(html: str) -> tuple[str, dict[str, str]]:
    """Action and field values of the first form on a page."""
    parser = _FormParser()
    parser.feed(html)
    if parser.action is None:
        raise AssertionError("no form on this page")
    return parser.action, parser.fields


def read_link(html: str, element_id: str) -> str:
    """The href of the link ``id="element_id"`` (e.g. a wallet page tab: ``tab-card``, ``tab-ecps``)."""
    parser = _FormParser()
    parser.feed(html)
    if element_id not in parser.links:
        raise AssertionError(f"no link with id {element_id!r} on this page")
    return parser.links[element_id]


def read_error(html: str) -> dict[str, str] | None:
    """``{"code", "message"}`` of the page's ``id="error"`` element, if any."""
    parser = _FormParser()
    parser.feed(html)
    if parser.error:
        parser.error["message"] = " ".join(parser.error["message"].split())
    return parser.error


class Phone:
    """The e-CPS phone, driven through the mock's headless phone API."""

    def __init__(self, psc_or_wallet_origin: Any, session: requests.Session | None = None) -> None:
        origin = getattr(psc_or_wallet_origin, "wallet_origin", psc_or_wallet_origin)
        self.base = f"{origin}/phone/api/pushes"
        self.http = session or requests.Session()

    def pending(self, national_id: str) -> list[dict[str, Any]]:
        response = self.http.get(self.base, params={"national_id": national_id}, timeout=5)
        response.raise_for_status()
        return response.json()

    def wait_for_push(self, national_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            pushes = self.pending(national_id)
            if pushes:
                return pushes[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no push arrived for {national_id}")
            time.sleep(0.05)

    def approve(self, push_id: str, pin: str, number: str) -> requests.Response:
        """The raw response: 200 approved, 403 invalid_pin / wrong_number / ecps_locked…"""
        return self.http.post(f"{self.base}/{push_id}/approve", json={"pin": pin, "number": number}, timeout=5)

    def deny(self, push_id: str) -> requests.Response:
        return self.http.post(f"{self.base}/{push_id}/deny", timeout=5)


def wallet_login(
    session: requests.Session,
    page: requests.Response,
    national_id: str,
    *,
    phone: "Phone | PhoneDevice",
    pin: str = "1234",
    number: str | None = None,
    max_polls: int = 50,
) -> requests.Response:
    """From the wallet login page to the redirect back to the client.

    Posts the national id, reads the number, answers on the phone (with
    ``number`` if given, to test a wrong pick), then polls the continue URL.
    Returns the 302 response (not followed): Location carries code or error.
    """
    action, fields = read_form(page.text)
    fields["national_id"] = national_id
    national_id = "".join(national_id.split())  # what the page keeps of what was typed
    waiting = session.post(urljoin(page.url, action), data=fields, timeout=5)
    if 'id="match-number"' not in waiting.text:
        raise AssertionError(f"the wallet page refused {national_id!r}: {read_error(waiting.text)}")
    shown = read_match_number(waiting.text)
    push = phone.wait_for_push(national_id)
    phone.approve(push["id"], pin, number or shown)
    url = waiting.url
    for _ in range(max_polls):
        response = session.get(url, allow_redirects=False, timeout=5)
        if response.status_code in (301, 302, 303):
            return response
        time.sleep(0.02)
    raise AssertionError("the wallet page never redirected back to the client")


def open_card_tab(session: requests.Session, page: requests.Response) -> requests.Response:
    """Click the wallet page's "Carte CPS" tab: the simulated card reader and its PIN field."""
    card_page = session.get(urljoin(page.url, read_link(page.text, "tab-card")), timeout=5)
    assert card_page.status_code == 200 and 'id="card-form"' in card_page.text, card_page.text[:500]
    return card_page


def submit_card_pin(session: requests.Session, card_page: requests.Response, national_id: str,
                    pin: str) -> requests.Response:
    """Post the card tab's form: the card inserted (its holder's national id) and the PIN typed.
    The raw answer: 302 back to the client, or the tab again (200) with ``read_error`` saying why."""
    action, fields = read_form(card_page.text)
    fields.update(national_id=national_id, pin=pin)
    return session.post(urljoin(card_page.url, action), data=fields, allow_redirects=False, timeout=5)


def card_login(session: requests.Session, page: requests.Response, national_id: str, *,
               pin: str = "1234") -> requests.Response:
    """From the wallet login page to the redirect back to the client, with the CPS card
    of ``national_id`` in the simulated reader: "Carte CPS" tab, card, PIN. Returns the 302
    (not followed); AssertionError with the page's message if the page refused."""
    answer = submit_card_pin(session, open_card_tab(session, page), national_id, pin)
    if answer.status_code not in (301, 302, 303):
        raise AssertionError(f"the card tab refused {national_id!r}: {read_error(answer.text)}")
    return answer


_serial = itertools.count(1)


def fresh_national_id() -> str:
    """A Luhn-valid RPPS national id not used before in this process
    (``899`` + serial: never one of the shipped ``8997…`` sandbox numbers)."""
    base = f"99{next(_serial):08d}"
    for check in "0123456789":
        if luhn_valid(base + check):
            return "8" + base + check
    raise AssertionError("unreachable: one check digit always fits")


def _wallet_origin(psc_or_wallet_origin: Any) -> str:
    return getattr(psc_or_wallet_origin, "wallet_origin", psc_or_wallet_origin)


class PhoneDevice:
    """One e-CPS phone, identified by its device id, driven through the JSON API:
    activation steps and the pushes of the e-CPS bound to it. Methods return the
    raw ``requests`` response so a test can check refusals."""

    def __init__(self, psc_or_wallet_origin: Any, device_id: str, session: requests.Session | None = None) -> None:
        self.device_id = device_id
        self.base = f"{_wallet_origin(psc_or_wallet_origin)}/phone/api/devices/{device_id}"
        self.http = session or requests.Session()

    def _post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return self.http.post(self.base + path, json=body or {}, timeout=5)

    def state(self) -> dict[str, Any]:
        response = self.http.get(self.base, timeout=5)
        response.raise_for_status()
        return response.json()

    # -- activation (seed steps 3-10) ----------------------------------------------------
    def request_activation(self, national_id: str, accept_cgu: bool = True) -> requests.Response:
        return self._post("/activations", {"national_id": national_id, "accept_cgu": accept_cgu})

    def confirm_contacts(self, activation_id: str) -> requests.Response:
        return self._post(f"/activations/{activation_id}/confirm")

    def decline_contacts(self, activation_id: str) -> requests.Response:
        return self._post(f"/activations/{activation_id}/decline")

    def start_activation(self, link: str, via: str = "link") -> requests.Response:
        """Open the e-mail's link on this phone (``via="link"``) or scan its QR code (``"qr"``)."""
        return self._post("/activation/start", {"link": link, "via": via})

    def submit_sms_code(self, activation_id: str, code: str) -> requests.Response:
        return self._post(f"/activations/{activation_id}/sms", {"code": code})

    def choose_pin(self, activation_id: str, pin: str, confirmation: str | None = None) -> requests.Response:
        """Type ``pin`` twice; a different ``confirmation`` is a typo in the second field."""
        confirmation = pin if confirmation is None else confirmation
        return self._post(f"/activations/{activation_id}/pin", {"pin": pin, "confirmation": confirmation})

    # -- authentication requests -----------------------------------------------------------
    def pushes(self) -> list[dict[str, Any]]:
        response = self.http.get(self.base + "/pushes", timeout=5)
        response.raise_for_status()
        return response.json()

    def get_activation(self, activation_id: str) -> requests.Response:
        return self.http.get(f"{self.base}/activations/{activation_id}", timeout=5)

    def wait_for_push(self, national_id: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """The newest pending push on this phone (for ``national_id`` if given).
        Same call as ``Phone.wait_for_push``, so ``wallet_login`` accepts either."""
        deadline = time.monotonic() + timeout
        while True:
            pushes = [p for p in self.pushes() if national_id is None or p["national_id"] == national_id]
            if pushes:
                return pushes[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no push arrived on phone {self.device_id}")
            time.sleep(0.05)

    def accept(self, push_id: str) -> requests.Response:
        return self._post(f"/pushes/{push_id}/accept")

    def enter_pin(self, push_id: str, pin: str) -> requests.Response:
        return self._post(f"/pushes/{push_id}/pin", {"pin": pin})

    def choose_number(self, push_id: str, number: str) -> requests.Response:
        return self._post(f"/pushes/{push_id}/number", {"number": number})

    def approve(self, push_id: str, pin: str, number: str) -> requests.Response:
        return self._post(f"/pushes/{push_id}/approve", {"pin": pin, "number": number})

    def deny(self, push_id: str) -> requests.Response:
        return self._post(f"/pushes/{push_id}/deny")


def emails(psc_or_wallet_origin: Any, to: str) -> list[dict[str, Any]]:
    """Messages of the mock's mailbox sent to ``to``, oldest first."""
    response = requests.get(f"{_wallet_origin(psc_or_wallet_origin)}/mailbox/api/messages", params={"to": to},
                            timeout=5)
    response.raise_for_status()
    return response.json()


def sms_codes(psc_or_wallet_origin: Any, to: str) -> list[str]:
    """Codes of the SMS sent to mobile ``to``, oldest first."""
    response = requests.get(f"{_wallet_origin(psc_or_wallet_origin)}/sms/api/messages", params={"to": to},
                            timeout=5)
    response.raise_for_status()
    return [m["code"] for m in response.json()]


def activate_ecps(psc: Any, national_id: str, device: PhoneDevice, *, pin: str = "1234",
                  via: str = "link") -> dict[str, Any]:
    """The whole activation of ``national_id`` on ``device`` (the identity needs an
    e-mail and a mobile); returns the final activation view (state ``active``)."""
    requested = device.request_activation(national_id)
    assert requested.status_code == 201, requested.text
    activation = requested.json()
    confirmed = device.confirm_contacts(activation["id"])
    assert confirmed.status_code == 200, confirmed.text
    identity = psc.state.identities.get(national_id)
    link = emails(psc, identity.email)[-1]["link"]
    started = device.start_activation(link, via)
    assert started.status_code == 200, started.text
    code = sms_codes(psc, identity.mobile)[-1]
    assert device.submit_sms_code(activation["id"], code).status_code == 200
    done = device.choose_pin(activation["id"], pin)
    assert done.status_code == 200 and done.json()["state"] == "active", done.text
    return done.json()
