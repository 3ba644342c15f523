"""Invisible characters in staff lists: a BOM in the middle of a line, a no-break space or a zero-width
space in an id, a group, a header. Each is named (code point and Unicode name) with file, line, column
and place in the field; the BOM Excel writes at the very start of a file is accepted. Offline: the
readers only (test_links.py shows the same lines through `smur-iam links` and a real Keycloak)."""
from __future__ import annotations

import pytest

from mockpsc.testing import fresh_national_id
from provisioning.links.csv_source import SourceFormatError, read_csv
from provisioning.links.directory_source import read_directory
from staff_files import directory_line, staff_rows, write_csv, write_directory

BOM = "U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: a byte order mark, BOM)"
NBSP = "U+00A0 NO-BREAK SPACE (invisible)"
ZWSP = "U+200B ZERO WIDTH SPACE (invisible)"


def problems(staff) -> list[str]:
    return [str(p) for p in staff.problems]


def test_a_bom_at_the_very_start_of_the_file_is_accepted(tmp_path):
    """Excel's "CSV UTF-8" starts the file with a BOM: it is not part of the first column's name."""
    rows = staff_rows(2)
    source = write_csv(tmp_path / "staff.csv", rows, delimiter=";")
    source.write_text("\ufeff" + source.read_text(encoding="utf-8"), encoding="utf-8")
    staff = read_csv(source)
    assert staff.problems == [] and set(staff.members) == {r["national_id"] for r in rows}


def test_a_bom_in_the_middle_of_a_line_is_named_not_taken_for_a_type_prefix(tmp_path):
    rows = staff_rows(3)
    national_id = rows[1]["national_id"]
    rows[1]["national_id"] = "\ufeff" + national_id
    source = write_csv(tmp_path / "staff.csv", rows)
    staff = read_csv(source)
    assert problems(staff) == [
        f"{source}:3: national_id (column 1) holds {BOM} at character 1 of '\\uFEFF{national_id}': remove it"]
    assert "prefix" not in problems(staff)[0] and "\ufeff" not in problems(staff)[0]
    assert national_id not in staff.members and len(staff.members) == 2


def test_two_exports_pasted_together_name_the_second_header_line(tmp_path):
    first = write_csv(tmp_path / "a.csv", staff_rows(2)).read_text(encoding="utf-8")
    second = write_csv(tmp_path / "b.csv", staff_rows(2)).read_text(encoding="utf-8")
    source = tmp_path / "staff.csv"
    source.write_text("\ufeff" + first + "\ufeff" + second, encoding="utf-8")
    staff = read_csv(source)
    assert problems(staff) == [
        f"{source}:4: national_id (column 1) holds {BOM} at character 1 of '\\uFEFFnational_id': remove it"]
    assert len(staff.members) == 4


@pytest.mark.parametrize("column,value,character,where", [
    ("national_id", "8\u00a0{rpps}", NBSP, 2),
    ("national_id", "8{rpps}\u200b", ZWSP, 13),
    ("group", "SMUR\u00a067 Strasbourg", NBSP, 5),
    ("group", "SMUR 67 Strasbourg\u200b", ZWSP, 19),
    ("roles", "medecin\u200b|urgentiste", ZWSP, 8),
    ("email", "camille\u200b@chu.example", ZWSP, 8),
    ("last_name", "\u2060DURAND", "U+2060 WORD JOINER (invisible)", 1),
])
def test_an_invisible_character_is_named_with_its_column_and_place(tmp_path, column, value, character, where):
    [row] = staff_rows(1)
    row[column] = value.format(rpps=row["national_id"][1:])
    source = write_csv(tmp_path / "staff.csv", [row])
    number = ["national_id", "first_name", "last_name", "group", "roles", "email"].index(column) + 1
    shown = row[column].replace("\u00a0", "\\u00A0").replace("\u200b", "\\u200B").replace("\u2060", "\\u2060")
    assert problems(read_csv(source)) == [
        f"{source}:2: {column} (column {number}) holds {character} at character {where} of '{shown}': remove it"]


def test_a_name_may_hold_a_no_break_space_and_a_role_list_split_on_one(tmp_path):
    """A space is a space in a name (PSC's names replace it at first login) and between roles."""
    [row] = staff_rows(1)
    row["first_name"], row["roles"] = "Jean\u00a0Pierre", "medecin\u00a0urgentiste"
    staff = read_csv(write_csv(tmp_path / "staff.csv", [row]))
    assert staff.problems == []
    member = staff.members[row["national_id"]]
    assert member.first_name == "Jean\u00a0Pierre" and member.roles == {"medecin", "urgentiste"}


def test_an_rpps_column_names_the_invisible_character(tmp_path):
    rpps = fresh_national_id()[1:]
    source = tmp_path / "staff.csv"
    source.write_text(f"rpps,first_name,last_name\n{rpps[:5]}\u00a0{rpps[5:]},Camille,DURAND\n", encoding="utf-8")
    assert problems(read_csv(source)) == [
        f"{source}:2: rpps (column 1) holds {NBSP} at character 6 of '{rpps[:5]}\\u00A0{rpps[5:]}': remove it"]


def test_an_invisible_character_in_a_header_column_stops_the_file(tmp_path):
    source = tmp_path / "staff.csv"
    source.write_text("national_id,first_name\u200b,last_name\n899700218896,Camille,DURAND\n", encoding="utf-8")
    with pytest.raises(SourceFormatError) as refused:
        read_csv(source)
    assert str(refused.value) == (f"{source}:1: header (column 2) holds {ZWSP} at character 11 of "
                                  "'first_name\\u200B': remove it")


def test_the_directory_extraction_names_a_bom_in_a_national_id(tmp_path):
    kept, broken = fresh_national_id(), fresh_national_id()
    source = write_directory(tmp_path / "PS_LibreAcces_Personne_activite.txt", [  # it starts with a BOM
        directory_line(kept, "DURAND", "CAMILLE", "10", "67"),
        directory_line("\ufeff" + broken, "MARTIN", "ALEX", "10", "67"),
    ])
    staff = read_directory(source, departments=["67"])
    assert problems(staff) == [f"{source}:3: Identification nationale PP (column 3) holds {BOM} at character 1 "
                               f"of '\\uFEFF{broken}': remove it"]
    assert set(staff.members) == {kept}
