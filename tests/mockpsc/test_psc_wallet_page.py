"""What the authorize page and its form answer to bad input."""
from urllib.parse import urljoin

import pytest
import requests

from mockpsc.testing import read_error, read_form

from psc_helpers import MEDECIN, query_of


def post_national_id(rp, typed: str) -> requests.Response:
    page = rp.open_login_page()
    action, fields = read_form(page.text)
    fields["national_id"] = typed
    return rp.http.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=5)


def test_bare_rpps_asks_for_the_8_prefix(rp):
    response = post_national_id(rp, "99700218896")
    assert response.status_code == 200
    error = read_error(response.text)
    assert error["code"] == "bare_rpps"
    assert "Ajoutez un 8 devant votre numéro RPPS : 899700218896" in error["message"]
    assert 'id="login-form"' in response.text  # the form is shown again


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("899700218897", "checksum"),  # Luhn fails
        ("810003111463", "checksum"),  # the seed's illustrative number is not Luhn-valid
        ("8abc", "malformed"),
        ("7123", "malformed"),
        ("", "empty"),
        ("899700543210", "unknown"),  # Luhn-valid, nobody has it
        ("899700123450", "no_ecps"),  # known, no e-CPS activated
    ],
)
def test_bad_or_unknown_national_id_is_explained_on_the_page(rp, typed, code):
    response = post_national_id(rp, typed)
    assert response.status_code == 200
    error = read_error(response.text)
    assert error and error["code"] == code and error["message"]


def test_unknown_id_message_names_it(rp):
    error = read_error(post_national_id(rp, "899700543210").text)
    assert "899700543210" in error["message"]


@pytest.mark.parametrize("acr", [None, "", "eidas0", "eidas1 eidas2", "substantial", "EIDAS1", "eidas4"])
def test_acr_values_other_than_one_eidas_level_is_an_error_redirect(rp, acr):
    response = rp.open_login_page(acr_values=acr)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(rp.redirect_uri + "?")
    params = query_of(location)
    assert params["error"] == "invalid_request"
    assert "acr_values" in params["error_description"]
    assert params["state"] == rp.state


def test_duplicated_acr_values_is_refused(mock_psc, rp):
    params = list(rp.authorize_params().items()) + [("acr_values", "eidas1")]
    response = requests.get(mock_psc.authorization_endpoint, params=params, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


def test_scope_without_openid_is_an_error_redirect(rp):
    response = rp.open_login_page(scope="scope_all")
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"


def test_bad_response_type_and_pkce_method_are_error_redirects(rp):
    assert query_of(rp.open_login_page(response_type="token").headers["Location"])["error"] == (
        "unsupported_response_type"
    )
    assert query_of(rp.open_login_page(code_challenge_method="S512").headers["Location"])["error"] == (
        "invalid_request"
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://127.0.0.1:9/evil"},
        {"redirect_uri": None},
        {"client_id": "nobody"},
        {"client_id": None},
    ],
)
def test_unknown_client_or_redirect_uri_is_an_error_page_never_a_redirect(rp, overrides):
    response = rp.open_login_page(**overrides)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert read_error(response.text)


def test_redirect_uri_match_is_exact(rp):
    response = rp.open_login_page(redirect_uri=rp.redirect_uri + "/")
    assert response.status_code == 400 and "Location" not in response.headers


def test_login_hint_prefills_the_field(rp):
    page = rp.open_login_page(login_hint=MEDECIN)
    assert read_form(page.text)[1]["national_id"] == MEDECIN


def test_stale_or_forged_transaction_is_an_error_page(mock_psc):
    url = urljoin(mock_psc.wallet_origin, "/auth/identify")
    response = requests.post(url, data={"tx": "forged", "national_id": MEDECIN}, timeout=5)
    assert response.status_code == 400 and read_error(response.text)
    assert requests.get(urljoin(mock_psc.wallet_origin, "/auth/continue?tx=forged"), timeout=5).status_code == 400
