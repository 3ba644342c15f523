"""THE seam deciding what a login says about a person.

``build_claims`` turns an identity into the person-related claims of the ID
token, the access token and userinfo, in PSC's shapes (reference §4-§5).
Protocol claims (iss, aud, exp, nonce, sid…) are added by ``tokens.py``.
Profile variants seen at PSC (``otherIDs`` spelling, top-level codeCivilite,
``authMode`` in userinfo, CARD logins…) belong here, as options of this function.
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


def build_claims(identity: Identity, *, auth_mode: str = "MOBILE", acr: str = "eidas1") -> LoginClaims:
    sub = subject(identity)
    names = {
        "preferred_username": identity.national_id,
        "given_name": identity.given_name,
        "family_name": identity.family_name,
    }
    id_token = {
        "acr": acr,
        "authMode": auth_mode,
        "SubjectNameID": identity.national_id,
        **names,
    }
    access_token = {"acr": acr, **names}

    roles: list[str] = []
    for exercice in identity.exercices:
        role = f"{exercice.profession}^{ROLE_OID}"
        if role not in roles:
            roles.append(role)
    first = _first_activity(identity)
    userinfo = {
        "sub": sub,
        **names,
        "email_verified": False,
        "SubjectNameID": identity.national_id,
        "SubjectOrganization": first.raison_sociale if first else "",
        "SubjectOrganizationID": (first.structure_id or first.finess or first.siret) if first else "",
        "SubjectRole": roles,
        "Secteur_Activite": f"{first.secteur}^{SECTEUR_OID}" if first and first.secteur else "",
        "Mode_Acces_Raison": "",
        "Acces_Regulation_Medicale": "FAUX",
        "UITVersion": "1.0",
        "Palier_Authentification": "APPPRIP",
        "PSI_Locale": PSI_LOCALE,
        "otherIds": [
            {
                "identifiant": identity.national_id,
                "origine": ORIGINE.get(identity.id_type, identity.id_type),
                "qualite": 1,
            }
        ],
        "SubjectRefPro": {
            "codeCivilite": identity.civilite,
            "exercices": [_exercice(identity, e) for e in identity.exercices],
        },
    }
    return LoginClaims(sub=sub, id_token=id_token, access_token=access_token, userinfo=userinfo)
