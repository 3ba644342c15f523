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
import io
import re
from pathlib import Path

from .staff import SourceRef, StaffList, StaffListBuilder, StaffMember

REQUIRED = ("first_name", "last_name")
KNOWN = {"national_id", "rpps", "first_name", "last_name", "group", "roles", "email"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SourceFormatError(ValueError):
    """The file as a whole cannot be read (header, encoding): nothing is planned."""


def group_path(name: str) -> str:
    name = name.strip()
    return name if name.startswith("/") else f"/{name}"


def read_csv(path: Path, *, sandbox: bool = False) -> StaffList:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceFormatError(f"{name}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
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

    builder = StaffListBuilder(sandbox)
    for row in reader:
        ref = SourceRef(name, reader.line_num)
        builder.result.rows_read += 1
        if None in row:
            builder.problem(ref, f"{len(row[None])} more field(s) than the header has columns")
            continue
        row = {k: (v or "").strip() for k, v in row.items()}
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
            groups={group_path(row["group"])} if row.get("group") else set(),
            roles={r for r in re.split(r"[|\s]+", row.get("roles", "")) if r},
            sources=[ref],
        )
        builder.add(ref, member, merge_repeats=False)
    return builder.result
