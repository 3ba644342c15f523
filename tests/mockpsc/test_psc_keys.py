"""Key rotation: the new kid signs at once, the old one stays published for a
grace period (tokens it signed still verify), then leaves the JWKS."""
import requests
from joserfc import jws

from psc_helpers import make_rp


def kids(psc) -> list[str]:
    return [k["kid"] for k in requests.get(psc.endpoint("certs"), timeout=5).json()["keys"] if k["use"] == "sig"]


def kid_of(token: str) -> str:
    return jws.extract_compact(token.encode()).protected["kid"]


def test_rotation_publishes_both_keys_for_the_grace_period_then_drops_the_old_one(own_psc):
    rp = make_rp(own_psc)
    before = rp.tokens()
    old_kid = kid_of(before["id_token"])
    assert kids(own_psc) == [old_kid]

    rotation = own_psc.rotate_keys(grace=300)
    assert rotation["old_kid"] == old_kid and rotation["new_kid"] != old_kid
    after = rp.tokens()
    assert kid_of(after["id_token"]) == kid_of(after["access_token"]) == rotation["new_kid"]
    assert kids(own_psc) == [rotation["new_kid"], old_kid]
    rp.verify(before["id_token"])  # still verifiable during the grace period
    logout = requests.get(own_psc.endpoint("logout"), params={"id_token_hint": before["id_token"],
                                                              "post_logout_redirect_uri": rp.post_logout_uri},
                          allow_redirects=False, timeout=5)
    assert logout.status_code == 302  # an old-key hint is still ours

    own_psc.clock.advance(300)
    assert kids(own_psc) == [rotation["new_kid"]]
    removed = own_psc.log_entries(event="keys.removed")
    assert removed and removed[-1]["kid"] == old_kid
    assert requests.get(own_psc.endpoint("logout"), params={"id_token_hint": before["id_token"]},
                        timeout=5).status_code == 400  # signed by a key PSC no longer has


def test_rotation_without_grace_and_over_http(own_psc):
    first = own_psc.state.keys.active.kid
    rotated = requests.post(own_psc.auth_origin + "/__mock/keys/rotate", json={"grace": 0}, timeout=5)
    assert rotated.status_code == 201 and rotated.json()["old_kid"] == first
    assert kids(own_psc) == [rotated.json()["new_kid"]]
    listed = requests.get(own_psc.auth_origin + "/__mock/keys", timeout=5).json()
    assert listed["active_kid"] == rotated.json()["new_kid"] and first not in listed["published_kids"]
    assert requests.post(own_psc.auth_origin + "/__mock/keys/rotate", json={"grace": -1},
                         timeout=5).status_code == 400


def test_default_grace_comes_from_settings(own_psc):
    own_psc.settings.update({"key_grace_period": 10})
    old = own_psc.rotate_keys()["old_kid"]
    own_psc.clock.advance(9)
    assert old in kids(own_psc)
    own_psc.clock.advance(1)
    assert old not in kids(own_psc)
