"""Our CSV staff list: the columns an IAM admin fills from the hospital's HR export.

Columns (header on line 1, by name, `,` or `;` separated, UTF-8 with or without BOM):
  national_id   8 + RPPS, 0 + ADELI, ...    (or `rpps`: the 11-digit RPPS alone)
  first_name, last_name                     required
  group         SMUR base, a group path or name ("SMUR 67 Strasbourg" → "/SMUR 67 Strasbourg")
  roles         realm roles separated by `|` or spaces (e.g. "medecin|urgentiste")
  email         optional, shown to admins, never used to link
"""
from __future__ import annotations

import csv
import functools
import re
from contextlib import contextmanager
from pathlib import Path

from .invisible import invisible_problem
from .staff import SourceRef, StaffList, StaffListBuilder, StaffMember

REQUIRED = ("first_name", "last_name")
KNOWN = {"national_id", "rpps", "first_name", "last_name", "group", "roles", "email"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# No name, group, role list or e-mail comes near this: a longer field is a broken file (an unclosed
# quote swallowing the lines after it, say) and the whole file is refused, naming line and column.
MAX_FIELD_LENGTH = 1000


class SourceFormatError(ValueError):
    """The file as a whole cannot be read (header, encoding, a field far too long): nothing is planned."""


def too_long(name: str, line: int, column: str, length: int, cause: str = "") -> SourceFormatError:
    return SourceFormatError(f"{name}:{line}: {column} holds {length:,} characters (at most {MAX_FIELD_LENGTH:,}): "
                             f"a broken file{cause}, nothing was read")


@contextmanager
def _csv_fields_up_to(size: int):
    """Let the csv module read fields up to ``size`` characters, so our own check, which names the
    line and the column, sees an oversized field first (csv's default limit raises a bare error)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def group_path(name: str) -> str:
    name = name.strip()
    return name if name.startswith("/") else f"/{name}"


def read_csv(path: Path, *, sandbox: bool = False) -> StaffList:
    name = str(path)
    try:
        return _read_csv(path, name, sandbox)
    except UnicodeDecodeError:
        raise SourceFormatError(_where_not_utf8(path, name)) from None


def _where_not_utf8(path: Path, name: str) -> str:
    """The line and byte of the first invalid UTF-8 sequence (the streamed decoder only knows its chunk)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return f"{name}:{line}: not UTF-8 ({exc.reason} at byte {exc.start})"
    return f"{name}: not UTF-8"


def _read_csv(path: Path, name: str, sandbox: bool) -> StaffList:
    handle = path.open(encoding="utf-8-sig", newline="")  # streamed: a national list is tens of MB
    with handle, _csv_fields_up_to(path.stat().st_size + 1):
        first_line = handle.readline()
        handle.seek(0)
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return _read_rows(csv.DictReader(handle, delimiter=delimiter), name, sandbox)


def _check_lengths(row: dict, name: str, first_line: int) -> None:
    if None not in row:  # the usual row, checked in one C-level pass (a national list has 100,000)
        try:
            if max(map(len, row.values()), default=0) <= MAX_FIELD_LENGTH:
                return
        except TypeError:  # a short row: its missing columns are None
            pass
    for column, value in row.items():
        values = value if column is None else [value]  # None: the fields beyond the header's columns
        for text in values:
            if text is not None and len(text) > MAX_FIELD_LENGTH:
                where = f"column '{column}'" if column is not None else "a field beyond the header's columns"
                raise too_long(name, first_line, where, len(text), " (an unclosed quote?)")


# Names and roles may hold any space (a role list is split on spaces); every field refuses format
# characters (a BOM, a zero-width space), and the ones that name something refuse odd spaces too.
_SPACES_MATTER = frozenset({"national_id", "rpps", "group", "email"})


def _invisible_field(row: dict, columns: dict[str, int]) -> str | None:
    for column, value in row.items():
        problem = invisible_problem(column, columns[column], value, spaces=column in _SPACES_MATTER)
        if problem:
            return problem
    return None


def _read_rows(reader: csv.DictReader, name: str, sandbox: bool) -> StaffList:
    raw_header = reader.fieldnames or []
    for number, column in enumerate(raw_header, start=1):
        if len(column) > MAX_FIELD_LENGTH:
            raise too_long(name, 1, f"header column {number}", len(column), " (an unclosed quote?)")
    header = [h.strip() for h in raw_header]
    for number, column in enumerate(header, start=1):
        problem = invisible_problem("header", number, column)
        if problem:
            raise SourceFormatError(f"{name}:1: {problem}")
    reader.fieldnames = header
    columns = {column: number for number, column in enumerate(header, start=1)}
    unknown = [h for h in header if h not in KNOWN]
    missing = [h for h in REQUIRED if h not in header]
    if "national_id" not in header and "rpps" not in header:
        missing.append("national_id (or rpps)")
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s): {', '.join(unknown)} (expected: {', '.join(sorted(KNOWN))})")
        raise SourceFormatError(f"{name}:1: " + "; ".join(parts))

    # One frozenset per distinct group or roles text, shared by every member who has it.
    @functools.cache
    def groups_of(text: str) -> frozenset[str]:
        return frozenset({group_path(text)}) if text else frozenset()

    @functools.cache
    def roles_of(text: str) -> frozenset[str]:
        return frozenset(r for r in re.split(r"[|\s]+", text) if r)

    builder = StaffListBuilder(sandbox)
    last_line = reader.line_num
    for row in reader:
        first_line, last_line = last_line + 1, reader.line_num  # a quoted field may span lines
        _check_lengths(row, name, first_line)
        ref = SourceRef(name, reader.line_num)
        builder.result.rows_read += 1
        if None in row:
            builder.problem(ref, f"{len(row[None])} more field(s) than the header has columns")
            continue
        row = {k: (v or "").strip() for k, v in row.items()}
        invisible = _invisible_field(row, columns)
        if invisible:
            builder.problem(ref, invisible)
            continue
        if row.get("national_id"):
            national_id = builder.national_id(ref, row["national_id"])
        elif row.get("rpps"):
            national_id = builder.national_id(ref, row["rpps"], from_rpps=True)
        else:
            builder.problem(ref, "no national_id (nor rpps)")
            continue
        if national_id is None:
            continue
        empty = [column for column in REQUIRED if not row.get(column)]
        if empty:
            builder.problem(ref, f"empty {', '.join(empty)}", national_id.value)
            continue
        email = row.get("email") or None
        if email and not EMAIL.match(email):
            builder.problem(ref, f"email '{email}' is not an address", national_id.value)
            continue
        member = StaffMember(
            national_id=national_id.value, national_id_type=national_id.type, rpps=national_id.rpps,
            first_name=row["first_name"], last_name=row["last_name"], email=email,
            groups=groups_of(row.get("group", "")), roles=roles_of(row.get("roles", "")),
            sources=[ref],
        )
        builder.add(ref, member, merge_repeats=False)
    return builder.result
