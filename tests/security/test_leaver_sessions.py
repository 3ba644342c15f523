"""A leaver's sessions end when `links apply` removes her link, offline ones included (issue 11, Leavers).

Removing the PSC link stops new logins, but a refresh token keeps an app signed in: an online one
until the session ends (12 h), an offline one with no end at all. `POST .../users/{id}/logout`
alone leaves offline sessions alive in Keycloak 26.7.3, so the leaver step also revokes every
client's offline tokens. The test sets offline access up itself (the shipped realm may grant none):
Keycloak's `offline_access` client scope made optional on smurtab and the `offline_access` role
given to the staff members.
"""
from __future__ import annotations

import requests

from fixtures.tablet import exchange_code, follow_to_app, start_login
from firstlogin.psc_logins import PIN, links_apply, new_professional, staff_csv
from mockpsc.testing import wallet_login

OFFLINE = "offline_access"


def allow_offline_access(admin, user_ids: list[str]) -> None:
    """Offline tokens for smurtab: the stock scope optional on the client, the role on each user."""
    client = admin.get_client_id("smurtab")
    scope = next(s for s in admin.get_client_scopes() if s["name"] == OFFLINE)
    admin.add_client_optional_client_scope(client, scope["id"], {})
    role = admin.get_realm_role(OFFLINE)
    for user_id in user_ids:
        admin.assign_realm_roles(user_id, [role])


def tablet_tokens(keycloak, realm, mock_psc, phone, national_id: str, scope: str) -> dict:
    """SMUR-T@b's login through PSC, returning the token response (with its refresh token)."""
    login = start_login(keycloak, realm, mock_psc.wallet_origin, scope=scope)
    back = wallet_login(login.session, login.page, national_id, phone=phone, pin=PIN)
    result = follow_to_app(login.session, back)
    assert isinstance(result, dict) and "code" in result, getattr(result, "text", result)[:1000]
    return exchange_code(keycloak, realm, login, result["code"])


def offline_sessions(admin, realm: str, user_id: str) -> list:
    """Her offline sessions with smurtab (python-keycloak has no call for it)."""
    client = admin.get_client_id("smurtab")
    answer = admin.connection.raw_get(f"admin/realms/{realm}/users/{user_id}/offline-sessions/{client}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def refresh(keycloak, realm: str, refresh_token: str) -> requests.Response:
    return requests.post(f"{keycloak.base_url}/realms/{realm}/protocol/openid-connect/token", data={
        "grant_type": "refresh_token", "client_id": "smurtab", "refresh_token": refresh_token}, timeout=30)


def refreshed(keycloak, realm: str, tokens: dict) -> str:
    """Use the refresh token once (it works), keep the new one: rotation may make the old one single-use."""
    answer = refresh(keycloak, realm, tokens["refresh_token"])
    assert answer.status_code == 200, answer.text
    return answer.json()["refresh_token"]


def test_links_apply_ends_the_online_and_offline_sessions_of_a_leaver(policy_realm, keycloak, mock_psc,
                                                                     mock_psc_phone, tmp_path):
    files, kc = policy_realm("deny")
    realm = files.realm
    leaves, stays = (new_professional(mock_psc, given, family) for given, family in (("LEA", "VERNIER"),
                                                                                       ("MARC", "FONTAINE")))
    links_apply(files, staff_csv(tmp_path / "staff.csv", [leaves, stays]))
    [leaver] = kc.linked_to(leaves.national_id)
    [colleague] = kc.linked_to(stays.national_id)
    allow_offline_access(kc.admin, [leaver["id"], colleague["id"]])

    # Her tablet holds an online session, a second app an offline token; her colleague an offline token too.
    online = tablet_tokens(keycloak, realm, mock_psc, mock_psc_phone, leaves.national_id, "openid")
    offline = tablet_tokens(keycloak, realm, mock_psc, mock_psc_phone, leaves.national_id, f"openid {OFFLINE}")
    colleague_offline = tablet_tokens(keycloak, realm, mock_psc, mock_psc_phone, stays.national_id,
                                      f"openid {OFFLINE}")
    assert offline["refresh_token"] != online["refresh_token"]
    online_token = refreshed(keycloak, realm, online)
    offline_token = refreshed(keycloak, realm, offline)
    colleague_token = refreshed(keycloak, realm, colleague_offline)
    assert offline_sessions(kc.admin, realm, leaver["id"]), "she holds an offline session"

    # She leaves the list: link removed and, in the same step, every session ended.
    out = links_apply(files, staff_csv(tmp_path / "staff-v2.csv", [stays]))

    assert kc.links_of(leaver["id"]) == []
    answers = {kind: refresh(keycloak, realm, token) for kind, token in (("online", online_token),
                                                                          ("offline", offline_token))}
    # Both refused (a failure shows what each of her refresh tokens still got).
    assert {kind: (a.status_code, a.json().get("error")) for kind, a in answers.items()} == {
        "online": (400, "invalid_grant"), "offline": (400, "invalid_grant")}
    assert kc.sessions_of(leaver["id"]) == []
    assert offline_sessions(kc.admin, realm, leaver["id"]) == []
    # Nobody else was signed out, and the plan and summary said what was done.
    assert refresh(keycloak, realm, colleague_token).status_code == 200
    assert f"{leaves.username} (unlink) (end online and offline sessions)" in out
    assert "Ended the online and offline sessions of 1 leaver(s)" in out
