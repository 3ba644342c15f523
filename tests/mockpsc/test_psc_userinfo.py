"""Userinfo content (PSC's shapes) and bearer token checks."""
import requests

from psc_helpers import MEDECIN, make_rp

ROLE_OID = "1.2.250.1.213.1.1.5.5"


def userinfo(rp, access_token, method="GET"):
    return requests.request(method, rp.psc.endpoint("userinfo"),
                            headers={"Authorization": f"Bearer {access_token}"}, timeout=5)


def test_userinfo_has_psc_shape(rp):
    tokens = rp.tokens(MEDECIN)
    response = userinfo(rp, tokens["access_token"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    info = response.json()
    assert info["sub"] == rp.verify(tokens["id_token"]).claims["sub"]
    assert info["preferred_username"] == info["SubjectNameID"] == MEDECIN
    assert info["given_name"] == "CAMILLE" and info["family_name"] == "DURAND"
    assert info["email_verified"] is False and "email" not in info
    assert info["SubjectRole"] == [f"10^{ROLE_OID}"]
    assert info["Secteur_Activite"] == "SA01^1.2.250.1.71.4.2.4"
    assert info["SubjectOrganization"] == "CENTRE HOSPITALIER FICTIF - SMUR"
    assert info["SubjectOrganizationID"] == "R10000000000011"
    assert info["Mode_Acces_Raison"] == ""
    assert info["Acces_Regulation_Medicale"] == "VRAI"  # the shipped regulator
    assert info["UITVersion"] == "1.0"
    assert info["Palier_Authentification"] == "APPPRIP"
    assert info["PSI_Locale"] == "1.2.250.1.213.1.1.4.2"
    assert info["otherIds"] == [{"identifiant": MEDECIN, "origine": "RPPS", "qualite": 1}]
    ref = info["SubjectRefPro"]
    assert ref["codeCivilite"] == "MME"
    [exercice] = ref["exercices"]
    assert exercice["codeProfession"] == "10"
    assert exercice["codeCategorieProfessionnelle"] == "C"
    assert exercice["codeCiviliteDexercice"] == "DR"
    assert exercice["nomDexercice"] == "DURAND" and exercice["prenomDexercice"] == "CAMILLE"
    assert exercice["codeTypeSavoirFaire"] == "S" and exercice["codeSavoirFaire"] == "SM59"
    [activity] = exercice["activities"]
    assert activity["codeModeExercice"] == "S" and activity["codeSecteurDactivite"] == "SA01"
    assert activity["numeroFinessSite"] == "679000011"
    assert activity["identifiantTechniqueDeLaStructure"] == "R10000000000011"
    assert activity["codeRole"] == "" and activity["enseigneCommercialeSite"] == ""  # absent = ""
    assert len(activity) == 23 and all(isinstance(v, str) for v in activity.values())
    assert userinfo(rp, tokens["access_token"], "POST").json() == info


def test_userinfo_with_two_exercices_and_activities(rp):
    info = userinfo(rp, rp.tokens("899700245667")["access_token"]).json()
    exercices = info["SubjectRefPro"]["exercices"]
    assert [e["codeProfession"] for e in exercices] == ["10", "60"]
    assert [a["codeModeExercice"] for a in exercices[0]["activities"]] == ["S", "L"]
    assert info["SubjectRole"] == [f"10^{ROLE_OID}", f"60^{ROLE_OID}"]


def test_userinfo_of_an_adeli_professional(rp):
    info = userinfo(rp, rp.tokens("0670012345")["access_token"]).json()
    assert info["otherIds"][0]["origine"] == "ADELI"
    assert info["SubjectRole"] == [f"36^{ROLE_OID}"]


def test_expired_access_token_is_401_invalid_token(own_psc):
    rp = make_rp(own_psc)
    tokens = rp.tokens(MEDECIN)
    assert userinfo(rp, tokens["access_token"]).status_code == 200
    own_psc.clock.advance(own_psc.settings.access_token_lifetime)
    response = userinfo(rp, tokens["access_token"])
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge


def test_missing_forged_or_wrong_kind_of_token_is_401(rp):
    tokens = rp.tokens(MEDECIN)
    assert requests.get(rp.psc.endpoint("userinfo"), timeout=5).status_code == 401
    assert userinfo(rp, "not-a-jwt").status_code == 401
    assert userinfo(rp, tokens["id_token"]).status_code == 401  # an ID token is no bearer token
    forged = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB")
    assert userinfo(rp, forged).status_code == 401
