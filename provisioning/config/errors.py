"""Configuration errors that point at the file, line, column and field."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigError:
    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    field: str  # dotted path, e.g. "clients[0].redirectUris[1]"
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ConfigInvalid(Exception):
    """Raised with every error found, so an admin fixes them all in one pass."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = sorted(errors, key=lambda e: (e.file, e.line or 0, e.column or 0))
        super().__init__("\n".join(str(e) for e in self.errors))


def format_path(path: tuple) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
