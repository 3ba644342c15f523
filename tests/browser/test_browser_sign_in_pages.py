"""The realm's own pages in Chromium, on the tablet, for the ways a sign-in ends there that the seed journey
does not meet (wrong number and wrong PINs: test_browser_refusals.py): a professional PSC knows but this SMUR
does not, and PSC failing to answer Keycloak. Each page is French, names the region, has no field and one
button, « Réessayer avec Pro Santé Connect », which goes straight back to PSC for the same app.

Every page the theme has, with its trigger, is in tests/e2e/test_sign_in_pages.py (over HTTP).
"""
from __future__ import annotations

from playwright.sync_api import expect

from browser_steps import PhoneScreen, TabletScreen

PIN = "1234"
CONTACT = "support@grand-est.smur.example"  # realm/smur-grand-est.yaml's supportContact


def test_not_registered_for_this_smur_then_a_registered_colleague_signs_in(enrol, smur_app, region_files, mock_psc,
                                                                          tablet_page, phone_page, shots):
    doctor = enrol("INES", "BERTRAND", ecps_pin=PIN)
    stranger = enrol("HUGO", "LAMBERT", ecps_pin=PIN)
    app = smur_app(doctor)  # only the doctor is registered
    tablet = TabletScreen(tablet_page, app.origin, shots)

    tablet.open_app()
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    tablet.type_national_id(stranger.national_id)
    stranger_phone = PhoneScreen(phone_page, mock_psc.wallet_origin, stranger.device, shots).open()
    stranger_phone.wait_for_notification(stranger.national_id)
    stranger_phone.accept()
    stranger_phone.enter_pin(PIN)
    stranger_phone.pick_number(tablet.shown_number())

    message = tablet.refused_at_keycloak("tablet-not-registered", page="not-registered")
    assert "n'est pas enregistré pour ce SMUR" in message, message  # the region's own message
    expect(tablet.page.locator("#kc-page-title")).to_have_text("Vous n’êtes pas enregistré pour ce SMUR")
    expect(tablet.page.locator("#smur-support-link")).to_have_attribute("href", f"mailto:{CONTACT}")

    # The tablet goes back to PSC for the same app; the registered doctor signs in on it.
    tablet.retry_from_keycloak(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id, name="tablet-psc-colleague")
    phone = PhoneScreen(phone_page, mock_psc.wallet_origin, doctor.device, shots).open()
    phone.wait_for_notification(doctor.national_id)
    phone.accept()
    phone.enter_pin(PIN)
    phone.pick_number(tablet.shown_number())
    assert tablet.wait_connected()["user-idnat"] == doctor.national_id


def test_psc_failing_to_answer_keycloak_then_the_retry_signs_in(enrol, smur_app, region_files, mock_psc,
                                                                 tablet_page, phone_page, shots):
    doctor = enrol("SARAH", "COLIN", ecps_pin=PIN)
    app = smur_app(doctor)
    tablet = TabletScreen(tablet_page, app.origin, shots)
    phone = PhoneScreen(phone_page, mock_psc.wallet_origin, doctor.device, shots).open()
    psc_client_id = region_files.env["PSC_CLIENT_ID_GRAND_EST"]
    mock_psc.inject_fault("token_server_error", client_id=psc_client_id)  # PSC's token endpoint fails once

    tablet.open_app()
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id)
    phone.wait_for_notification(doctor.national_id)
    phone.accept()
    phone.enter_pin(PIN)
    phone.pick_number(tablet.shown_number())
    message = tablet.refused_at_keycloak("tablet-psc-unreachable", page="psc-unreachable")
    assert "Pro Santé Connect est injoignable" in message, message
    expect(tablet.page.locator("#smur-support")).to_have_count(0)  # another try is the way out

    tablet.retry_from_keycloak(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id, name="tablet-psc-retry")
    phone.wait_for_notification(doctor.national_id)
    phone.accept()
    phone.enter_pin(PIN)
    phone.pick_number(tablet.shown_number())
    assert tablet.wait_connected()["user-idnat"] == doctor.national_id
