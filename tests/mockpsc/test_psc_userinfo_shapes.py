"""Userinfo as a signed JWT, the claims shape variants, and identities of every national id type."""
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from mockpsc.claims import VARIANTS

from psc_helpers import MEDECIN, make_rp


def userinfo(rp, access_token):
    return requests.get(rp.psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {access_token}"}, timeout=5)


def test_signed_userinfo_for_clients_that_ask(mock_psc):
    rp = make_rp(mock_psc, userinfo_format="jwt")
    tokens = rp.tokens()
    response = userinfo(rp, tokens["access_token"])
    assert response.headers["content-type"] == "application/jwt"
    jwks = KeySet.import_key_set(requests.get(mock_psc.endpoint("certs"), timeout=5).json())
    signed = jwt.decode(response.text, jwks, algorithms=["RS256"])
    assert signed.header["kid"] == mock_psc.state.keys.active.kid
    claims = signed.claims
    assert claims["iss"] == mock_psc.issuer and claims["aud"] == rp.client_id
    assert claims["sub"] == rp.verify(tokens["id_token"]).claims["sub"]
    assert claims["SubjectNameID"] == MEDECIN and claims["SubjectRefPro"]["exercices"]


def test_userinfo_format_changes_per_client_at_runtime(rp):
    tokens = rp.tokens()
    assert userinfo(rp, tokens["access_token"]).headers["content-type"].startswith("application/json")
    rp.psc.update_client(rp.client_id, userinfo_format="jwt")
    assert userinfo(rp, tokens["access_token"]).headers["content-type"] == "application/jwt"


def _shape(psc, variant):
    rp = make_rp(psc, claims_variant=variant)
    tokens = rp.tokens()
    return rp.verify(tokens["id_token"]).claims, userinfo(rp, tokens["access_token"]).json()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_claims_variants_reproduce_the_observed_drift(mock_psc, variant):
    shape = VARIANTS[variant]
    id_token, info = _shape(mock_psc, variant)
    other_key = shape.other_ids_key
    assert other_key in info and ({"otherIds", "otherIDs"} - {other_key}).isdisjoint(info)
    assert info[other_key] == [{"identifiant": MEDECIN, "origine": "RPPS", "qualite": 1}]
    assert ("codeCivilite" in info) == (shape.civilite in ("top", "both"))
    assert ("codeCivilite" in info["SubjectRefPro"]) == (shape.civilite in ("refpro", "both"))
    assert ("authMode" in info) == shape.userinfo_auth_mode
    assert ("authMode" in id_token) == shape.id_token_auth_mode
    assert info["Mode_Acces_Raison"] == "" and id_token["acr"] == "eidas1"  # empty strings stay


def test_bad_variants_are_refused(mock_psc):
    with pytest.raises(ValueError, match="unknown variant"):
        make_rp(mock_psc, claims_variant="2019")
    with pytest.raises(ValueError, match="other_ids_key"):
        make_rp(mock_psc, claims_variant={"other_ids_key": "OtherIds"})


@pytest.mark.parametrize(("national_id", "origine"), [
    ("899700218896", "RPPS"),
    ("0670012345", "ADELI"),
    ("1670054321", "ADELI_CABINET"),
    ("30B0168811/CPET00001", "FINESS"),
    ("4266700001/AGENT0042", "SIREN"),
    ("500000001815646/CPAT00045", "SIRET"),
    ("699700456785/CAB001", "RPPS_CABINET"),
    ("ANS20231122132732", "EDIT"),
])
def test_every_national_id_type_logs_in(rp, national_id, origine):
    tokens = rp.tokens(national_id)
    claims = rp.verify(tokens["id_token"]).claims
    assert claims["SubjectNameID"] == claims["preferred_username"] == national_id
    assert claims["sub"].endswith(":" + national_id)
    info = userinfo(rp, tokens["access_token"]).json()
    assert info["otherIds"][0] == {"identifiant": national_id, "origine": origine, "qualite": 1}
