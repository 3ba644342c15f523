"""THE seam deciding what a login says about a person.

``build_claims`` turns an identity into the person-related claims of the ID
token, the access token and userinfo, in PSC's shapes (reference §4-§5).
Protocol claims (iss, aud, exp, nonce, sid…) are added by ``tokens.py``.
Profile variants seen at PSC (``otherIDs`` spelling, top-level codeCivilite,
``authMode`` in userinfo or not) are options of this function (``ClaimsVariant``,
chosen per client); ``auth_mode`` (MOBILE, CARD) and ``acr`` are the login's.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from mockpsc.identities import Activity, Exercice, Identity

ROLE_OID = "1.2.250.1.213.1.1.5.5"  # SubjectRole values: "<TRE_G15 code>^<OID>"
SECTEUR_OID = "1.2.250.1.71.4.2.4"  # TRE_R02 SecteurActivite
PSI_LOCALE = "1.2.250.1.213.1.1.4.2"

# Identity field -> PSC claim name, in the order PSC lists them.
EXERCICE_CLAIMS = (
    ("profession", "codeProfession"),
    ("category", "codeCategorieProfessionnelle"),
    ("civilite_exercice", "codeCiviliteDexercice"),
    ("nom_exercice", "nomDexercice"),
    ("prenom_exercice", "prenomDexercice"),
    ("savoir_faire_type", "codeTypeSavoirFaire"),
    ("specialty", "codeSavoirFaire"),
)
ACTIVITY_CLAIMS = (
    ("mode", "codeModeExercice"),
    ("secteur", "codeSecteurDactivite"),
    ("role", "codeRole"),
    ("siret", "numeroSiretSite"),
    ("siren", "numeroSirenSite"),
    ("finess", "numeroFinessSite"),
    ("finess_juridique", "numeroFinessetablissementJuridique"),
    ("structure_id", "identifiantTechniqueDeLaStructure"),
    ("raison_sociale", "raisonSocialeSite"),
    ("enseigne", "enseigneCommercialeSite"),
    ("complement_destinataire", "complementDestinataire"),
    ("numero_voie", "numeroVoie"),
    ("type_voie", "codeTypeDeVoie"),
    ("libelle_voie", "libelleVoie"),
    ("bureau_cedex", "bureauCedex"),
    ("code_postal", "codePostal"),
    ("code_commune", "codeCommune"),
    ("code_pays", "codePays"),
    ("telephone", "telephone"),
    ("email", "adresseEMail"),
    ("departement", "codeDepartement"),
    ("ancien_identifiant", "ancienIdentifiantDeLaStructure"),
    ("autorite_enregistrement", "autoriteDenregistrement"),
)
assert {f.name for f in fields(Activity)} == {a for a, _ in ACTIVITY_CLAIMS}
# otherIds "origine" per national id type; PSC samples show RPPS and EDIT.
ORIGINE = {"RPPS": "RPPS", "EDIT": "EDIT", "ADELI": "ADELI"}
CIVILITE_PLACES = ("refpro", "top", "both", "none")
OTHER_IDS_KEYS = ("otherIds", "otherIDs")


class VariantError(ValueError):
    """A claims variant the mock does not know; the message lists what it knows."""


@dataclass(frozen=True)
class ClaimsVariant:
    """Which of PSC's observed userinfo/ID-token shapes a login gets (reference §5:
    samples disagree on these points, so a robust relying party must accept all)."""

    other_ids_key: str = "otherIds"  # or "otherIDs"
    civilite: str = "refpro"  # codeCivilite inside SubjectRefPro, "top"-level, "both", or "none"
    userinfo_auth_mode: bool = False  # authMode also in userinfo
    id_token_auth_mode: bool = True  # authMode in the ID token (some samples lack it)

    def view(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# Named variants, for tests that walk through the drift one point at a time.
VARIANTS = {
    "default": ClaimsVariant(),
    "otherIDs": ClaimsVariant(other_ids_key="otherIDs"),
    "civilite-top-level": ClaimsVariant(civilite="top"),
    "civilite-both": ClaimsVariant(civilite="both"),
    "authMode-in-userinfo": ClaimsVariant(userinfo_auth_mode=True),
    "no-authMode": ClaimsVariant(id_token_auth_mode=False),
    "all-drift": ClaimsVariant(other_ids_key="otherIDs", civilite="top", userinfo_auth_mode=True,
                               id_token_auth_mode=False),
}


def variant_from(value: Any) -> ClaimsVariant:
    """A variant from None (default), a name in VARIANTS, or a mapping of its fields."""
    if value is None:
        return ClaimsVariant()
    if isinstance(value, ClaimsVariant):
        return value
    if isinstance(value, str):
        if value not in VARIANTS:
            raise VariantError(f"unknown variant {value!r}; known: {sorted(VARIANTS)}")
        return VARIANTS[value]
    if not isinstance(value, dict):
        raise VariantError("expected a variant name or a mapping")
    known = {f.name for f in fields(ClaimsVariant)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise VariantError(f"unknown field(s) {unknown}; known: {sorted(known)}")
    variant = ClaimsVariant(**value)
    if variant.other_ids_key not in OTHER_IDS_KEYS:
        raise VariantError(f"other_ids_key must be one of {list(OTHER_IDS_KEYS)}")
    if variant.civilite not in CIVILITE_PLACES:
        raise VariantError(f"civilite must be one of {list(CIVILITE_PLACES)}")
    if not isinstance(variant.userinfo_auth_mode, bool) or not isinstance(variant.id_token_auth_mode, bool):
        raise VariantError("userinfo_auth_mode and id_token_auth_mode must be true or false")
    return variant


@dataclass(frozen=True)
class LoginClaims:
    sub: str
    id_token: dict[str, Any]
    access_token: dict[str, Any]
    userinfo: dict[str, Any]


def subject(identity: Identity) -> str:
    """PSC's internal federation id: never parse it, link on SubjectNameID."""
    return f"f:{identity.sub_uuid}:{identity.national_id}"


def _exercice(identity: Identity, exercice: Exercice) -> dict[str, Any]:
    out: dict[str, Any] = {claim: getattr(exercice, attr) for attr, claim in EXERCICE_CLAIMS}
    out["nomDexercice"] = exercice.nom_exercice or identity.family_name
    out["prenomDexercice"] = exercice.prenom_exercice or identity.given_name
    if exercice.specialty and not exercice.savoir_faire_type:
        out["codeTypeSavoirFaire"] = "S"  # a specialty without a type is ordinal
    out["activities"] = [
        {claim: getattr(activity, attr) for attr, claim in ACTIVITY_CLAIMS} for activity in exercice.activities
    ]
    return out


def _first_activity(identity: Identity) -> Activity | None:
    for exercice in identity.exercices:
        if exercice.activities:
            return exercice.activities[0]
    return None


def build_claims(identity: Identity, *, auth_mode: str = "MOBILE", acr: str = "eidas1",
                 variant: ClaimsVariant = ClaimsVariant()) -> LoginClaims:
    sub = subject(identity)
    names = {
        "preferred_username": identity.national_id,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
    }
    id_token: dict[str, Any] = {"acr": acr}
    if variant.id_token_auth_mode:
        id_token["authMode"] = auth_mode
    id_token.update({"SubjectNameID": identity.national_id, **names})
    access_token = {"acr": acr, **names}

    roles: list[str] = []
    for exercice in identity.exercices:
        role = f"{exercice.profession}^{ROLE_OID}"
        if role not in roles:
            roles.append(role)
    first = _first_activity(identity)
    userinfo: dict[str, Any] = {
        "sub": sub,
        **names,
        "email_verified": False,
        "SubjectNameID": identity.national_id,
        "SubjectOrganization": first.raison_sociale if first else "",
        "SubjectOrganizationID": (first.structure_id or first.finess or first.siret) if first else "",
        "SubjectRole": roles,
        "Secteur_Activite": f"{first.secteur}^{SECTEUR_OID}" if first and first.secteur else "",
        "Mode_Acces_Raison": "",
        "Acces_Regulation_Medicale": "VRAI" if identity.regulation else "FAUX",
        "UITVersion": "1.0",
        "Palier_Authentification": "APPPRIP",
        "PSI_Locale": PSI_LOCALE,
    }
    if variant.userinfo_auth_mode:
        userinfo["authMode"] = auth_mode
    if variant.civilite in ("top", "both"):
        userinfo["codeCivilite"] = identity.civilite
    userinfo[variant.other_ids_key] = [
        {
            "identifiant": identity.national_id,
            "origine": ORIGINE.get(identity.id_type, identity.id_type),
            "qualite": 1,
        }
    ]
    ref_pro: dict[str, Any] = {}
    if variant.civilite in ("refpro", "both"):
        ref_pro["codeCivilite"] = identity.civilite
    ref_pro["exercices"] = [_exercice(identity, e) for e in identity.exercices]
    userinfo["SubjectRefPro"] = ref_pro
    return LoginClaims(sub=sub, id_token=id_token, access_token=access_token, userinfo=userinfo)
