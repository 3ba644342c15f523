"""What goes wrong in the seed procedure, in the browser: a bare RPPS, the wrong number
picked on the phone, a wrong PIN three times (then the e-CPS re-activated by scanning the
QR code from the tablet, note 2 of the seed)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser_steps import PhoneScreen, TabletScreen

PIN = "1234"


@pytest.fixture
def staffed(enrol, smur_app, mock_psc, tablet_page, phone_page, shots):
    """``staffed(given, family)``: a professional with an active e-CPS on their phone, pre-linked in the
    realm of a fresh demo app; returns (staff, app, tablet, phone) with the phone page open."""
    def make(given_name: str, family_name: str):
        staff = enrol(given_name, family_name, ecps_pin=PIN)
        app = smur_app(staff)
        tablet = TabletScreen(tablet_page, app.origin, shots)
        phone = PhoneScreen(phone_page, mock_psc.wallet_origin, staff.device, shots).open()
        return staff, app, tablet, phone
    return make


def _start_login(tablet: TabletScreen, wallet_origin: str, typed: str, name: str = "tablet-psc-national-id"):
    """SMUR-T@b, "Pro Santé Connect", the national id as typed."""
    tablet.open_app()
    tablet.click_pro_sante_connect(wallet_origin)
    tablet.type_national_id(typed, name=name)


def _approve_on_phone(phone: PhoneScreen, staff, number: str) -> None:
    phone.wait_for_notification(staff.national_id)
    phone.accept()
    phone.enter_pin(PIN)
    phone.pick_number(number)
    phone.expect_message("approved")


def test_bare_rpps_gets_the_put_an_8_in_front_guidance(staffed, mock_psc):
    nurse, _, tablet, phone = staffed("JULIE", "FAURE")
    _start_login(tablet, mock_psc.wallet_origin, nurse.rpps, name="tablet-psc-bare-rpps")
    code, message = tablet.wallet_error()
    assert code == "bare_rpps"
    assert "Ajoutez un 8 devant votre numéro RPPS" in message and f"8{nurse.rpps}" in message, message
    tablet.shot("tablet-psc-put-an-8-in-front")
    expect(phone.page.locator("#no-push")).to_be_visible()  # nothing was sent to the phone

    # Corrected with the 8, the same page goes on.
    tablet.type_national_id(f"8{nurse.rpps}", name="tablet-psc-with-the-8")
    _approve_on_phone(phone, nurse, tablet.shown_number())
    assert tablet.wait_connected()["user-idnat"] == nurse.national_id


def test_wrong_number_on_the_phone_refuses_the_login(staffed, mock_psc):
    doctor, app, tablet, phone = staffed("THOMAS", "ROUX")
    _start_login(tablet, mock_psc.wallet_origin, doctor.national_id)
    number = tablet.shown_number()
    phone.wait_for_notification(doctor.national_id)
    phone.accept()
    phone.enter_pin(PIN)
    other = next(choice for choice in phone.number_choices() if choice != number)
    phone.pick_number(other)
    assert "pas le nombre affiché" in phone.expect_message("wrong_number")
    phone.shot("phone-wrong-number")

    # Keycloak gets access_denied from PSC and keeps the tablet on its own page (the app gets nothing).
    refusal = tablet.refused_at_keycloak("tablet-refused-wrong-number")
    assert "le nombre choisi n’était pas celui affiché" in refusal, refusal
    assert tablet.page.url.startswith(app.issuer), tablet.page.url

    # « Réessayer avec Pro Santé Connect »: straight back to PSC, and this time the right number signs in.
    tablet.retry_from_keycloak(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id, name="tablet-psc-retry")
    _approve_on_phone(phone, doctor, tablet.shown_number())
    assert tablet.wait_connected()["user-idnat"] == doctor.national_id


def test_three_wrong_pins_lock_the_ecps_until_it_is_activated_again(staffed, mock_psc):
    doctor, _, tablet, phone = staffed("NICOLAS", "GIRARD")
    for attempt in (1, 2, 3):
        name = f"tablet-psc-attempt-{attempt}"
        if attempt == 1:
            _start_login(tablet, mock_psc.wallet_origin, doctor.national_id, name=name)
        else:  # PSC's refusal left the tablet on the realm's page: its button goes back to PSC
            tablet.retry_from_keycloak(mock_psc.wallet_origin)
            tablet.type_national_id(doctor.national_id, name=name)
        phone.wait_for_notification(doctor.national_id)
        phone.accept()
        phone.enter_pin("0000", name=f"phone-wrong-pin-{attempt}")
        message = phone.expect_message("invalid_pin")
        if attempt < 3:
            assert f"Il reste {3 - attempt} essai(s)" in message, message
        else:
            assert "e-CPS verrouillée" in message, message
        phone.shot(f"phone-pin-refused-{attempt}")
        # The PIN that locks the e-CPS gets its own page: how to unlock it.
        tablet.refused_at_keycloak(f"tablet-refused-attempt-{attempt}",
                                   page="ecps-locked" if attempt == 3 else "psc-refused")
    expect(tablet.page.locator("#smur-advice")).to_contain_text("Réactivez-la dans l’application e-CPS")
    expect(phone.ecps_card(doctor.national_id)).to_have_attribute("data-locked", "true")

    # Locked: PSC's page says so and sends nothing to the phone.
    tablet.retry_from_keycloak(mock_psc.wallet_origin)
    tablet.type_national_id(doctor.national_id, name="tablet-psc-locked-attempt")
    code, message = tablet.wallet_error()
    assert code == "ecps_locked" and "Réactivez votre e-CPS" in message, message
    assert mock_psc.state.pushes.pending(doctor.national_id) == []
    tablet.shot("tablet-psc-ecps-locked")

    # Activated again, the mail read on the tablet and its QR code scanned by the phone: the lock is gone.
    phone.request_activation(f"8{doctor.rpps}")
    phone.confirm_contacts()
    link = tablet.qr_code_link(mock_psc.wallet_origin, doctor.email)
    phone.start_activation(link, via="qr")
    phone.enter_sms_code(phone.read_sms_code(doctor.mobile))
    phone.choose_pin(PIN)
    expect(phone.ecps_card(doctor.national_id)).to_have_attribute("data-locked", "false")

    _start_login(tablet, mock_psc.wallet_origin, doctor.national_id)
    _approve_on_phone(phone, doctor, tablet.shown_number())
    assert tablet.wait_connected()["user-name"] == doctor.display_name
