"""The pages a professional meets, checked for accessibility at tablet sizes (tests/browser/accessibility.py):
the tablet app's, the mock PSC's wallet page (e-CPS and card tabs, their messages, the waiting page) and
the realm's own page when the broker refuses a login."""
from __future__ import annotations

from playwright.sync_api import expect

from accessibility import problems_of
from browser_steps import TabletScreen

CARD_PIN = "2468"


def test_pages_of_a_login_have_no_serious_accessibility_problem_at_tablet_sizes(
        enrol, smur_app, mock_psc, tablet_page, shots, region_files):
    doctor = enrol("AMANDINE", "LEROUX", ecps_pin="1357")
    mock_psc.update_identity(doctor.national_id, cps={"pin": CARD_PIN})
    app = smur_app(doctor)
    tablet = TabletScreen(tablet_page, app.origin, shots)
    page = tablet.page
    found: list[str] = []

    tablet.open_app()
    found += problems_of(page, "SMUR-T@b's login page")
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    found += problems_of(page, "PSC's e-CPS tab")
    tablet.type_national_id(doctor.rpps, name="tablet-psc-bare-rpps")
    assert tablet.wallet_error()[0] == "bare_rpps"
    found += problems_of(page, "PSC's e-CPS tab with a message")

    page.click("#tab-card")
    expect(page.locator("#card-reader")).to_be_visible()
    found += problems_of(page, "PSC's card tab")
    page.fill("#card-national-id", doctor.national_id)
    page.fill("#card-pin", "0000")
    page.click("#card-submit")
    assert tablet.wallet_error()[0] == "wrong_pin"
    found += problems_of(page, "PSC's card tab with a message")
    page.fill("#card-pin", CARD_PIN)
    page.click("#card-submit")
    tablet.wait_connected()
    found += problems_of(page, "SMUR-T@b signed in")

    # The e-CPS waiting page (the number to match on the phone), left waiting.
    tablet.logout()
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id)
    tablet.shown_number()
    found += problems_of(page, "PSC's waiting page (number to match)")

    # A login the broker refuses (PSC's acr below the region's minimum): the realm's own page.
    tablet.open_app()
    mock_psc.inject_fault("acr", "eidas0", client_id=region_files.env["PSC_CLIENT_ID_GRAND_EST"])
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    page.click("#tab-card")
    page.fill("#card-national-id", doctor.national_id)
    page.fill("#card-pin", CARD_PIN)
    page.click("#card-submit")
    expect(page.locator("input[type=password]")).to_have_count(0)
    page.wait_for_url(f"{app.issuer}/**")
    tablet.shot("realm-refusal-page")
    found += problems_of(page, "the realm's refusal page")

    assert not found, "\n".join(found)
