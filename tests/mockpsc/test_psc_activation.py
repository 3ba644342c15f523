"""e-CPS activation as the seed procedure describes it (steps 3-10, notes 1-4),
through the phone's JSON API, the mailbox and the SMS outbox."""
import io

import pytest
import requests
import zxingcpp
from PIL import Image

from mockpsc.testing import PhoneDevice, activate_ecps, emails, fresh_national_id, sms_codes

from psc_helpers import make_rp, query_of


def email_of(national_id: str) -> str:
    return f"jeanne.{national_id}@hopital-fictif.fr"


def mobile_of(national_id: str) -> str:
    return "06" + national_id[-8:]


def new_professional(psc, **extra) -> str:
    """A fresh professional whose contact details nobody else shares."""
    national_id = fresh_national_id()
    psc.add_identity(national_id, "JEANNE", "TEST", email=email_of(national_id), mobile=mobile_of(national_id),
                     exercices=[{"profession": "10"}], **extra)
    return national_id


def decode_qr(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def test_activation_by_the_seed_steps_binds_the_ecps_to_the_phone(mock_psc):
    national_id = new_professional(mock_psc)
    phone = PhoneDevice(mock_psc, "phone-" + national_id)

    # Steps 3-5: request with 8 + RPPS, contact details shown pseudonymised.
    requested = phone.request_activation(national_id)
    assert requested.status_code == 201, requested.text
    activation = requested.json()
    assert activation["state"] == "contacts_shown"
    assert activation["email"] == "j***@h***.fr"
    assert activation["mobile"] == f"06 ** ** ** {national_id[-2:]}"
    assert "jeanne" not in requested.text and mobile_of(national_id) not in requested.text

    # Step 6: the e-mail, with the activation link and a QR code of that link (a real PNG).
    assert phone.confirm_contacts(activation["id"]).json()["state"] == "email_sent"
    [mail] = emails(mock_psc, email_of(national_id))
    assert mail["link"].startswith(mock_psc.wallet_origin + "/ecps/activation?token=")
    assert mail["link"] in mail["text"] and "Démarrer l'activation" in mail["text"]
    png = requests.get(f"{mock_psc.wallet_origin}/mailbox/{mail['id']}/qr.png", timeout=5)
    assert png.headers["content-type"] == "image/png"
    assert decode_qr(png.content) == mail["link"]

    # Steps 7-8: "Démarrer l'activation" on the phone, then a 6-digit code by SMS.
    started = phone.start_activation(mail["link"])
    assert started.status_code == 200 and started.json()["state"] == "sms_sent"
    [code] = sms_codes(mock_psc, mobile_of(national_id))
    assert len(code) == 6 and code.isdigit()

    # Steps 9-10: the code, then a 4-digit PIN.
    assert phone.submit_sms_code(activation["id"], code).json()["state"] == "pin_required"
    done = phone.choose_pin(activation["id"], "4321")
    assert done.json()["state"] == "active" and done.json()["device_id"] == phone.device_id
    assert [c["national_id"] for c in phone.state()["ecps"]] == [national_id]

    # The e-CPS works, with the new PIN, from that phone only.
    rp = make_rp(mock_psc)
    back = rp.login(national_id, pin="4321", phone_device=phone)
    assert "code" in query_of(back.headers["Location"])


def test_scanning_the_qr_code_from_a_computer_associates_the_phone(mock_psc):
    national_id = new_professional(mock_psc)
    requester, scanner = PhoneDevice(mock_psc, "asked-" + national_id), PhoneDevice(mock_psc, "scan-" + national_id)
    activation = requester.request_activation(national_id).json()
    requester.confirm_contacts(activation["id"])
    mail = emails(mock_psc, email_of(national_id))[-1]
    computer_page = requests.get(mail["link"], timeout=5)  # the link opened on a computer
    assert computer_page.status_code == 200 and 'id="activation-qr"' in computer_page.text
    qr_content = decode_qr(requests.get(f"{mock_psc.wallet_origin}/mailbox/{mail['id']}/qr.png", timeout=5).content)
    assert scanner.start_activation(qr_content, via="qr").json()["device_id"] == scanner.device_id
    code = sms_codes(mock_psc, mobile_of(national_id))[-1]
    # The procedure goes on on the phone that scanned, not on the one that asked.
    assert requester.submit_sms_code(activation["id"], code).json()["error"] == "wrong_device"
    scanner.submit_sms_code(activation["id"], code)
    assert scanner.choose_pin(activation["id"], "1111").json()["state"] == "active"
    assert mock_psc.state.ecps.get(national_id).device_id == scanner.device_id
    assert [e for e in mock_psc.log_entries(event="activation.sms_sent") if e["national_id"] == national_id][-1][
        "via"] == "qr"


def test_declined_contact_details_send_the_user_to_their_ordre(mock_psc):
    national_id = new_professional(mock_psc)
    phone = PhoneDevice(mock_psc, "p-" + national_id)
    activation = phone.request_activation(national_id).json()
    declined = phone.decline_contacts(activation["id"]).json()
    assert declined["state"] == "declined" and "contactez votre ordre" in declined["message"].lower()
    assert emails(mock_psc, email_of(national_id)) == []
    assert phone.confirm_contacts(activation["id"]).json()["error"] == "wrong_step"


def test_activating_on_a_second_phone_moves_the_ecps(mock_psc):
    national_id = new_professional(mock_psc)
    first, second = PhoneDevice(mock_psc, "first-" + national_id), PhoneDevice(mock_psc, "second-" + national_id)
    activate_ecps(mock_psc, national_id, first, pin="1111")
    rp = make_rp(mock_psc)
    page = rp.open_login_page()
    waiting = rp.submit_national_id(page, national_id)
    pending_on_first = first.wait_for_push()

    activate_ecps(mock_psc, national_id, second, pin="2222")
    assert first.state()["ecps"] == [] and first.pushes() == []
    refused = first.approve(pending_on_first["id"], "1111", pending_on_first["choices"][0])
    assert refused.status_code == 409  # the request was cancelled when the e-CPS moved
    assert rp.http.get(waiting.url, allow_redirects=False, timeout=5).status_code == 200  # "recommencez"

    back = rp.login(national_id, pin="2222", phone_device=second)
    assert "code" in query_of(back.headers["Location"])
    # A push for the e-CPS never reaches the old phone, which cannot answer it either.
    page = rp.open_login_page()
    rp.submit_national_id(page, national_id)
    push = second.wait_for_push()
    assert first.pushes() == []
    assert first.approve(push["id"], "2222", push["choices"][0]).json()["error"] == "not_bound"


def test_reactivation_unlocks_a_locked_ecps(mock_psc):
    national_id = new_professional(mock_psc, ecps={"pin": "1234", "device": "old-phone"})
    rp = make_rp(mock_psc)
    for _ in range(3):
        page = rp.open_login_page()
        rp.submit_national_id(page, national_id)
        push = PhoneDevice(mock_psc, "old-phone").wait_for_push()
        PhoneDevice(mock_psc, "old-phone").approve(push["id"], "0000", push["choices"][0])
    assert mock_psc.state.ecps.is_locked(national_id)
    activate_ecps(mock_psc, national_id, PhoneDevice(mock_psc, "new-" + national_id), pin="9876")
    assert not mock_psc.state.ecps.is_locked(national_id)


@pytest.mark.parametrize(("typed", "accept_cgu", "error", "status"), [
    ("899700543210", True, "unknown_identity", 404),     # Luhn-valid RPPS nobody has
    ("99700218896", True, "bare_rpps", 400),             # the seed's "put an 8 in front"
    ("899700218897", True, "invalid_national_id", 400),  # Luhn fails
    ("899700312343", True, "no_contact_details", 400),   # known, no e-mail nor mobile at the Ordre
    ("0670012345", True, "card_only", 400),              # ADELI: activation with a CPS card only
    ("899700123450", False, "cgu_not_accepted", 400),
])
def test_activation_requests_that_are_refused(mock_psc, typed, accept_cgu, error, status):
    response = PhoneDevice(mock_psc, "refused-phone").request_activation(typed, accept_cgu=accept_cgu)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["error_description"]
    if error == "bare_rpps":
        assert "8" + typed in body["error_description"]
    if error == "no_contact_details":
        assert "Ordre" in body["error_description"]


def test_wrong_sms_codes_then_too_many(mock_psc):
    national_id = new_professional(mock_psc)
    phone = PhoneDevice(mock_psc, "p-" + national_id)
    activation = phone.request_activation(national_id).json()
    phone.confirm_contacts(activation["id"])
    phone.start_activation(emails(mock_psc, email_of(national_id))[-1]["link"])
    good = sms_codes(mock_psc, mobile_of(national_id))[-1]
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    assert phone.submit_sms_code(activation["id"], "12ab").json()["error"] == "malformed_code"
    first = phone.submit_sms_code(activation["id"], wrong)
    assert first.status_code == 403 and first.json()["attempts_left"] == 2
    assert phone.submit_sms_code(activation["id"], wrong).json()["attempts_left"] == 1
    last = phone.submit_sms_code(activation["id"], wrong)
    assert last.json()["error"] == "too_many_codes"
    assert phone.submit_sms_code(activation["id"], good).json()["error"] == "wrong_step"  # over: start again
    assert mock_psc.state.ecps.get(national_id) is None


def test_expired_link_and_expired_sms_code(own_psc):
    national_id = new_professional(own_psc)
    phone = PhoneDevice(own_psc, "p-" + national_id)
    activation = phone.request_activation(national_id).json()
    phone.confirm_contacts(activation["id"])
    link = emails(own_psc, email_of(national_id))[-1]["link"]
    own_psc.clock.advance(own_psc.settings.activation_link_lifetime)
    expired = phone.start_activation(link)
    assert expired.status_code == 410 and expired.json()["error"] == "link_expired"
    assert phone.start_activation(link).json()["error"] == "link_expired"  # stays expired

    activation = phone.request_activation(national_id).json()
    phone.confirm_contacts(activation["id"])
    phone.start_activation(emails(own_psc, email_of(national_id))[-1]["link"])
    own_psc.clock.advance(own_psc.settings.sms_code_lifetime)
    late = phone.submit_sms_code(activation["id"], sms_codes(own_psc, mobile_of(national_id))[-1])
    assert late.status_code == 410 and late.json()["error"] == "code_expired"
    assert phone.get_activation(activation["id"]).json()["state"] == "expired"


def test_a_forged_link_and_a_bad_pin_are_refused(mock_psc):
    national_id = new_professional(mock_psc)
    phone = PhoneDevice(mock_psc, "p-" + national_id)
    assert phone.start_activation(mock_psc.wallet_origin + "/ecps/activation?token=forged").status_code == 404
    assert requests.get(mock_psc.wallet_origin + "/ecps/activation?token=forged", timeout=5).status_code == 404
    activation = phone.request_activation(national_id).json()
    phone.confirm_contacts(activation["id"])
    phone.start_activation(emails(mock_psc, email_of(national_id))[-1]["link"])
    phone.submit_sms_code(activation["id"], sms_codes(mock_psc, mobile_of(national_id))[-1])
    assert phone.choose_pin(activation["id"], "12345").json()["error"] == "invalid_pin_format"
    mismatch = phone.choose_pin(activation["id"], "1234", confirmation="4321")
    assert mismatch.json()["error"] == "pin_mismatch"
    assert phone.get_activation("nope").status_code == 404


def test_a_new_request_supersedes_the_pending_one_and_the_log_shows_each_step(mock_psc):
    national_id = new_professional(mock_psc)
    phone = PhoneDevice(mock_psc, "p-" + national_id)
    since = mock_psc.log_entries()[-1]["seq"]
    old = phone.request_activation(national_id).json()
    activate_ecps(mock_psc, national_id, phone)
    assert phone.get_activation(old["id"]).json()["state"] == "cancelled"
    steps = [e["event"] for e in mock_psc.log_entries(since) if e.get("national_id") == national_id
             and e.get("event", "").startswith(("activation.", "ecps."))]
    assert steps == ["activation.requested", "activation.requested", "activation.email_sent",
                     "activation.sms_sent", "activation.pin_required", "activation.active", "ecps.activated"]
