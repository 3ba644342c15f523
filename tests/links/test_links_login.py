"""After `links apply`: who can still sign in through PSC, proven with a real login."""
from __future__ import annotations

import html

from fixtures.realms import run_cli
from fixtures.tablet import exchange_code, follow_to_app, start_login, verified_claims
from mockpsc.testing import wallet_login
from staff_files import staff_rows, write_csv


def sign_in(keycloak, realm, mock_psc, phone, national_id):
    login = start_login(keycloak, realm, mock_psc.wallet_origin)
    back = wallet_login(login.session, login.page, national_id, phone=phone, pin="1234")
    return login, follow_to_app(login.session, back)


def test_linked_then_unlinked_then_disabled(staff_realm, keycloak, mock_psc, mock_psc_phone, oracle, tmp_path):
    realm = staff_realm.realm
    rows = staff_rows(2, roles="medecin|interne")
    for row in rows:
        mock_psc.add_identity(row["national_id"], row["first_name"].upper(), row["last_name"],
                              ecps={"pin": "1234"})
    source = write_csv(tmp_path / "staff.csv", rows)
    assert run_cli("links", "apply", "--region", realm, "--from", str(source), env=staff_realm.env).returncode == 0

    # Linked by the staff list: signs in, lands on the provisioned account with its national id.
    stays, leaves = rows
    login, result = sign_in(keycloak, realm, mock_psc, mock_psc_phone, leaves["national_id"])
    assert isinstance(result, dict) and "code" in result, result
    claims = verified_claims(keycloak, realm, exchange_code(keycloak, realm, login, result["code"])["id_token"])
    assert claims["idnat"] == leaves["national_id"] and claims["family_name"] == leaves["last_name"]

    # Left the SMUR: `links apply` removes the link; the next login is refused and nothing is created.
    source = write_csv(tmp_path / "staff-v2.csv", [stays])
    assert run_cli("links", "apply", "--region", realm, "--from", str(source), env=staff_realm.env).returncode == 0
    users_before = len(oracle(realm).get_users({}))
    _, page = sign_in(keycloak, realm, mock_psc, mock_psc_phone, leaves["national_id"])
    assert not isinstance(page, dict)
    assert "n'est pas enregistré pour ce SMUR" in html.unescape(page.text)
    assert len(oracle(realm).get_users({})) == users_before

    # Still linked but disabled by an admin: refused too.
    kc = oracle(realm)
    kc.update_user(kc.get_user_id(stays["national_id"]), {"enabled": False})
    _, page = sign_in(keycloak, realm, mock_psc, mock_psc_phone, stays["national_id"])
    assert not isinstance(page, dict), "a disabled account must not get a code"
    assert "disabled" in page.text.lower() or "désactivé" in html.unescape(page.text).lower(), page.text[:500]
