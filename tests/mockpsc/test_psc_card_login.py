"""The wallet page's "Carte CPS" tab: a simulated card reader, the card's PIN, the block
after three wrong PINs, and what a card login says (authMode CARD, acr eidas2)."""
import pytest
import requests

from mockpsc.testing import (
    card_login,
    fresh_national_id,
    open_card_tab,
    read_error,
    read_form,
    read_link,
    submit_card_pin,
)

from psc_helpers import MEDECIN, PIN, make_rp, query_of


@pytest.fixture
def card_holder(mock_psc) -> str:
    """A fresh médecin with a CPS card (PIN 1234) and no e-CPS, nobody else uses."""
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, "CARTE", "TESTEUR", cps={"pin": PIN},
                          exercices=[{"profession": "10", "specialty": "SM59"}])
    return national_id


def card_tab(rp) -> requests.Response:
    """A fresh browser at the wallet page, then its "Carte CPS" tab."""
    page = rp.open_login_page()
    return open_card_tab(rp.http, page)


def tokens_after(rp, back: requests.Response) -> dict:
    location = back.headers["Location"]
    assert location.startswith(rp.redirect_uri + "?") and "code=" in location, location
    params = query_of(location)
    assert params["state"] == rp.state
    response = rp.exchange(params["code"])
    assert response.status_code == 200, response.text
    return response.json()


def test_card_login_says_card_and_eidas2_in_every_token_userinfo_and_introspection(mock_psc, card_holder):
    rp = make_rp(mock_psc, claims_variant="authMode-in-userinfo")
    page = rp.open_login_page()  # a fresh browser (rp.http) first
    back = card_login(rp.http, page, card_holder, pin=PIN)
    tokens = tokens_after(rp, back)
    id_token = rp.verify(tokens["id_token"]).claims
    assert (id_token["acr"], id_token["authMode"]) == ("eidas2", "CARD")
    assert id_token["SubjectNameID"] == card_holder and id_token["nonce"] == rp.nonce
    assert rp.verify(tokens["access_token"]).claims["acr"] == "eidas2"
    info = requests.get(mock_psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"},
                        timeout=5).json()
    assert info["authMode"] == "CARD" and info["SubjectNameID"] == card_holder
    introspected = requests.post(mock_psc.endpoint("token/introspect"), data={"token": tokens["access_token"]},
                                 auth=(rp.client_id, rp.secret), timeout=5).json()
    assert introspected["active"] is True and introspected["acr"] == "eidas2"
    refreshed = requests.post(mock_psc.endpoint("token"), auth=(rp.client_id, rp.secret), timeout=5,
                              data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    again = rp.verify(refreshed["id_token"]).claims
    assert (again["acr"], again["authMode"]) == ("eidas2", "CARD")  # refreshing keeps what the login achieved


def test_the_browser_session_a_card_opened_answers_sso_with_card_and_eidas2(mock_psc, card_holder):
    rp = make_rp(mock_psc)
    page = rp.open_login_page()
    tokens_after(rp, card_login(rp.http, page, card_holder))
    sso = rp.open_login_page(same_browser=True)
    assert sso.status_code == 302, "the PSC session cookie answers without a page"
    claims = rp.verify(tokens_after(rp, sso)["id_token"]).claims
    assert (claims["acr"], claims["authMode"]) == ("eidas2", "CARD")


def test_the_card_tab_is_a_plain_form_with_both_tabs_as_links(mock_psc):
    rp = make_rp(mock_psc)
    page = rp.open_login_page(login_hint=MEDECIN)
    assert read_link(page.text, "tab-ecps").startswith("/auth/ecps?tx=")
    card_page = open_card_tab(rp.http, page)
    action, fields = read_form(card_page.text)
    assert action == "/auth/card" and set(fields) == {"tx", "national_id", "pin"}
    assert fields["national_id"] == MEDECIN  # login_hint: the card already "inserted"
    assert 'class="active" aria-current="page">Carte CPS' in card_page.text
    for inert in ("Délégation", "Clé de sécurité (BETA)"):
        assert f'<span class="inert" title="Non simulé">{inert}</span>' in card_page.text
    back_to_ecps = rp.http.get(mock_psc.wallet_origin + read_link(card_page.text, "tab-ecps"), timeout=5)
    assert back_to_ecps.status_code == 200 and 'id="login-form"' in back_to_ecps.text


def test_three_wrong_pins_block_the_card_and_say_so(own_psc):
    national_id = fresh_national_id()
    own_psc.add_identity(national_id, "CARTE", "BLOQUEE", cps={"pin": "4321"}, ecps={"pin": PIN})
    rp = make_rp(own_psc)
    card_page = card_tab(rp)
    said = []
    for _ in range(3):
        answer = submit_card_pin(rp.http, card_page, national_id, "1111")
        assert answer.status_code == 200 and 'id="card-form"' in answer.text  # the tab again, not the client
        said.append(read_error(answer.text))
    assert [e["code"] for e in said] == ["wrong_pin", "wrong_pin", "card_blocked"]
    assert "2 essais" in said[0]["message"] and "1 essai " in said[1]["message"]
    assert "Carte CPS bloquée" in said[2]["message"]
    right_pin = submit_card_pin(rp.http, card_page, national_id, "4321")
    assert read_error(right_pin.text)["code"] == "card_blocked", "a blocked card refuses even its PIN"
    state = requests.get(f"{own_psc.auth_origin}/__mock/cps/{national_id}", timeout=5).json()
    assert state == {"national_id": national_id, "failed_pin_attempts": 3, "blocked": True}
    assert own_psc.state.ecps.is_locked(national_id) is False  # the e-CPS is another means

    unblocked = requests.post(f"{own_psc.auth_origin}/__mock/cps/{national_id}/unblock", json={}, timeout=5)
    assert unblocked.status_code == 200 and unblocked.json()["blocked"] is False
    assert submit_card_pin(rp.http, card_page, national_id, "4321").status_code == 302


def test_a_right_pin_resets_the_count_of_wrong_ones(own_psc):
    national_id = fresh_national_id()
    own_psc.add_identity(national_id, "CARTE", "DISTRAITE", cps={"pin": PIN})
    for pin in ("0000", "0000", PIN, "0000", "0000"):
        rp = make_rp(own_psc)
        submit_card_pin(rp.http, card_tab(rp), national_id, pin)
    card = own_psc.state.cards.get(national_id)
    assert (card.failures, card.blocked) == (2, False)


@pytest.mark.parametrize(("typed", "pin", "code"), [
    ("", PIN, "empty"),
    ("99700218896", PIN, "bare_rpps"),
    ("899700218897", PIN, "checksum"),
    ("899700543210", PIN, "unknown"),
    (MEDECIN, "12", "pin_format"),
    (MEDECIN, "", "pin_format"),
    (MEDECIN, "12a4", "pin_format"),
])
def test_card_tab_refusals_are_explained_on_the_page(mock_psc, typed, pin, code):
    rp = make_rp(mock_psc)
    answer = submit_card_pin(rp.http, card_tab(rp), typed, pin)
    assert answer.status_code == 200
    error = read_error(answer.text)
    assert error["code"] == code and error["message"], error
    assert mock_psc.state.cards.get(MEDECIN).failures == 0, "a malformed PIN is not a wrong PIN"


def test_a_professional_without_a_card_is_told_in_french(mock_psc):
    national_id = fresh_national_id()
    mock_psc.add_identity(national_id, "SANS", "CARTE", ecps={"pin": PIN})
    rp = make_rp(mock_psc)
    answer = submit_card_pin(rp.http, card_tab(rp), national_id, PIN)
    error = read_error(answer.text)
    assert error["code"] == "no_card"
    assert error["message"].startswith(f"Aucune carte CPS n'est associée à l'identifiant {national_id}.")
    assert "application e-CPS" in error["message"]
    page = rp.open_login_page()
    with pytest.raises(AssertionError, match="no_card"):
        card_login(rp.http, page, national_id)


def test_a_finished_or_forged_transaction_is_an_error_page(mock_psc, card_holder):
    rp = make_rp(mock_psc)
    card_page = card_tab(rp)
    assert submit_card_pin(rp.http, card_page, card_holder, PIN).status_code == 302
    replay = submit_card_pin(rp.http, card_page, card_holder, PIN)
    assert replay.status_code == 400 and read_error(replay.text), "one login per authorization request"
    assert requests.get(mock_psc.wallet_origin + "/auth/card?tx=forged", timeout=5).status_code == 400


def test_card_login_in_a_browser(mock_psc, chromium, card_holder):
    """Chromium clicks the tab, types the PIN and lands on the client with a code."""
    # Chromium refuses to go to port 9 (make_rp's redirect URIs): another closed port.
    redirect_uri = "http://127.0.0.1:8999/realms/test/broker/psc/endpoint"
    rp = make_rp(mock_psc)
    mock_psc.register_client(rp.client_id, rp.secret, [redirect_uri])
    rp.redirect_uri = redirect_uri
    url = requests.Request("GET", mock_psc.authorization_endpoint, params=rp.authorize_params()).prepare().url
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.click("#tab-card")
        page.fill("#card-national-id", card_holder)
        page.fill("#card-pin", PIN)
        # Nobody listens at the client's address: the request the redirect makes is enough.
        with page.expect_request(lambda request: request.url.startswith(rp.redirect_uri + "?")) as back:
            page.click("#card-submit")
        params = query_of(back.value.url)
    finally:
        context.close()
    assert params["state"] == rp.state
    claims = rp.verify(rp.exchange(params["code"]).json()["id_token"]).claims
    assert (claims["acr"], claims["authMode"], claims["SubjectNameID"]) == ("eidas2", "CARD", card_holder)


def test_a_card_given_or_taken_away_over_the_control_api(own_psc):
    national_id = fresh_national_id()
    own_psc.add_identity(national_id, "CARTE", "CHANGEANTE", ecps={"pin": PIN})
    url = f"{own_psc.auth_origin}/__mock/identities/{national_id}"
    rp = make_rp(own_psc)

    def try_card(pin: str) -> requests.Response:
        return submit_card_pin(rp.http, card_tab(rp), national_id, pin)

    assert read_error(try_card(PIN).text)["code"] == "no_card"
    given = requests.patch(url, json={"cps": {"pin": "9876"}}, timeout=5)
    assert given.status_code == 200 and given.json()["cps"]["blocked"] is False
    for _ in range(3):
        try_card("0000")
    assert read_error(try_card("9876").text)["code"] == "card_blocked"
    renewed = requests.patch(url, json={"cps": {"pin": "9876"}}, timeout=5)  # a new card is not blocked
    assert renewed.json()["cps"] == {"national_id": national_id, "failed_pin_attempts": 0, "blocked": False}
    assert try_card("9876").status_code == 302
    assert requests.patch(url, json={"cps": None}, timeout=5).json()["cps"] is None
    assert read_error(try_card("9876").text)["code"] == "no_card"
    assert requests.patch(url, json={"cps": {"pin": "98"}}, timeout=5).status_code == 400
    assert requests.get(f"{own_psc.auth_origin}/__mock/cps/{national_id}", timeout=5).status_code == 404
