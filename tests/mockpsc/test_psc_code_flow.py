"""The whole login as a browser, a phone and a broker perform it."""
from urllib.parse import urljoin

import requests

from mockpsc.testing import Phone, read_form, read_match_number, wallet_login

from psc_helpers import MEDECIN, PIN, query_of


def test_full_code_flow_like_a_browser(mock_psc, rp):
    browser = requests.Session()
    page = browser.get(mock_psc.authorization_endpoint, params=rp.authorize_params(), timeout=5)
    assert page.status_code == 200
    assert "Connectez-vous" in page.text and "Application e-CPS" in page.text

    action, fields = read_form(page.text)
    fields["national_id"] = MEDECIN
    waiting = browser.post(urljoin(page.url, action), data=fields, timeout=5)
    assert waiting.status_code == 200
    number = read_match_number(waiting.text)
    assert len(number) == 2 and number.isdigit()
    assert 'http-equiv="refresh"' in waiting.text  # keeps polling by itself

    # Still pending: the continue URL answers with the same waiting page.
    again = browser.get(waiting.url, allow_redirects=False, timeout=5)
    assert again.status_code == 200 and read_match_number(again.text) == number

    phone = Phone(mock_psc)
    [push] = phone.pending(MEDECIN)
    assert push["client_id"] == rp.client_id
    assert number in push["choices"] and len(set(push["choices"])) == 3
    assert all(len(c) == 2 and c.isdigit() for c in push["choices"])
    approved = phone.approve(push["id"], PIN, number)
    assert approved.status_code == 200 and approved.json() == {"status": "approved"}
    assert phone.pending(MEDECIN) == []

    back = browser.get(waiting.url, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    location = back.headers["Location"]
    assert location.startswith(rp.redirect_uri + "?")
    params = query_of(location)
    assert params["state"] == rp.state and params["code"]

    tokens = rp.exchange(params["code"])
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["Cache-Control"] == "no-store"
    body = tokens.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 120 and body["refresh_expires_in"] == 1800  # ANS's guide: 2 min, 30 min
    assert body["refresh_token"] and body["session_state"]
    assert set(body["scope"].split()) >= {"openid", "scope_all"}

    id_token = rp.verify(body["id_token"])
    assert id_token.header["kid"] and id_token.header["alg"] == "RS256"
    claims = id_token.claims
    assert claims["iss"] == mock_psc.issuer
    assert claims["aud"] == rp.client_id and claims["azp"] == rp.client_id
    assert claims["nonce"] == rp.nonce
    assert claims["acr"] == "eidas1" and claims["authMode"] == "MOBILE"
    assert claims["exp"] - claims["iat"] == 120
    assert claims["typ"] == "ID"
    prefix, uuid_part, national_id = claims["sub"].split(":")
    assert prefix == "f" and len(uuid_part) == 36 and national_id == MEDECIN
    assert claims["SubjectNameID"] == claims["preferred_username"] == MEDECIN
    assert claims["given_name"] == "CAMILLE" and claims["family_name"] == "DURAND"
    assert claims["sid"] == claims["session_state"] == body["session_state"]
    assert claims["at_hash"] and claims["auth_time"] <= claims["iat"]
    assert "email" not in claims and "amr" not in claims

    access = rp.verify(body["access_token"]).claims
    assert "aud" not in access
    assert access["typ"] == "Bearer" and access["sub"] == claims["sub"]
    assert access["exp"] - access["iat"] == 120
    assert access["scope"] == body["scope"]


def test_sub_is_stable_per_identity(rp):
    first = rp.verify(rp.tokens()["id_token"]).claims["sub"]
    second = rp.verify(rp.tokens()["id_token"]).claims["sub"]
    assert first == second


def test_client_secret_post_works_too(rp):
    response = rp.exchange(rp.code(), auth="post")
    assert response.status_code == 200, response.text


def test_plain_pkce_and_no_pkce(mock_psc, rp):
    page = rp.open_login_page(code_challenge="x" * 43, code_challenge_method="plain")
    assert page.status_code == 200
    back = wallet_login(rp.http, page, MEDECIN, phone=Phone(mock_psc))
    assert rp.exchange(query_of(back.headers["Location"])["code"], verifier="x" * 43).status_code == 200

    page = rp.open_login_page(code_challenge=None, code_challenge_method=None)
    back = wallet_login(rp.http, page, MEDECIN, phone=Phone(mock_psc))
    code = query_of(back.headers["Location"])["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    response = requests.post(mock_psc.endpoint("token"), data=data, auth=(rp.client_id, rp.secret), timeout=5)
    assert response.status_code == 200, response.text


def test_national_id_typed_with_spaces_is_accepted(mock_psc, rp):
    page = rp.open_login_page()
    back = wallet_login(rp.http, page, "8 99700218896", phone=Phone(mock_psc))
    assert "code" in query_of(back.headers["Location"])
