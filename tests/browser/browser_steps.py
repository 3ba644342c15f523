"""The two screens of the seed procedure, as a browser test drives them.

* ``TabletScreen``: SMUR-T@b's login page, then Pro Santé Connect's page (the
  national id, the number to match), then the app again.
* ``PhoneScreen``: the mock's e-CPS phone page (``/phone/{device}``), the mailbox
  and the SMS outbox the phone reads.

Each step waits for the page to say what the user would see (a stable element id of
mockpsc/README.md or the demo app), then takes a numbered screenshot.
"""
from __future__ import annotations

import io
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from fixtures.realms import REPO
from mockpsc.testing import fresh_national_id

ARTEFACTS = REPO / "test-artifacts" / "browser"
TABLET_VIEWPORT = {"width": 1024, "height": 720}
PHONE_VIEWPORT = {"width": 400, "height": 760}
STEP_TIMEOUT_MS = 15_000  # the phone page polls every 1.5 s, the PSC waiting page refreshes every 1 s


class Screenshots:
    """Numbered PNGs of one test: ``test-artifacts/browser/<test>/01-<name>.png`` …"""

    def __init__(self, folder: Path):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Page, name: str, selector: str | None = None) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        if selector:
            page.locator(selector).screenshot(path=path, animations="disabled")
        else:
            page.screenshot(path=path, animations="disabled")
        self.taken.append(path)
        return path


@dataclass(frozen=True)
class Staff:
    """A professional known to PSC (with the Ordre's contact details) and pre-linked in the realm."""
    national_id: str
    given_name: str
    family_name: str
    email: str
    mobile: str
    device: str  # the phone their e-CPS lives (or will live) on

    @property
    def rpps(self) -> str:
        return self.national_id[1:]

    @property
    def display_name(self) -> str:
        """The name the tablet shows: PSC's (the mapper rewrites the names at every login; the region
        file's title-cased names below only seeded the account)."""
        return f"{self.given_name} {self.family_name}"

    def users_entry(self) -> str:
        """Their line in the region file's `users:` (pre-linked by national id, as smur-iam does it)."""
        return (f'  - nationalId: "{self.national_id}"\n'
                f"    firstName: {self.given_name.title()}\n"
                f"    lastName: {self.family_name.title()}\n")


# A SMUR physician's PSC record: médecin (TRE_G15 10), emergency medicine (TRE_R38 SM59), salaried at a
# hospital's SMUR. The realm's role table turns it into the roles medecin and urgentiste.
URGENTISTE = {"profession": "10", "category": "C", "civilite_exercice": "DR", "savoir_faire_type": "S",
              "specialty": "SM59",
              "activities": [{"mode": "S", "secteur": "SA01", "finess": "510000029",
                              "raison_sociale": "CENTRE HOSPITALIER FICTIF DE REIMS - SMUR", "departement": "51"}]}


def enrol_at_psc(mock_psc, given_name: str, family_name: str, *, ecps_pin: str | None = None,
                 card_pin: str | None = None) -> Staff:
    """A new professional at PSC with the Ordre's contact details; with ``ecps_pin`` their e-CPS is already
    active on their own phone, with ``card_pin`` they hold a CPS card."""
    national_id = fresh_national_id()
    staff = Staff(national_id, given_name, family_name,
                  email=f"{given_name}.{family_name}.{national_id[-4:]}@ch-fictif.fr".lower(),
                  mobile=f"06 {national_id[-8:-6]} {national_id[-6:-4]} {national_id[-4:-2]} {national_id[-2:]}",
                  device=f"phone-{national_id}")
    mock_psc.add_identity(national_id, given_name, family_name, civilite="MME", email=staff.email,
                          mobile=staff.mobile, exercices=[URGENTISTE],
                          ecps={"pin": ecps_pin, "device": staff.device} if ecps_pin else None,
                          cps={"pin": card_pin} if card_pin else None)
    return staff


class PhoneScreen:
    def __init__(self, page: Page, wallet_origin: str, device: str, shots: Screenshots):
        self.page, self.wallet, self.device, self.shots = page, wallet_origin, device, shots

    @property
    def url(self) -> str:
        return f"{self.wallet}/phone/{self.device}"

    def open(self) -> "PhoneScreen":
        self.page.goto(self.url)
        expect(self.page.locator("#device-id")).to_have_text(self.device)
        return self

    def shot(self, name: str) -> Path:
        return self.shots.take(self.page, name, ".phone")

    def expect_message(self, code: str) -> str:
        message = self.page.locator("#phone-message")
        expect(message).to_have_attribute("data-code", code, timeout=STEP_TIMEOUT_MS)
        return message.inner_text()

    # -- e-CPS activation (seed steps 3-10) ------------------------------------------------
    def request_activation(self, typed_national_id: str) -> tuple[str, str]:
        """Steps 3-5: type the id, accept the CGU, send; returns the contacts shown (e-mail, mobile)."""
        self.page.fill("#activation-national-id", typed_national_id)
        self.page.check("#activation-cgu")
        self.shot("phone-activation-request")
        self.page.click("#activation-request")
        self.expect_message("contacts_shown")
        expect(self.page.locator("#activation")).to_have_attribute("data-state", "contacts_shown")
        self.shot("phone-contacts-pseudonymised")
        return self.page.inner_text("#activation-email"), self.page.inner_text("#activation-mobile")

    def confirm_contacts(self) -> None:
        self.page.click("#activation-confirm")
        self.expect_message("email_sent")
        expect(self.page.locator("#activation-email-sent")).to_be_visible()
        self.shot("phone-email-sent")

    def read_activation_mail(self, email: str) -> str:
        """Step 6, in the phone's mail app: the e-mail with the QR code and the link; returns the link."""
        self.page.goto(f"{self.wallet}/mailbox?to={email}")
        self.page.locator("#mailbox-messages .mail a").last.click()
        link = self.page.locator("#activation-link")
        expect(link).to_be_visible()
        self.shots.take(self.page, "phone-activation-email")
        href = link.get_attribute("href")
        self.open()
        return href

    def start_activation(self, link: str, via: str = "link") -> None:
        """Step 7: "Démarrer l'activation" with the e-mailed link, or the link read from the scanned QR code."""
        self.page.fill("#activation-link-input", link)
        self.page.click("#activation-start" if via == "link" else "#activation-scan")
        self.expect_message("sms_sent")

    def read_sms_code(self, mobile: str) -> str:
        """Step 8, in the phone's SMS app: the 6-digit code."""
        self.page.goto(f"{self.wallet}/sms?to={mobile}")
        last = self.page.locator("#sms-messages .sms").last
        expect(last).to_be_visible()
        self.shots.take(self.page, "phone-sms")
        code = re.search(r"\b(\d{6})\b", last.inner_text())
        assert code, f"no 6-digit code in the SMS: {last.inner_text()!r}"
        self.open()
        return code.group(1)

    def enter_sms_code(self, code: str) -> None:
        """Step 9."""
        self.page.fill("#activation-sms-code", code)
        self.shot("phone-sms-code")
        self.page.click("#activation-sms-submit")
        self.expect_message("pin_required")

    def choose_pin(self, pin: str) -> None:
        """Step 10: the 4-digit PIN, twice."""
        self.page.fill("#activation-pin", pin)
        self.page.fill("#activation-pin-confirmation", pin)
        self.shot("phone-choose-pin")
        self.page.click("#activation-pin-submit")
        self.expect_message("active")
        self.shot("phone-ecps-active")

    def ecps_card(self, national_id: str):
        return self.page.locator(f'.ecps-card[data-national-id="{national_id}"]')

    # -- a login request (push) -------------------------------------------------------------
    def wait_for_notification(self, national_id: str) -> str:
        """The request arrives (the page reloads by itself); returns its push id."""
        push = self.page.locator("#push")
        expect(push).to_have_attribute("data-step", "notified", timeout=STEP_TIMEOUT_MS)
        expect(self.page.locator("#push-national-id")).to_have_text(national_id)
        self.shot("phone-notification")
        return push.get_attribute("data-push-id")

    def accept(self) -> None:
        self.page.click("#push-accept")
        expect(self.page.locator("#pin-pad")).to_be_visible()

    def enter_pin(self, pin: str, name: str = "phone-pin") -> None:
        """Types the PIN on the pad (key by key, like a thumb), then OK."""
        for digit in pin:
            self.page.click(f"#pin-key-{digit}")
        expect(self.page.locator("#pin-input")).to_have_value(pin)
        self.shot(name)
        self.page.click("#pin-submit")

    def number_choices(self) -> list[str]:
        choices = self.page.locator("#number-choices button")
        expect(choices).to_have_count(3, timeout=STEP_TIMEOUT_MS)
        return [choices.nth(i).get_attribute("data-number") for i in range(3)]

    def pick_number(self, number: str, name: str = "phone-number-choices") -> None:
        self.shot(name)
        self.page.click(f'#number-choices button[data-number="{number}"]')


class TabletScreen:
    def __init__(self, page: Page, app_origin: str, shots: Screenshots):
        self.page, self.app, self.shots = page, app_origin, shots

    def shot(self, name: str) -> Path:
        return self.shots.take(self.page, name)

    def open_app(self, name: str = "tablet-login") -> None:
        self.page.goto(f"{self.app}/")
        expect(self.page.locator("#psc-login")).to_be_visible()
        self.shot(name)

    def click_pro_sante_connect(self, wallet_origin: str) -> None:
        self.page.click("#psc-login")
        self.page.wait_for_url(f"{wallet_origin}/**")
        expect(self.page.locator("#national_id")).to_be_visible()
        expect(self.page.locator("#national_id")).to_have_value("")

    def type_national_id(self, typed: str, name: str = "tablet-psc-national-id") -> None:
        self.page.fill("#national_id", typed)
        self.shot(name)
        self.page.click("#submit")

    def shown_number(self) -> str:
        number = self.page.locator("#match-number")
        expect(number).to_have_text(re.compile(r"^\s*\d{2}\s*$"), timeout=STEP_TIMEOUT_MS)
        self.shot("tablet-number")
        return number.inner_text().strip()

    def wallet_error(self) -> tuple[str, str]:
        error = self.page.locator("#error")
        expect(error).to_be_visible(timeout=STEP_TIMEOUT_MS)
        return error.get_attribute("data-code"), error.inner_text()

    def wait_connected(self, name: str = "tablet-connected") -> dict[str, str]:
        """Back in the app, signed in: what it shows about the person."""
        expect(self.page.locator("#connected")).to_be_visible(timeout=STEP_TIMEOUT_MS)
        assert self.page.url == f"{self.app}/", self.page.url
        self.shot(name)
        fields = ("user-name", "user-rpps", "user-idnat", "user-professions", "user-auth-mode")
        return {f: self.page.inner_text(f"#{f}") for f in fields}

    def refused_at_keycloak(self, name: str, page: str = "psc-refused", region: str = "SMUR Grand Est") -> str:
        """The login ended at Keycloak (the app got nothing): the realm's page for it (the smur theme's
        ``page``: psc-refused, ecps-locked, not-registered...), in French, with the region's name, its message,
        no form field at all (the realm is PSC-only) and one button, « Réessayer avec Pro Santé Connect »."""
        message = self.page.locator("#kc-error-message")
        expect(self.page.locator("#smur-page")).to_have_attribute("data-smur-page", page, timeout=STEP_TIMEOUT_MS)
        expect(self.page.locator("html")).to_have_attribute("lang", "fr")
        expect(self.page.locator("#smur-region")).to_have_text(region)
        expect(self.page.locator("input, select, textarea, form")).to_have_count(0)
        expect(self.page.locator("input[type=password]")).to_have_count(0)
        buttons = self.page.locator("a.psc-button, button, [role=button]")
        expect(buttons).to_have_count(1)
        expect(self.page.get_by_role("link", name="Réessayer avec Pro Santé Connect")).to_have_count(1)
        self.shot(name)
        return message.inner_text()

    def retry_from_keycloak(self, wallet_origin: str) -> None:
        """The page's one button, « Réessayer avec Pro Santé Connect »: a new sign-in for the same app, straight
        to PSC's page."""
        self.page.get_by_role("link", name="Réessayer avec Pro Santé Connect").click()
        self.page.wait_for_url(f"{wallet_origin}/**")
        expect(self.page.locator("#national_id")).to_be_visible()
        expect(self.page.locator("#national_id")).to_have_value("")

    def logout(self) -> None:
        self.page.click("#logout")
        self.page.wait_for_url(f"{self.app}/")
        expect(self.page.locator("#psc-login")).to_be_visible()
        self.shot("tablet-logged-out")

    def qr_code_link(self, wallet_origin: str, email: str) -> str:
        """Note (2): the activation e-mail opened on a computer (this screen); the phone scans its QR code.
        The scan is a real decode of the QR image as the screen shows it."""
        self.page.goto(f"{wallet_origin}/mailbox?to={email}")
        self.page.locator("#mailbox-messages .mail a").last.click()
        qr = self.page.locator("#activation-qr")
        expect(qr).to_be_visible()
        self.page.wait_for_function("document.getElementById('activation-qr').complete")
        self.shot("tablet-activation-email-qr")
        [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        return found.text


class Stopwatch:
    def __init__(self):
        self.started = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> float:
        self.laps[name] = round(time.monotonic() - self.started, 2)
        return self.laps[name]
