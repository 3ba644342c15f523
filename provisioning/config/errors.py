"""Configuration errors that point at the file, line, column and field."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ConfigError:
    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    field: str  # dotted path, e.g. "clients[0].redirectUris[1]"
    message: str
    inherited_by: tuple[str, ...] = ()  # region files that inherit a value stated in the national defaults

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}{self._inherited_note()}"

    def _inherited_note(self) -> str:
        if not self.inherited_by:
            return ""
        names = sorted(Path(f).name for f in self.inherited_by)
        shown = ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:3])} and {len(names) - 3} more"
        return f" (inherited by {shown})"


class ConfigInvalid(Exception):
    """Raised with every error found, so an admin fixes them all in one pass."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = sorted(_collapse(errors), key=lambda e: (e.file, e.line or 0, e.column or 0, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _collapse(errors: list[ConfigError]) -> list[ConfigError]:
    """One error per spot: the same defaults error seen through 18 regions is reported once, naming them."""
    merged: dict[tuple, ConfigError] = {}
    for error in errors:
        spot = (error.file, error.line, error.column, error.field, error.message)
        if spot in merged:
            seen = merged[spot]
            merged[spot] = ConfigError(*spot, inherited_by=tuple(sorted(set(seen.inherited_by) | set(error.inherited_by))))
        else:
            merged[spot] = error
    return list(merged.values())
