"""Lifetimes per ANS's guide as the mock's defaults (access token 2 min, refresh token
30 min, PSC session 4 h or 30 min idle; ID token 120 s as in sandbox tokens), each one
configurable."""
import requests

from mockpsc.settings import Settings

from psc_helpers import make_rp


def test_defaults_follow_ans_guide():
    settings = Settings()
    assert settings.access_token_lifetime == 120
    assert settings.refresh_token_lifetime == 30 * 60
    assert settings.session_max_lifetime == 4 * 3600 and settings.session_idle_timeout == 30 * 60
    assert settings.id_token_lifetime == 120


def test_tokens_live_as_long_as_the_settings_say(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    assert (tokens["expires_in"], tokens["refresh_expires_in"]) == (120, 1800)
    access, id_token = rp.verify(tokens["access_token"]).claims, rp.verify(tokens["id_token"]).claims
    assert access["exp"] - access["iat"] == 120 and id_token["exp"] - id_token["iat"] == 120
    own_psc.clock.advance(119)
    userinfo = own_psc.endpoint("userinfo")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(userinfo, headers=bearer, timeout=5).status_code == 200
    own_psc.clock.advance(1)
    assert requests.get(userinfo, headers=bearer, timeout=5).status_code == 401

    changed = requests.patch(own_psc.auth_origin + "/__mock/settings", timeout=5,
                             json={"access_token_lifetime": 60, "refresh_token_lifetime": 600})
    assert changed.status_code == 200
    again = rp.tokens()
    assert (again["expires_in"], again["refresh_expires_in"]) == (60, 600)


def test_session_ends_after_4_hours_even_when_used(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens()
    refresh = tokens["refresh_token"]
    for _ in range(int(4 * 3600 / 1500)):  # used every 25 min: never idle 30 min
        own_psc.clock.advance(1500)
        answer = requests.post(own_psc.endpoint("token"), auth=(rp.client_id, rp.secret), timeout=5,
                               data={"grant_type": "refresh_token", "refresh_token": refresh})
        assert answer.status_code == 200, answer.text
        refresh = answer.json()["refresh_token"]
    own_psc.clock.advance(4 * 3600 - 9 * 1500)
    ended = requests.post(own_psc.endpoint("token"), auth=(rp.client_id, rp.secret), timeout=5,
                          data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert ended.status_code == 400 and ended.json()["error"] == "invalid_grant"
