"""Signing in to SMUR-T@b with a CPS card, in a real browser: PSC's "Carte CPS" tab.

Since 2026 PSC answers a card login with ``acr: eidas2`` and ``authMode: CARD`` (reference §2).
The region asks for ``eidas1`` as a minimum, so the card's higher level must be accepted and the
tablet must say how the person signed in. One wrong PIN first: the tab says how many tries are
left and nothing reaches Keycloak. Screenshots go to the walkthrough (docs/screenshots.py).
"""
from __future__ import annotations

from playwright.sync_api import expect

from browser_steps import TabletScreen

CARD_PIN = "5173"


def test_card_login_with_one_wrong_pin_then_the_right_one(enrol, smur_app, mock_psc, tablet_page, shots,
                                                          region_files, oracle):
    doctor = enrol("NATHALIE", "FABRE")  # no e-CPS: the card is her way in
    mock_psc.update_identity(doctor.national_id, cps={"pin": CARD_PIN})
    app = smur_app(doctor)
    tablet = TabletScreen(tablet_page, app.origin, shots)
    page = tablet.page

    tablet.open_app()
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    assert "acr_values=eidas1" in page.url, "the region asks PSC for eidas1 as a minimum"
    page.click("#tab-card")
    expect(page.locator("#card-reader")).to_be_visible()
    expect(page.locator("#tab-card")).to_have_attribute("aria-current", "page")
    page.fill("#card-national-id", doctor.national_id)
    page.fill("#card-pin", "0000")
    tablet.shot("tablet-psc-card-pin")
    page.click("#card-submit")

    code, message = tablet.wallet_error()
    assert code == "wrong_pin" and "2 essais" in message, (code, message)
    tablet.shot("tablet-psc-card-wrong-pin")
    kc = oracle(region_files.realm)
    [user] = kc.get_users({"username": doctor.national_id, "exact": True})
    assert kc.get_sessions(user["id"]) == [], "a wrong card PIN never reaches Keycloak"

    expect(page.locator("#card-national-id")).to_have_value(doctor.national_id)
    page.fill("#card-pin", CARD_PIN)
    page.click("#card-submit")

    shown = tablet.wait_connected("tablet-connected-card")
    assert shown["user-name"] == doctor.display_name
    assert shown["user-rpps"] == doctor.rpps
    assert shown["user-auth-mode"] == "carte CPS", shown  # auth_mode=CARD in smurtab's tokens
    assert len(kc.get_sessions(user["id"])) == 1
    [opened] = [e for e in mock_psc.log_entries(event="session.opened") if e["national_id"] == doctor.national_id]
    assert (opened["via"], opened["auth_mode"], opened["acr"]) == ("card", "CARD", "eidas2"), opened
