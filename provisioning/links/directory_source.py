"""ANS's public directory extraction `PS_LibreAcces_Personne_activite_<ts>.txt`.

`|`-separated, header on line 1, every line ending with a `|` (so a naive split
gives one extra empty field), one line per activity (a person with several
activities has several lines, same `Identification nationale PP`). Columns are
looked up by name: a 2021 variant lacks the last four. UTF-8, BOM tolerated;
older files may be Latin-1.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .csv_source import MAX_FIELD_LENGTH, SourceFormatError, too_long
from .departments import normalise_department
from .invisible import invisible_problem
from .roles import CATEGORY_ROLES, PROFESSION_ROLES, ROLE_CODE_ROLES
from .staff import SourceRef, StaffList, StaffListBuilder, StaffMember

NATIONAL_ID = "Identification nationale PP"
NEEDED = (NATIONAL_ID, "Nom d'exercice", "Prénom d'exercice", "Code profession", "Code Département (structure)")


def _lines(path: Path):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # pre-2021 extractions
    return text.splitlines()


def _fields(line: str) -> list[str]:
    fields = line.split("|")
    if fields and fields[-1] == "":
        fields.pop()  # the trailing `|`
    return fields


def _check_lengths(line: str, fields: list[str], columns: list[str], name: str, number: int) -> None:
    """Refuse the file at a field far longer than any real one (a line this short cannot hold one)."""
    if len(line) <= MAX_FIELD_LENGTH:
        return
    for i, text in enumerate(fields):
        if len(text) > MAX_FIELD_LENGTH:
            column = f"column '{columns[i]}'" if i < len(columns) else f"field {i + 1} (beyond the header's columns)"
            raise too_long(name, number, column, len(text))


def read_directory(path: Path, *, departments: Iterable[str] | None = None,
                   national_ids: set[str] | None = None, sandbox: bool = False) -> StaffList:
    """Read the people of the extraction, kept if their structure is in ``departments``
    or their national id is in ``national_ids`` (at least one filter is required)."""
    name = str(path)
    if departments is None and national_ids is None:
        raise SourceFormatError(f"{name}: the national directory must be filtered to the region "
                                "(by departments/region code or by a national id list)")
    wanted_departments = {normalise_department(d) for d in departments} if departments is not None else None
    lines = _lines(path)
    if not lines:
        raise SourceFormatError(f"{name}: empty file")
    header = _fields(lines[0])
    _check_lengths(lines[0], header, [f"header column {i}" for i in range(1, len(header) + 1)], name, 1)
    for number, column in enumerate(header, start=1):
        problem = invisible_problem("header", number, column)
        if problem:
            raise SourceFormatError(f"{name}:1: {problem}")
    index = {column: i for i, column in enumerate(header)}
    missing = [column for column in NEEDED if column not in index]
    if missing:
        raise SourceFormatError(f"{name}:1: not a Personne_activite extraction, missing column(s): "
                                + ", ".join(missing))

    def value(fields: list[str], column: str) -> str:
        i = index.get(column)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    builder = StaffListBuilder(sandbox)
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = _fields(line)
        _check_lengths(line, fields, header, name, number)
        ref = SourceRef(name, number)
        if len(fields) != len(header):
            builder.result.rows_read += 1
            builder.problem(ref, f"{len(fields)} fields where the header has {len(header)}")
            continue
        raw_id = value(fields, NATIONAL_ID)
        in_department = wanted_departments is not None and \
            normalise_department(value(fields, "Code Département (structure)")) in wanted_departments
        listed = national_ids is not None and raw_id in national_ids
        if not (in_department or listed):
            continue
        builder.result.rows_read += 1
        invisible = invisible_problem(NATIONAL_ID, index[NATIONAL_ID] + 1, raw_id)
        if invisible:
            builder.problem(ref, invisible)
            continue
        national_id = builder.national_id(ref, raw_id)
        if national_id is None:
            continue
        roles = set()
        for table, column in ((PROFESSION_ROLES, "Code profession"),
                              (CATEGORY_ROLES, "Code catégorie professionnelle"),
                              (ROLE_CODE_ROLES, "Code rôle")):
            role = table.get(value(fields, column))
            if role:
                roles.add(role)
        first, last = value(fields, "Prénom d'exercice"), value(fields, "Nom d'exercice")
        if not first or not last:
            builder.problem(ref, "empty Prénom d'exercice or Nom d'exercice", national_id.value)
            continue
        member = StaffMember(
            national_id=national_id.value, national_id_type=national_id.type, rpps=national_id.rpps,
            first_name=first, last_name=last, roles=frozenset(roles), sources=[ref])
        builder.add(ref, member, merge_repeats=True)
    return builder.result
