"""The national directory extraction, streamed: the same staff list, messages and line numbers as
reading the file whole, whatever the chunk boundaries, line breaks and encoding. Offline (the reader
only); how long and how much memory a national-size file takes is bench/national_extraction.py's job."""
from __future__ import annotations

import pytest

from mockpsc.testing import fresh_national_id
from provisioning.links import directory_source
from provisioning.links.csv_source import SourceFormatError
from provisioning.links.directory_source import read_directory
from staff_files import DIRECTORY_HEADER, directory_line, write_directory

HEADER = "|".join(DIRECTORY_HEADER) + "|"
MIB = 1 << 20


def others(count: int) -> list[str]:
    """Lines of people in another region, to push the lines under test past the first chunks."""
    return [directory_line(fresh_national_id(), f"NOM{i}", f"Prenom{i}", "10", "75") for i in range(count)]


def problems(staff) -> list[str]:
    return [str(p) for p in staff.problems]


def test_a_latin1_extraction_is_read_as_latin1_across_chunks(tmp_path):
    """Pre-2021 extractions are Latin-1: accents stay accents on every line, the first as the last."""
    first, last = fresh_national_id(), fresh_national_id()
    lines = [directory_line(first, "LÉVÊQUE", "Anaïs", "10", "67")] + others(12_000) \
        + [directory_line(last, "LEFÈVRE", "Zoé", "60", "68")]
    source = tmp_path / "PS_LibreAcces_Personne_activite_201912010000.txt"
    source.write_bytes((HEADER + "\n" + "\n".join(lines) + "\n").encode("latin-1"))
    assert source.stat().st_size > MIB  # more than one chunk

    staff = read_directory(source, departments=["67", "68"])

    assert problems(staff) == [] and staff.rows_read == 2
    assert (staff.members[first].last_name, staff.members[first].first_name) == ("LÉVÊQUE", "Anaïs")
    assert (staff.members[last].last_name, staff.members[last].first_name) == ("LEFÈVRE", "Zoé")
    assert staff.members[last].where == f"{source}:{len(lines) + 1}"


def test_a_non_utf8_byte_late_in_the_file_decides_for_the_whole_file(tmp_path):
    """One Latin-1 byte after a megabyte of UTF-8 (two exports pasted together): as when the file was
    read whole, the whole file is taken for Latin-1, so its UTF-8 header no longer has the accented
    column names, and nothing is read rather than half a file in one encoding and half in another."""
    lines = [directory_line(fresh_national_id(), "MARTIN", "Zoé", "10", "67")] + others(12_000)
    source = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    body = ("\n".join(lines) + "\n").encode("utf-8")
    source.write_bytes(HEADER.encode("utf-8") + b"\n" + body
                       + directory_line(fresh_national_id(), "LEFÈVRE", "Zoé", "60", "67").encode("latin-1") + b"\n")
    assert source.stat().st_size > MIB

    with pytest.raises(SourceFormatError) as refused:
        read_directory(source, departments=["67"])

    assert str(refused.value) == (f"{source}:1: not a Personne_activite extraction, missing column(s): "
                                  "Prénom d'exercice, Code Département (structure)")


def test_a_refusal_early_in_the_file_waits_for_its_encoding(tmp_path):
    """A field too long on line 2 of the UTF-8 reading, and a Latin-1 byte a megabyte later: the file
    is judged as a whole, as when it was read whole: Latin-1, and its header is what is wrong."""
    lines = [directory_line(fresh_national_id(), "MARTIN", "C" * 1_001, "10", "67")] + others(12_000)
    source = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    late = directory_line(fresh_national_id(), "LEFÈVRE", "Zoé", "60", "67")
    utf8 = (HEADER + "\n" + "\n".join(lines) + "\n").encode("utf-8")
    source.write_bytes(utf8 + late.encode("latin-1") + b"\n")
    assert source.stat().st_size > MIB

    with pytest.raises(SourceFormatError) as refused:
        read_directory(source, departments=["67"])

    assert str(refused.value) == (f"{source}:1: not a Personne_activite extraction, missing column(s): "
                                  "Prénom d'exercice, Code Département (structure)")
    source.write_bytes(utf8 + late.encode("utf-8") + b"\n")
    with pytest.raises(SourceFormatError) as refused:  # all UTF-8: the long field it is
        read_directory(source, departments=["67"])
    assert str(refused.value) == (f"{source}:2: column 'Prénom d'exercice' holds 1,001 characters (at most 1,000): "
                                  "a broken file, nothing was read")


def test_a_bom_at_the_start_is_not_part_of_the_first_column(tmp_path):
    """The national id as the first column: a BOM kept in its name would lose the column."""
    wanted, other = fresh_national_id(), fresh_national_id()
    source = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    source.write_text("\ufeffIdentification nationale PP|Nom d'exercice|Prénom d'exercice|Code profession|"
                      "Code Département (structure)|\n"
                      f"{wanted}|MARTIN|Camille|10|51|\n{other}|DURAND|Alex|60|51|\n", encoding="utf-8")

    staff = read_directory(source, national_ids={wanted})

    assert problems(staff) == [] and staff.rows_read == 1 and set(staff.members) == {wanted}
    assert staff.members[wanted].roles == {"medecin"} and staff.members[wanted].where == f"{source}:2"


def test_a_latin1_file_behind_a_utf8_bom_is_read_as_latin1(tmp_path):
    """A BOM does not make a file UTF-8: its Latin-1 names are still read as Latin-1."""
    national_id = fresh_national_id()
    source = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    line = directory_line(national_id, "LEFÈVRE", "Zoé", "60", "67")
    source.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\n" + line + "\n").encode("latin-1"))
    staff = read_directory(source, departments=["67"])
    assert problems(staff) == [] and staff.members[national_id].last_name == "LEFÈVRE"


@pytest.mark.parametrize("chunk", [1, 3, 64, directory_source.CHUNK_BYTES])
def test_rows_and_errors_name_their_line_whatever_the_chunks_and_line_breaks(tmp_path, monkeypatch, chunk):
    """Windows line breaks, a lone '\\r' and a form feed (line breaks to Python's str.splitlines, so
    to the reader that read the file whole) fall anywhere across chunk boundaries."""
    monkeypatch.setattr(directory_source, "CHUNK_BYTES", chunk)
    doctor, nurse, student, bad, unlisted = (fresh_national_id() for _ in range(5))
    lines = [
        directory_line(doctor, "MARTIN", "Alice", "10", "67"),                # line 2
        "",                                                                   # 3: blank, skipped
        directory_line(nurse, "PETIT", "Bruno", "60", "67"),                  # 4
        directory_line(unlisted, "DUPONT", "Clara", "10", "75")[:-1],  # 5: a field short, whoever it is
        directory_line(bad[:-1] + str((int(bad[-1]) + 1) % 10), "LEROY", "Dan", "10", "67"),  # 6: Luhn
        directory_line(student, "MOREAU", "Eve", "10", "67", category="E"),   # 7
        directory_line(doctor, "MARTIN", "Alice", "10", "67", role_code="314"),  # 8: a second activity
    ]
    source = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    breaks = ["\r\n", "\n", "\r", "\x0c", "\r\n", "\r\n", "\n"]  # '\n' then '\r': two breaks
    source.write_bytes(("\ufeff" + HEADER + "".join(b + line for b, line in zip(breaks, lines)) + "\r\n").encode())

    staff = read_directory(source, departments=["67"])

    wrong = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    assert problems(staff) == [
        f"{source}:5: 55 fields where the header has 56",
        f"{source}:6: national id '{wrong}': RPPS {wrong[1:]} fails its Luhn check digit (typo?)",
    ]
    assert staff.rows_read == 6
    assert {m: [str(s) for s in staff.members[m].sources] for m in staff.members} == {
        doctor: [f"{source}:2", f"{source}:8"], nurse: [f"{source}:4"], student: [f"{source}:7"]}
    assert staff.members[doctor].roles == {"medecin", "ambulancier"}
    assert staff.members[student].roles == {"medecin", "interne"}


def test_a_national_id_list_keeps_only_its_people_and_still_reports_broken_lines(tmp_path):
    """Only listed people become rows (an id written with spaces around it still matches); a line
    with the wrong number of fields is reported whoever it is about, as before."""
    listed, spaced, unlisted = fresh_national_id(), fresh_national_id(), fresh_national_id()
    lines = others(12_000) + [
        directory_line(listed, "MARTIN", "Alice", "10", "13"),
        directory_line(f" {spaced} ", "PETIT", "Bruno", "60", "2A"),
        directory_line(unlisted, "DUPONT", "Clara", "10", "67") + "extra|",
        directory_line(unlisted, "DUPONT", "Clara", "10", "67"),
    ]
    source = write_directory(tmp_path / "PS_LibreAcces_Personne_activite.txt", lines)
    assert source.stat().st_size > MIB

    staff = read_directory(source, national_ids={listed, spaced})

    assert problems(staff) == [f"{source}:{len(lines)}: 57 fields where the header has 56"]
    assert set(staff.members) == {listed, spaced} and staff.rows_read == 3
    assert staff.members[spaced].where == f"{source}:{len(lines) - 1}"


def test_a_field_too_long_late_in_the_file_names_its_line_and_column(tmp_path):
    lines = others(12_000) + [directory_line(fresh_national_id(), "MARTIN", "C" * 1_001, "10", "67")]
    source = write_directory(tmp_path / "PS_LibreAcces_Personne_activite.txt", lines)
    with pytest.raises(SourceFormatError) as refused:
        read_directory(source, national_ids={fresh_national_id()})
    assert str(refused.value) == (f"{source}:{len(lines) + 1}: column 'Prénom d'exercice' holds 1,001 characters "
                                  "(at most 1,000): a broken file, nothing was read")
