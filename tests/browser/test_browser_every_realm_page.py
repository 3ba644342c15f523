"""Every page of the realm's `smur` login theme a professional can meet, in Chromium on the tablet, reached by
what causes it: in French (html lang="fr"), the region's name, no field (no password field above all), exactly
one « Réessayer avec Pro Santé Connect » button, which goes straight back to PSC's page, and no serious or
critical axe-core violation at 1024×768, 768×1024 and 200% zoom (tests/browser/accessibility.py). Each page's
screenshot is the walkthrough's (docs/screenshots.py).

One realm and one demo tablet app for the module; each page costs one sign-in at most, by the CPS card (no phone
needed) unless the e-CPS itself is the cause. The same pages over HTTP, with the retry signing in to the same
app: tests/e2e/test_sign_in_pages.py.

The button is Keycloak's restart of the sign-in (login-actions/restart with the app's client_id), not a URL
carrying kc_idp_hint=psc: the restart keeps the app's own request (state, PKCE, nonce) and runs the realm's
PSC-only flow again, whose redirector sends the browser to the provider `psc`. So the test follows the button
and asserts where it lands (PSC's wallet page) rather than reading a hint in its link.

The ``refused`` page (anything Keycloak refuses that has no page of its own) is reached by an app sending a
provider hint the realm does not have. Its button restarts that app's request, wrong hint included, so it comes
back to the same page: the page's way out is the SMUR's support contact, which it shows.

Signing out through Keycloak's own logout URL (a bookmark, an app that lost its ID token) shows two more pages:
``logout-confirm`` (one question, one « Se déconnecter » button that posts Keycloak's confirmation: the one form
of the theme, with no field to fill) and ``signed-out`` (how to sign in again, from the app; no button, since
there is no sign-in left to retry). SMUR-T@b itself signs out with its ID token and comes back to itself.

Not driven here: ``info`` for Keycloak's other information pages, which follow no PSC sign-in in these realms
(required actions and e-mail actions are off, so Keycloak has nothing else to inform about).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from accessibility import problems_of
from browser_steps import STEP_TIMEOUT_MS, PhoneScreen, Staff, TabletScreen, enrol_at_psc
from demoapp.oidc import OidcClient, PendingLogin
from demoapp.server import DemoApp
from firstlogin.psc_logins import CLAIMS_OVERRIDE, national_id_claims
from fixtures.realms import RegionFiles, copy_region, drop_realms, run_cli, unique_realm
from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials

REGION = "SMUR Grand Est"
PIN = "1234"  # e-CPS
CARD_PIN = "2468"  # CPS card
LUHN_FAILING = "810003111463"  # 8 + an RPPS whose check digit is wrong (PSC never issues one)
RETRY = "Réessayer avec Pro Santé Connect"


@dataclass
class RealmPages:
    files: RegionFiles
    app: DemoApp
    doctor: Staff  # pre-linked, signs in with her CPS card
    disabled: Staff  # pre-linked, account disabled by the region file
    stranger: Staff  # known to PSC, not to this SMUR


@pytest.fixture(scope="module")
def realm_pages(tmp_path_factory, keycloak, mock_psc):
    files = copy_region(tmp_path_factory.mktemp("realm-pages"), unique_realm("realm-pages"), keycloak, mock_psc)
    app = DemoApp(f"{keycloak.base_url}/realms/{files.realm}")
    files.env |= {"SMURTAB_REDIRECT_URI": app.redirect_uri, "SMURTAB_ORIGIN": app.origin}
    doctor = enrol_at_psc(mock_psc, "CAMILLE", "DUMONT", card_pin=CARD_PIN)
    disabled = enrol_at_psc(mock_psc, "BRUNO", "MERCIER", card_pin=CARD_PIN)
    stranger = enrol_at_psc(mock_psc, "ELODIE", "GARNIER", card_pin=CARD_PIN)
    files.edit("\nusers:\n", "\nusers:\n" + doctor.users_entry() + disabled.users_entry() + "    enabled: false\n")
    applied = run_cli("apply", str(files.directory), "--yes", env=files.env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    app.start()
    yield RealmPages(files, app, doctor, disabled, stranger)
    app.stop()
    drop_realms(keycloak, KeycloakAdmin(keycloak.base_url, PasswordCredentials(
        keycloak.admin_username, keycloak.admin_password)), [files.realm])


@dataclass
class Visit:
    """What a trigger needs: the module's realm and app, the tablet, and fixtures fetched on demand."""
    realm: RealmPages
    tablet: TabletScreen
    request: pytest.FixtureRequest

    @property
    def mock_psc(self):
        return self.request.getfixturevalue("mock_psc")

    @property
    def page(self) -> Page:
        return self.tablet.page

    def admin(self):
        return self.request.getfixturevalue("oracle")(self.realm.files.realm)

    def phone(self, staff: Staff) -> PhoneScreen:
        return PhoneScreen(self.request.getfixturevalue("phone_page"), self.mock_psc.wallet_origin, staff.device,
                           self.tablet.shots).open()

    def to_psc(self) -> None:
        """SMUR-T@b's login page, then its « Pro Santé Connect » button: PSC's wallet page."""
        self.tablet.open_app()
        self.tablet.click_pro_sante_connect(self.mock_psc.wallet_origin)

    def card_login(self, staff: Staff) -> None:
        """On PSC's page, the CPS card and its PIN: PSC signs in and sends the tablet back to Keycloak."""
        self.page.click("#tab-card")
        self.page.fill("#card-national-id", staff.national_id)
        self.page.fill("#card-pin", CARD_PIN)
        self.page.click("#card-submit")

    def ecps_wrong_pin(self) -> None:
        """A new professional with an e-CPS types a wrong PIN on the phone: PSC answers access_denied."""
        someone = enrol_at_psc(self.mock_psc, "YANN", "PERRIN", ecps_pin=PIN)
        phone = self.phone(someone)
        self.to_psc()
        self.tablet.type_national_id(someone.national_id)
        phone.wait_for_notification(someone.national_id)
        phone.accept()
        phone.enter_pin("0000")

    def arm(self, fault: str, value=None) -> None:
        """A fault of the mock PSC on this realm's next token response."""
        args = (fault,) if value is None else (fault, value)
        self.mock_psc.inject_fault(*args, client_id=self.realm.files.psc_client_id)


def psc_refused(visit: Visit) -> None:
    visit.ecps_wrong_pin()


def ecps_locked(visit: Visit) -> None:
    # The PIN that locks the e-CPS: after one wrong PIN rather than three, to spend one sign-in (the three are
    # played in test_browser_refusals.py).
    settings = visit.mock_psc.settings
    attempts = settings.pin_attempts
    settings.pin_attempts = 1
    try:
        visit.ecps_wrong_pin()
        expect(visit.page.locator("#smur-page")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    finally:
        settings.pin_attempts = attempts


def not_registered(visit: Visit) -> None:
    visit.to_psc()
    visit.card_login(visit.realm.stranger)


def rpps_invalid(visit: Visit) -> None:
    visit.arm(CLAIMS_OVERRIDE, national_id_claims(LUHN_FAILING))  # PSC announces an id failing Luhn
    visit.to_psc()
    visit.card_login(visit.realm.doctor)


def acr_insufficient(visit: Visit) -> None:
    visit.arm("acr", "eidas0")  # below the region's minimum (eidas1)
    visit.to_psc()
    visit.card_login(visit.realm.doctor)


def psc_unreachable(visit: Visit) -> None:
    visit.arm("token_server_error")  # PSC's token endpoint fails when Keycloak redeems the code
    visit.to_psc()
    visit.card_login(visit.realm.doctor)


def expired(visit: Visit) -> None:
    # The professional is slower at PSC than Keycloak's sign-in lives (shortened to 3 s for this one).
    admin = visit.admin()
    lifespans = ("accessCodeLifespan", "accessCodeLifespanLogin", "accessCodeLifespanUserAction")
    before = admin.get_realm(visit.realm.files.realm)
    admin.update_realm(visit.realm.files.realm, {name: 3 for name in lifespans})
    try:
        visit.to_psc()
        time.sleep(5)
        visit.card_login(visit.realm.doctor)
        expect(visit.page.locator("#smur-page")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    finally:
        admin.update_realm(visit.realm.files.realm, {name: before[name] for name in lifespans})


def account_disabled(visit: Visit) -> None:
    visit.to_psc()
    visit.card_login(visit.realm.disabled)


def refused(visit: Visit) -> None:
    # Anything Keycloak refuses that has no page of its own: an app sending a provider hint the realm does
    # not have (a misconfigured app), with SMUR-T@b's own OIDC client.
    app = visit.realm.app
    misconfigured = OidcClient(app.issuer, app.client_id, app.redirect_uri, idp_hint="no-such-provider")
    visit.page.goto(misconfigured.authorization_url(PendingLogin.new()))


def psc_redirect(visit: Visit) -> None:
    # Keycloak's login page, which the realm's PSC-only flow never asks for: shown only if someone binds
    # Keycloak's stock browser flow by hand (drift reports it). The page still has no field.
    admin = visit.admin()
    realm = visit.realm.files.realm
    flow = admin.get_realm(realm)["browserFlow"]
    admin.update_realm(realm, {"browserFlow": "browser"})
    try:
        # An app sending no kc_idp_hint (the stock flow's redirector would honour SMUR-T@b's).
        app = visit.realm.app
        visit.page.goto(OidcClient(app.issuer, app.client_id, app.redirect_uri, idp_hint=None)
                        .authorization_url(PendingLogin.new()))
        expect(visit.page.locator("#smur-page")).to_be_visible(timeout=STEP_TIMEOUT_MS)
    finally:
        admin.update_realm(realm, {"browserFlow": flow})


TRIGGERS: dict[str, Callable[[Visit], None]] = {
    "psc-refused": psc_refused,
    "ecps-locked": ecps_locked,
    "not-registered": not_registered,
    "rpps-invalid": rpps_invalid,
    "acr-insufficient": acr_insufficient,
    "psc-unreachable": psc_unreachable,
    "expired": expired,
    "account-disabled": account_disabled,
    "refused": refused,
    "psc-redirect": psc_redirect,
}


def assert_only_pro_sante_connect(page: Page, page_id: str) -> None:
    """The theme's page ``page_id``: French, the region's name, nothing to type, one button back to PSC."""
    expect(page.locator("#smur-page")).to_have_attribute("data-smur-page", page_id, timeout=STEP_TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#smur-region")).to_have_text(REGION)
    expect(page.locator("#kc-page-title")).not_to_be_empty()
    expect(page.locator("#smur-message")).not_to_be_empty()
    expect(page.locator("input[type=password]")).to_have_count(0)
    expect(page.locator("input, select, textarea, form")).to_have_count(0)
    expect(page.locator("a.psc-button, button, [role=button]")).to_have_count(1)
    expect(page.get_by_role("link", name=RETRY)).to_have_count(1)
    expect(page.locator("body")).to_contain_text("aucune page ne vous demandera de mot de passe")


@pytest.mark.parametrize("page_id", list(TRIGGERS))
def test_realm_page_is_french_with_one_button_to_psc_and_passes_axe(page_id, realm_pages, mock_psc, tablet_page,
                                                                    shots, request):
    tablet = TabletScreen(tablet_page, realm_pages.app.origin, shots)
    TRIGGERS[page_id](Visit(realm_pages, tablet, request))

    assert_only_pro_sante_connect(tablet.page, page_id)
    assert tablet.page.url.startswith(realm_pages.app.issuer), tablet.page.url  # the realm's page, not the app
    tablet.shot(f"realm-page-{page_id}")
    seen: list[dict] = []
    problems = problems_of(tablet.page, f"the {page_id} page", seen)
    # Every violation, minor ones included, kept beside the screenshots for the record.
    (shots.folder / "axe-violations.json").write_text(json.dumps(seen, indent=1), encoding="utf-8")
    assert not problems, "\n".join(problems)

    button = tablet.page.get_by_role("link", name=RETRY).get_attribute("href")
    if page_id == "psc-redirect":  # Keycloak's own login page: the broker's login URL for this sign-in
        assert f"/realms/{realm_pages.files.realm}/broker/psc/login?" in button, button
    else:  # Keycloak's restart of this sign-in, for the app that asked
        assert f"/realms/{realm_pages.files.realm}/login-actions/restart?" in button, button
        assert "client_id=smurtab" in button, button
    if page_id == "refused":
        # The restart replays the app's own request, here the app's wrong provider hint, which Keycloak refuses
        # again: the way out is the support contact the page shows (the app must be fixed).
        expect(tablet.page.locator("#smur-support-link")).to_have_count(1)
        return
    tablet.retry_from_keycloak(mock_psc.wallet_origin)  # straight back to PSC's page


def test_signing_out_at_keycloak_asks_once_then_says_how_to_sign_in_again(realm_pages, mock_psc, tablet_page, shots,
                                                                          request):
    tablet = TabletScreen(tablet_page, realm_pages.app.origin, shots)
    visit = Visit(realm_pages, tablet, request)
    visit.to_psc()
    visit.card_login(realm_pages.doctor)
    tablet.wait_connected()
    page = tablet.page

    page.goto(f"{realm_pages.app.issuer}/protocol/openid-connect/logout")  # no id_token_hint: Keycloak asks
    expect(page.locator("#smur-page")).to_have_attribute("data-smur-page", "logout-confirm")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#smur-region")).to_have_text(REGION)
    expect(page.locator("#kc-page-title")).to_have_text("Se déconnecter")
    expect(page.locator("input:not([type=hidden]), select, textarea")).to_have_count(0)
    expect(page.locator("input[type=password]")).to_have_count(0)
    expect(page.locator("a, button")).to_have_count(1)
    tablet.shot("realm-page-logout-confirm")
    problems = problems_of(page, "the logout-confirm page")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("#smur-page")).to_have_attribute("data-smur-page", "signed-out", timeout=STEP_TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#kc-page-title")).to_have_text("Vous êtes déconnecté")
    expect(page.locator("#smur-message")).to_have_text("Votre session de ce SMUR et celle de Pro Santé Connect sont fermées.")
    expect(page.locator("#smur-advice")).to_contain_text("ouvrez l’application de votre SMUR")
    expect(page.locator("input, select, textarea, form, a, button")).to_have_count(0)
    tablet.shot("realm-page-signed-out")
    problems += problems_of(page, "the signed-out page")
    assert not problems, "\n".join(problems)

    # Signed out indeed: a new sign-in of the app goes to PSC's page again, no session left at Keycloak.
    app = realm_pages.app
    page.goto(OidcClient(app.issuer, app.client_id, app.redirect_uri).authorization_url(PendingLogin.new()))
    page.wait_for_url(f"{mock_psc.wallet_origin}/**")
    expect(page.locator("#national_id")).to_be_visible()
