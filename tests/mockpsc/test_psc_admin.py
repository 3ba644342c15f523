"""The /__mock control API and the event log."""
import json

import requests

from mockpsc.testing import fresh_national_id

from psc_helpers import PIN, RelyingParty


def test_register_client_and_identity_over_http_then_log_in(mock_psc):
    redirect_uri = "http://127.0.0.1:9/cb"
    client = {"client_id": "http-registered", "secret": "s3cret-value", "redirect_uris": [redirect_uri],
              "post_logout_redirect_uris": [], "auth_methods": ["client_secret_post"]}
    created = requests.post(mock_psc.auth_origin + "/__mock/clients", json=client, timeout=5)
    assert created.status_code == 201 and "secret" not in created.json()
    national_id = fresh_national_id()
    identity = {"national_id": national_id, "given_name": "ANA", "family_name": "HTTP", "ecps": {"pin": PIN},
                "exercices": [{"profession": "60"}]}
    added = requests.post(mock_psc.auth_origin + "/__mock/identities", json=identity, timeout=5)
    assert added.status_code == 201 and added.json()["sub"].endswith(":" + national_id)

    rp = RelyingParty(mock_psc, "http-registered", "s3cret-value", redirect_uri, "")
    tokens = rp.exchange(rp.code(national_id), auth="post")
    assert tokens.status_code == 200
    assert rp.verify(tokens.json()["id_token"]).claims["preferred_username"] == national_id
    listed = requests.get(mock_psc.auth_origin + "/__mock/clients", timeout=5).json()
    assert any(c["client_id"] == "http-registered" for c in listed)
    assert "s3cret-value" not in json.dumps(listed)


def test_bad_registrations_are_400_and_say_why(mock_psc):
    url = mock_psc.auth_origin + "/__mock"
    bad_client = requests.post(url + "/clients", json={"client_id": "x", "secret": "y"}, timeout=5)
    assert bad_client.status_code == 400 and "redirect_uris" in bad_client.json()["error_description"]
    bad_method = requests.post(url + "/clients", json={"client_id": "x", "secret": "y", "redirect_uris": ["http://a"],
                                                       "auth_methods": ["private_key_jwt"]}, timeout=5)
    assert bad_method.status_code == 400
    bad_id = requests.post(url + "/identities", json={"national_id": "899700218897", "given_name": "A",
                                                      "family_name": "B"}, timeout=5)
    assert bad_id.status_code == 400 and "Luhn" in bad_id.json()["error_description"]
    assert requests.post(url + "/identities", data=b"[", headers={"Content-Type": "application/json"},
                         timeout=5).status_code == 400


def test_log_records_requests_and_events_with_secrets_masked(rp):
    since = rp.psc.log_entries()[-1]["seq"]
    tokens = rp.tokens()
    requests.get(rp.psc.endpoint("logout"), params={"id_token_hint": tokens["id_token"]}, timeout=5)
    entries = requests.get(rp.psc.auth_origin + "/__mock/log", params={"since": since}, timeout=5).json()
    dumped = json.dumps(entries)
    for secret in (rp.secret, tokens["id_token"], tokens["access_token"], tokens["refresh_token"], PIN):
        assert secret not in dumped
    kinds = {e.get("event") for e in entries}
    assert {"push.created", "push.approved", "session.opened", "tokens.issued", "session.ended"} <= kinds
    http = [e for e in entries if e["kind"] == "http"]
    assert any(e["path"].endswith("/token") and e["status"] == 200 for e in http)
    assert any(e["query"].get("id_token_hint") == "***" for e in http)
    assert all(e["seq"] > since for e in entries)
