"""ANS's public directory extraction `PS_LibreAcces_Personne_activite_<ts>.txt`.

`|`-separated, header on line 1, every line ending with a `|` (so a naive split
gives one extra empty field), one line per activity (a person with several
activities has several lines, same `Identification nationale PP`). Columns are
looked up by name: a 2021 variant lacks the last four. UTF-8, BOM tolerated;
older files may be Latin-1.

The national file is ≈ 900 MB and 2.3 million lines, of which a region keeps a few
thousand: it is streamed (`FileLines`), and a line is split into its fields only once
its national id or département says it is wanted.
"""
from __future__ import annotations

import codecs
from itertools import chain
from collections.abc import Iterable, Iterator
from pathlib import Path

from .csv_source import MAX_FIELD_LENGTH, SourceFormatError, too_long
from .departments import normalise_department
from .invisible import invisible_problem
from .roles import CATEGORY_ROLES, PROFESSION_ROLES, ROLE_CODE_ROLES
from .staff import SourceRef, StaffList, StaffListBuilder, StaffMember

NATIONAL_ID = "Identification nationale PP"
DEPARTMENT = "Code Département (structure)"
NEEDED = (NATIONAL_ID, "Nom d'exercice", "Prénom d'exercice", "Code profession", DEPARTMENT)
# Read this much of the file at a time: memory stays flat whatever the file's size, and the
# decoding and line splitting still run over large blocks in C.
CHUNK_BYTES = 1 << 20


class NotUtf8(Exception):
    """The file is not UTF-8 after all: it is read again from the start as Latin-1."""


class FileLines:
    """The lines of a file, exactly as ``decode(encoding).splitlines()`` gives them, read a chunk at a time.

    Decoding a whole chunk and splitting it with ``str.splitlines`` (rather than iterating the
    file's bytes by ``\\n``) keeps the line breaks, and so the line numbers in every message,
    those of reading the file whole. With ``utf-8-sig``, a byte sequence that is not UTF-8
    raises NotUtf8, wherever in the file it is."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding

    def blocks(self) -> Iterator[list[str]]:
        """The lines a chunk at a time: a list each (looping over a list costs less than resuming a
        generator for each of 2.3 million lines)."""
        decoder = codecs.getincrementaldecoder(self.encoding)()
        pending: list[str] = []  # the start of a line whose end has not been read yet
        with self.path.open("rb") as handle:
            while True:
                chunk = handle.read(CHUNK_BYTES)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    raise NotUtf8 from None
                if not chunk:
                    yield ("".join(pending) + text).splitlines()
                    return
                # Cut after the last '\n' (never the first half of a line break), else after the last
                # line break of another kind (a '\r' is kept back: a '\n' may follow in the next chunk).
                cut = text.rfind("\n") + 1
                if not cut:
                    pieces = text.splitlines(keepends=True)
                    cut = len(text) - len(pieces[-1]) if pieces else 0
                if not cut:
                    pending.append(text)  # a line longer than a chunk: joined once it ends
                    continue
                yield ("".join(pending) + text[:cut]).splitlines()
                pending = [text[cut:]]

    def __iter__(self) -> Iterator[str]:
        for block in self.blocks():
            yield from block

    def decodes(self) -> bool:
        """Whether the whole file decodes (read through, nothing kept)."""
        try:
            for _ in self:
                pass
        except NotUtf8:
            return False
        return True


def _fields(line: str) -> list[str]:
    fields = line.split("|")
    if fields and fields[-1] == "":
        fields.pop()  # the trailing `|`
    return fields


def _field(line: str, i: int, width: int, trailing: bool) -> str:
    """Field ``i`` of a line of ``width`` fields (``trailing``: it ends with `|`), without splitting
    the whole line: split from whichever end is nearer (the département is column 45 of 56)."""
    parts = width + trailing
    if i <= parts - 1 - i:
        return line.split("|", i + 1)[i]
    return line.rsplit("|", parts - i)[1]


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
    # UTF-8 is tried first; a file with a single byte that is not UTF-8 (pre-2021 extractions) is
    # all Latin-1, as when it was decoded whole.
    lines = FileLines(path, "utf-8-sig")
    try:
        return _read(lines, name, wanted_departments, national_ids, sandbox)
    except NotUtf8:
        pass
    except SourceFormatError:
        # Refused before reaching the end: the refusal stands if the file is UTF-8 throughout,
        # else it is judged on the Latin-1 reading (lengths and characters may differ).
        if lines.decodes():
            raise
    return _read(FileLines(path, "latin-1"), name, wanted_departments, national_ids, sandbox)


def read_header(line: str, name: str) -> tuple[list[str], dict[str, int]]:
    """Line 1 of the extraction: its columns, and where each is (columns are read by name)."""
    header = _fields(line)
    _check_lengths(line, header, [f"header column {i}" for i in range(1, len(header) + 1)], name, 1)
    for number, column in enumerate(header, start=1):
        problem = invisible_problem("header", number, column)
        if problem:
            raise SourceFormatError(f"{name}:1: {problem}")
    index = {column: i for i, column in enumerate(header)}
    missing = [column for column in NEEDED if column not in index]
    if missing:
        raise SourceFormatError(f"{name}:1: not a Personne_activite extraction, missing column(s): "
                                + ", ".join(missing))
    return header, index


def _read(lines: FileLines, name: str, wanted_departments: set[str] | None, national_ids: set[str] | None,
          sandbox: bool) -> StaffList:
    blocks = lines.blocks()
    first_block = next((block for block in blocks if block), None)
    if first_block is None:
        raise SourceFormatError(f"{name}: empty file")
    header, index = read_header(first_block[0], name)
    width, id_column, department_column = len(header), index[NATIONAL_ID], index[DEPARTMENT]

    department_wanted: dict[str, bool] = {}
    builder = StaffListBuilder(sandbox)
    number = 1
    for line in chain.from_iterable(chain([first_block[1:]], blocks)):
        number += 1
        if not line.strip():
            continue
        if len(line) > MAX_FIELD_LENGTH:
            _check_lengths(line, _fields(line), header, name, number)
        # The field count and the filter are read off the line itself: of the national file's
        # 2.3 million lines, only those wanted (a few thousand for an id list) are split and kept.
        trailing = line.endswith("|")
        count = line.count("|") + (not trailing)
        if count != width:
            builder.result.rows_read += 1
            builder.problem(SourceRef(name, number), f"{count} fields where the header has {width}")
            continue
        listed = national_ids is not None and _field(line, id_column, width, trailing).strip() in national_ids
        if not listed:
            if wanted_departments is None:
                continue
            department = _field(line, department_column, width, trailing)
            in_department = department_wanted.get(department)
            if in_department is None:  # a hundred-odd spellings in a file: each normalised once
                in_department = department_wanted[department] = normalise_department(department) in wanted_departments
            if not in_department:
                continue
        fields = _fields(line)
        ref = SourceRef(name, number)
        builder.result.rows_read += 1
        add_member(builder, ref, fields, index)
    return builder.result


def add_member(builder: StaffListBuilder, ref: SourceRef, fields: list[str], index: dict[str, int]) -> None:
    """One wanted line of the extraction (split into ``fields``, columns by name in ``index``): its
    professional with the roles their codes give, or the problem that keeps them out."""
    def value(column: str) -> str:
        i = index.get(column)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    raw_id = value(NATIONAL_ID)
    invisible = invisible_problem(NATIONAL_ID, index[NATIONAL_ID] + 1, raw_id)
    if invisible:
        builder.problem(ref, invisible)
        return
    national_id = builder.national_id(ref, raw_id)
    if national_id is None:
        return
    roles = set()
    for table, column in ((PROFESSION_ROLES, "Code profession"),
                          (CATEGORY_ROLES, "Code catégorie professionnelle"),
                          (ROLE_CODE_ROLES, "Code rôle")):
        role = table.get(value(column))
        if role:
            roles.add(role)
    first_name, last_name = value("Prénom d'exercice"), value("Nom d'exercice")
    if not first_name or not last_name:
        builder.problem(ref, "empty Prénom d'exercice or Nom d'exercice", national_id.value)
        return
    member = StaffMember(
        national_id=national_id.value, national_id_type=national_id.type, rpps=national_id.rpps,
        first_name=first_name, last_name=last_name, roles=frozenset(roles), sources=[ref])
    builder.add(ref, member, merge_repeats=True)
