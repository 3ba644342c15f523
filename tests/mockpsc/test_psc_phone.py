"""Push, PIN, number matching, lock-out and expiry."""
from urllib.parse import urljoin

import requests

from mockpsc.testing import Phone, fresh_national_id, read_error, read_form, read_match_number

from psc_helpers import PIN, make_rp, query_of


def start(rp, national_id):
    """Post the id on the wallet page; return (waiting page response, push)."""
    page = rp.open_login_page()
    action, fields = read_form(page.text)
    fields["national_id"] = national_id
    waiting = rp.http.post(urljoin(page.url, action), data=fields, timeout=5)
    [push] = Phone(rp.psc).pending(national_id)
    return waiting, push


def resume(rp, waiting):
    return rp.http.get(waiting.url, allow_redirects=False, timeout=5)


def wrong(number: str, push) -> str:
    return next(c for c in push["choices"] if c != number)


def test_wrong_pin_refuses_the_push_and_the_client_gets_access_denied(rp, person):
    waiting, push = start(rp, person)
    answer = Phone(rp.psc).approve(push["id"], "0000", read_match_number(waiting.text))
    assert answer.status_code == 403
    assert answer.json()["error"] == "invalid_pin" and answer.json()["attempts_left"] == 2
    assert Phone(rp.psc).pending(person) == []
    back = resume(rp, waiting)
    assert back.status_code == 302
    params = query_of(back.headers["Location"])
    assert params["error"] == "access_denied" and params["error_description"]
    assert params["state"] == rp.state and "code" not in params


def test_wrong_number_refuses_the_push(rp, person):
    waiting, push = start(rp, person)
    answer = Phone(rp.psc).approve(push["id"], PIN, wrong(read_match_number(waiting.text), push))
    assert answer.status_code == 403 and answer.json()["error"] == "wrong_number"
    assert query_of(resume(rp, waiting).headers["Location"])["error"] == "access_denied"


def test_deny_on_the_phone(rp, person):
    waiting, push = start(rp, person)
    assert Phone(rp.psc).deny(push["id"]).json() == {"status": "refused"}
    assert query_of(resume(rp, waiting).headers["Location"])["error"] == "access_denied"
    # An answered push cannot be answered again.
    again = Phone(rp.psc).approve(push["id"], PIN, read_match_number(waiting.text))
    assert again.status_code == 409 and again.json()["error"] == "not_pending"


def test_three_wrong_pins_lock_the_ecps_and_a_good_pin_resets_the_count(rp, person):
    phone = Phone(rp.psc)
    for _ in range(2):
        _, push = start(rp, person)
        phone.approve(push["id"], "9999", "00")
    waiting, push = start(rp, person)
    assert phone.approve(push["id"], PIN, read_match_number(waiting.text)).status_code == 200  # reset
    for expected_left in (2, 1, 0):
        waiting, push = start(rp, person)
        body = phone.approve(push["id"], "9999", "00").json()
        assert body["attempts_left"] == expected_left
        # The relying party learns why: a wrong PIN, then the PIN that locked the e-CPS.
        expected = "e-CPS verrouillée" if expected_left == 0 else "Code PIN e-CPS erroné"
        assert query_of(resume(rp, waiting).headers["Location"])["error_description"] == expected
    assert body["locked"] is True

    page = rp.open_login_page()
    action, fields = read_form(page.text)
    fields["national_id"] = person
    locked = rp.http.post(urljoin(page.url, action), data=fields, timeout=5)
    error = read_error(locked.text)
    assert error["code"] == "ecps_locked" and "e-CPS verrouillée" in error["message"]
    assert phone.pending(person) == []

    rp.psc.unlock_ecps(person)
    waiting, push = start(rp, person)
    assert phone.approve(push["id"], PIN, read_match_number(waiting.text)).status_code == 200


def test_new_attempt_supersedes_the_pending_push(rp, person):
    start(rp, person)
    page = rp.open_login_page()
    action, fields = read_form(page.text)
    fields["national_id"] = person
    rp.http.post(urljoin(page.url, action), data=fields, timeout=5)
    rp.http.post(urljoin(page.url, action), data=fields, timeout=5)
    assert len(Phone(rp.psc).pending(person)) == 2  # one per open page, the older one per page cancelled


def test_push_expires_after_120_seconds(own_psc):
    rp = make_rp(own_psc)
    national_id = fresh_national_id()
    own_psc.add_identity(national_id, "A", "B", ecps={"pin": PIN})
    waiting, push = start(rp, national_id)
    own_psc.clock.advance(119)
    assert Phone(own_psc).pending(national_id) != []
    own_psc.clock.advance(1)
    assert Phone(own_psc).pending(national_id) == []
    late = Phone(own_psc).approve(push["id"], PIN, read_match_number(waiting.text))
    assert late.status_code == 410 and late.json()["error"] == "expired"
    page = resume(rp, waiting)
    assert page.status_code == 200 and read_error(page.text)["code"] == "push_expired"
    assert 'id="login-form"' in page.text  # the user can try again from the same page


def test_phone_api_rejects_bad_requests(mock_psc, person):
    base = mock_psc.wallet_origin + "/phone/api/pushes"
    assert requests.get(base, params={"national_id": "99700218896"}, timeout=5).status_code == 400
    assert requests.get(base, params={"national_id": "899700543210"}, timeout=5).status_code == 404
    assert requests.post(f"{base}/nope/approve", json={"pin": PIN, "number": "00"}, timeout=5).status_code == 404
    bad = requests.post(f"{base}/nope/approve", data=b"{not json", timeout=5)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
