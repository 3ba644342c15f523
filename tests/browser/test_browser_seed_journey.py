"""The user's procedure (shared/seeds/), replayed in a real browser on two screens.

The tablet (SMUR-T@b, then PSC's page) and the phone (the e-CPS app) are two browser
contexts. Every step waits for what the person would see, asserts it and takes a
screenshot (test-artifacts/browser/seed_procedure_…/); `python docs/screenshots.py`
copies the walkthrough's selection to docs/img/.
"""
from __future__ import annotations

import json

from playwright.sync_api import expect

from browser_steps import PhoneScreen, Stopwatch, TabletScreen

PIN = "4826"


def test_seed_procedure_activation_login_and_logout(enrol, smur_app, mock_psc, tablet_page, phone_page, shots,
                                                    region_files, oracle, capsys):
    doctor = enrol("CLAIRE", "MOREAU")  # known to the Ordre, no e-CPS yet
    app = smur_app(doctor)
    tablet = TabletScreen(tablet_page, app.origin, shots)
    phone = PhoneScreen(phone_page, mock_psc.wallet_origin, doctor.device, shots)
    watch = Stopwatch()

    # (1) e-CPS activation on the phone, seed steps 3-10.
    phone.open()
    expect(phone.page.locator("#no-ecps")).to_be_visible()
    email, mobile = phone.request_activation(f"8 {doctor.rpps}")  # typed as the seed writes it: "8 10003111463"
    assert email != doctor.email and "***" in email and email[0] == doctor.email[0], email
    assert email.endswith(".fr") and doctor.email.split("@")[0][1:] not in email
    digits = doctor.mobile.replace(" ", "")
    assert mobile == f"{digits[:2]} ** ** ** {digits[-2:]}", mobile
    phone.confirm_contacts()
    link = phone.read_activation_mail(doctor.email)
    phone.start_activation(link, via="link")
    phone.enter_sms_code(phone.read_sms_code(doctor.mobile))
    phone.choose_pin(PIN)
    expect(phone.ecps_card(doctor.national_id)).to_have_attribute("data-locked", "false")
    activation_seconds = watch.lap("activation")

    # (2) the tablet: SMUR-T@b, "Pro Santé Connect", the national id with its 8.
    login = Stopwatch()
    tablet.open_app()
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    assert "acr_values=eidas1" in tablet.page.url, "Keycloak asks PSC for an eIDAS substantial login"
    tablet.type_national_id(doctor.national_id)
    number = tablet.shown_number()  # PSC's page: "validez sur votre téléphone", and the number to pick

    # (3) the phone: the notification arrives; accept; the PIN.
    phone.wait_for_notification(doctor.national_id)
    phone.accept()
    phone.enter_pin(PIN)

    # (4) the tablet shows a number; the phone offers three; pick the same.
    choices = phone.number_choices()
    assert number in choices, (number, choices)
    phone.pick_number(number)
    assert "connecté" in phone.expect_message("approved")
    phone.shot("phone-approved")

    # (5) the tablet: connected, as the right person.
    shown = tablet.wait_connected()
    login_seconds = login.lap("login")
    assert shown["user-name"] == doctor.display_name
    assert shown["user-rpps"] == doctor.rpps
    assert shown["user-idnat"] == doctor.national_id
    assert shown["user-professions"] == "medecin, urgentiste"
    assert shown["user-auth-mode"] == "e-CPS (application mobile)"  # the auth_mode claim

    # Logout: back on the app's login page, no Keycloak session left, PSC's ended through the broker;
    # the next login asks for the national id again.
    kc = oracle(region_files.realm)
    [user] = kc.get_users({"username": doctor.national_id, "exact": True})
    assert len(kc.get_sessions(user["id"])) == 1
    [psc_session] = [e["sid"] for e in mock_psc.log_entries(event="session.opened")
                     if e["national_id"] == doctor.national_id]
    tablet.logout()
    assert kc.get_sessions(user["id"]) == []
    assert [e for e in mock_psc.log_entries(event="session.ended") if e["sid"] == psc_session]
    tablet.click_pro_sante_connect(mock_psc.wallet_origin)
    tablet.shot("tablet-psc-asks-again")

    timings = {"activation_s": activation_seconds, "login_s": login_seconds, "total_s": watch.lap("total")}
    (shots.folder / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    with capsys.disabled():
        print(f"\n[browser] seed journey wall time: activation {activation_seconds:.1f} s, "
              f"login (tablet open → connected) {login_seconds:.1f} s, whole test {timings['total_s']:.1f} s")
