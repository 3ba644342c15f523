"""Invisible characters in staff list fields: named, with their column and place, never passed on.

A byte order mark (U+FEFF) in the middle of a file (two exports pasted together), a no-break space
or a zero-width space copied from a web page: in an id, a group or an e-mail they make another
string that matches nothing, and no one can see why. The BOM Excel writes at the very start of a
file is not in any field (the file is read as utf-8-sig).
"""
from __future__ import annotations

import unicodedata

from psc_ids.national_id import describe_character, first_invisible, shown


def invisible_problem(column: str, number: int, value: str, *, spaces: bool = True) -> str | None:
    """What to tell the admin about the first invisible character of ``value`` (column ``number``,
    1-based), or None. ``spaces=False``: only format characters count (a name's no-break space or a
    role list's separator is still a space)."""
    if value.isascii():  # the usual field, checked without a Python-level loop (100,000 rows)
        return None
    index = first_invisible(value) if spaces else next(
        (i for i, c in enumerate(value) if unicodedata.category(c) == "Cf"), None)
    if index is None:
        return None
    return (f"{column} (column {number}) holds {describe_character(value[index])} at character {index + 1} "
            f"of '{shown(value)}': remove it")
