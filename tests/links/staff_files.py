"""Staff list files as admins have them, written for tests."""
from __future__ import annotations

from pathlib import Path

from mockpsc.testing import fresh_national_id

DIRECTORY_HEADER = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|"
    "Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|Code type savoir-faire|"
    "Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|"
    "Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|Numéro FINESS établissement juridique|"
    "Identifiant technique de la structure|Raison sociale site|Enseigne commerciale site|"
    "Complément destinataire (coord. structure)|Complément point géographique (coord. structure)|"
    "Numéro Voie (coord. structure)|Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|Mention distribution (coord. structure)|"
    "Bureau cedex (coord. structure)|Code postal (coord. structure)|Code commune (coord. structure)|"
    "Libellé commune (coord. structure)|Code pays (coord. structure)|Libellé pays (coord. structure)|"
    "Téléphone (coord. structure)|Téléphone 2 (coord. structure)|Télécopie (coord. structure)|"
    "Adresse e-mail (coord. structure)|Code Département (structure)|Libellé Département (structure)|"
    "Ancien identifiant de la structure|Autorité d'enregistrement|Code secteur d'activité|"
    "Libellé secteur d'activité|Code section tableau pharmaciens|Libellé section tableau pharmaciens|Code rôle|"
    "Libellé rôle|Code genre activité|Libellé genre activité"
).split("|")
assert len(DIRECTORY_HEADER) == 56


def staff_rows(count: int, group: str = "SMUR 67 Strasbourg", roles: str = "medecin") -> list[dict]:
    return [{"national_id": fresh_national_id(), "first_name": f"Prenom{i}", "last_name": f"NOM{i}",
             "group": group, "roles": roles, "email": ""} for i in range(count)]


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    columns = ["national_id", "first_name", "last_name", "group", "roles", "email"]
    lines = [delimiter.join(columns)] + [delimiter.join(str(r.get(c, "")) for c in columns) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def directory_line(national_id: str, last: str, first: str, profession: str, department: str,
                   category: str = "C", role_code: str = "") -> str:
    values = dict.fromkeys(DIRECTORY_HEADER, "")
    values.update({
        "Type d'identifiant PP": national_id[0], "Identifiant PP": national_id[1:],
        "Identification nationale PP": national_id, "Nom d'exercice": last, "Prénom d'exercice": first,
        "Code profession": profession, "Code catégorie professionnelle": category,
        "Code Département (structure)": department, "Code rôle": role_code,
    })
    return "|".join(values[c] for c in DIRECTORY_HEADER) + "|"


def write_directory(path: Path, lines: list[str]) -> Path:
    path.write_text("\ufeff" + "|".join(DIRECTORY_HEADER) + "|\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path
