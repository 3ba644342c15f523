"""The phone page, driven through its own HTML forms as a browser without
JavaScript would (a browser test can drive the same element ids)."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from mockpsc.testing import emails, fresh_national_id, read_match_number, sms_codes

from psc_helpers import make_rp


class Page(HTMLParser):
    """Element ids, and each form's action and fields, of one page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, dict[str, str]] = {}
        self.forms: dict[str, dict] = {}
        self._form: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}, "buttons": []}
            self.forms[a.get("id") or a["action"]] = self._form
        elif self._form is not None and tag == "input" and a.get("name") and a.get("type") != "checkbox":
            self._form["fields"][a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "button":
            self._form["buttons"].append(a)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


class PhonePage:
    def __init__(self, psc, device_id: str) -> None:
        self.url = f"{psc.wallet_origin}/phone/{device_id}"
        self.http = requests.Session()
        self.html = ""

    def open(self) -> Page:
        response = self.http.get(self.url, timeout=5)
        assert response.status_code == 200, response.text[:300]
        self.html = response.text
        return Page(self.html)

    def submit(self, page: Page, form_id: str, **fields: str) -> Page:
        form = next(f for key, f in page.forms.items() if key == form_id or f["action"].endswith(form_id))
        response = self.http.post(urljoin(self.url, form["action"]), data={**form["fields"], **fields}, timeout=5)
        assert response.status_code == 200 and response.url == self.url, (response.status_code, response.url)
        self.html = response.text
        return Page(response.text)


def message(page: Page) -> str:
    return page.ids.get("phone-message", {}).get("data-code", "")


def test_activation_then_login_on_the_phone_page(mock_psc):
    national_id = fresh_national_id()
    email, mobile = f"page.{national_id}@hopital.fr", "07" + national_id[-8:]
    mock_psc.add_identity(national_id, "PAGE", "TEST", email=email, mobile=mobile, exercices=[{"profession": "60"}])
    phone = PhonePage(mock_psc, "page-" + national_id)
    page = phone.open()
    assert page.ids["device-id"] and "no-ecps" in page.ids and "no-push" in page.ids
    assert page.ids["activation"]["data-state"] == "none"

    page = phone.submit(page, "activation-request-form", national_id=national_id, accept_cgu="on")
    assert page.ids["activation"]["data-state"] == "contacts_shown"
    assert "p***@h***.fr" in phone.html and f"07 ** ** ** {national_id[-2:]}" in phone.html
    page = phone.submit(page, "/confirm")
    assert message(page) == "email_sent" and "activation-email-sent" in page.ids
    page = phone.submit(page, "activation-start-form", link=emails(mock_psc, email)[-1]["link"], via="link")
    assert message(page) == "sms_sent" and "activation-sms-code" in page.ids
    page = phone.submit(page, "activation-sms-form", code=sms_codes(mock_psc, mobile)[-1])
    assert "activation-pin" in page.ids and "activation-pin-confirmation" in page.ids
    page = phone.submit(page, "activation-pin-form", pin="2468", confirmation="2468")
    assert message(page) == "active"
    assert page.ids["ecps-status"]["data-count"] == "1"

    # A login: the tablet page shows a number, the phone walks accept -> PIN pad -> number.
    rp = make_rp(mock_psc)
    waiting = rp.submit_national_id(rp.open_login_page(), national_id)
    shown = read_match_number(waiting.text)
    page = phone.open()
    assert page.ids["push"]["data-step"] == "notified" and page.ids["push-client"]
    page = phone.submit(page, "push-accept-form")
    assert all(f"pin-key-{d}" in page.ids for d in "0123456789") and "pin-input" in page.ids
    page = phone.submit(page, "pin-pad", pin="2468")
    choices = [page.ids[f"number-choice-{i}"]["data-number"] for i in range(3)]
    assert shown in choices and len(set(choices)) == 3
    page = phone.submit(page, "number-choices", number=shown)
    assert message(page) == "approved" and "no-push" in page.ids
    back = rp.http.get(waiting.url, allow_redirects=False, timeout=5)
    assert "code=" in back.headers["Location"]


def test_phone_page_refusals_are_shown(mock_psc):
    phone = PhonePage(mock_psc, "refusals-phone")
    page = phone.submit(phone.open(), "activation-request-form", national_id="99700218896", accept_cgu="on")
    assert message(page) == "bare_rpps" and "899700218896" in phone.html
    page = phone.submit(page, "activation-request-form", national_id="899700312343", accept_cgu="on")
    assert message(page) == "no_contact_details" and "Ordre" in phone.html


def test_wrong_pin_on_the_phone_page_refuses_the_login(mock_psc):
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, "PIN", "FAUX", ecps={"pin": "1357", "device": "pin-" + national_id})
    rp = make_rp(mock_psc)
    waiting = rp.submit_national_id(rp.open_login_page(), national_id)
    phone = PhonePage(mock_psc, "pin-" + national_id)
    page = phone.submit(phone.open(), "push-accept-form")
    page = phone.submit(page, "pin-pad", pin="0000")
    assert message(page) == "invalid_pin" and re.search(r"Il reste 2 essai", phone.html)
    assert "error=access_denied" in rp.http.get(waiting.url, allow_redirects=False, timeout=5).headers["Location"]


def test_phone_home_and_mailbox_pages(mock_psc):
    home = requests.get(mock_psc.wallet_origin + "/phone", allow_redirects=False, timeout=5)
    assert home.status_code == 303 and home.headers["Location"] == "/phone/demo-phone"
    demo = Page(requests.get(mock_psc.wallet_origin + "/phone/demo-phone", timeout=5).text)
    assert int(demo.ids["ecps-status"]["data-count"]) >= 2  # the shipped, already activated e-CPS live there
    assert requests.get(mock_psc.wallet_origin + "/phone/bad%20id", timeout=5).status_code == 400
    assert requests.get(mock_psc.wallet_origin + "/mailbox", timeout=5).status_code == 200
    assert requests.get(mock_psc.wallet_origin + "/mailbox/mail-999999", timeout=5).status_code == 404
    assert requests.get(mock_psc.wallet_origin + "/sms", timeout=5).status_code == 200
