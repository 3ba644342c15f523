"""The wallet's PSC session (SSO cookie): a second login in the same browser needs
no e-CPS, unless prompt=login or max_age says otherwise; prompt=none never shows a page."""
from psc_helpers import MEDECIN, make_rp, query_of


def test_second_authorize_in_the_same_browser_is_answered_from_the_session(rp):
    first = rp.login(MEDECIN)
    first_sid = query_of(first.headers["Location"])["session_state"]
    again = rp.open_login_page(same_browser=True)
    assert again.status_code == 302, "no wallet page the second time"
    params = query_of(again.headers["Location"])
    assert params["session_state"] == first_sid and params["state"] == rp.state and params["code"]
    tokens = rp.exchange(params["code"]).json()
    assert rp.verify(tokens["id_token"]).claims["nonce"] == rp.nonce


def test_prompt_login_forces_a_new_ecps_authentication(rp):
    rp.login(MEDECIN)
    page = rp.open_login_page(same_browser=True, prompt="login")
    assert page.status_code == 200 and 'id="login-form"' in page.text


def test_prompt_none_without_a_session_is_login_required(rp):
    response = rp.open_login_page(prompt="none")
    params = query_of(response.headers["Location"])
    assert params["error"] == "login_required" and params["state"] == rp.state
    assert query_of(rp.open_login_page(prompt="none login").headers["Location"])["error"] == "invalid_request"


def test_max_age_and_logout_end_the_single_sign_on(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.exchange(query_of(rp.login(MEDECIN).headers["Location"])["code"]).json()
    own_psc.clock.advance(100)
    assert rp.open_login_page(same_browser=True, max_age="50").status_code == 200  # too old: new authentication
    assert rp.open_login_page(same_browser=True, max_age="500").status_code == 302
    rp.http.get(own_psc.endpoint("logout"), params={"id_token_hint": tokens["id_token"]}, timeout=5)
    assert rp.open_login_page(same_browser=True).status_code == 200


def test_response_modes_fragment_and_form_post(rp):
    back = rp.login(MEDECIN, response_mode="fragment")
    location = back.headers["Location"]
    assert "?" not in location and "#" in location and "code=" in location.split("#", 1)[1]
    page = rp.open_login_page(same_browser=True, response_mode="form_post")
    assert page.status_code == 200 and 'id="form-post"' in page.text and f'action="{rp.redirect_uri}"' in page.text
    assert query_of(rp.open_login_page(response_mode="jwt").headers["Location"])["error"] == "invalid_request"
