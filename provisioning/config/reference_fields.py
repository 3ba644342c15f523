"""Which fields take `${env:…}`/`${file:…}` references, read from the model's own types, and the
check of every file against them before validation.

A field takes references only when its type carries a `ReferencesAllowed` marker (the `Secret`
and `ReferenceText` types of model.py); every other string — display names, descriptions,
attribute values, messages, mapper settings, keys — refuses them, so a file cannot copy a
variable or a file into a value that plans show. The check runs on the files as written (not
merged), so an error points at the exact line, in the region file or in the national defaults.
It also records which variables the secret fields read: a non-secret field may never read them.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pydantic

from .errors import ConfigError, format_path
from .references import REFERENCE, REFERENCE_START, ReferencesAllowed
from .yaml_source import YamlDocument

ANY_INDEX = "[]"  # any item of a list
ANY_KEY = "<name>"  # any key of a free mapping (e.g. psc.environments)


@dataclass(frozen=True)
class ReferenceField:
    path: tuple  # of field names, ANY_INDEX and ANY_KEY
    kind: str  # "secret" or "value"

    def matches(self, path: tuple) -> bool:
        if len(path) != len(self.path):
            return False
        for want, got in zip(self.path, path):
            if want == ANY_INDEX:
                if not isinstance(got, int):
                    return False
            elif want == ANY_KEY:
                if not isinstance(got, str):
                    return False
            elif want != got:
                return False
        return True

    def __str__(self) -> str:
        """`clients[].redirectUris` (a list of references is named like the field)."""
        path = self.path[:-1] if self.path[-1:] == (ANY_INDEX,) else self.path
        text = ""
        for part in path:
            text += part if part == ANY_INDEX else (f".{part}" if text else part)
        return text


def _marker(metadata) -> str | None:
    return next((m.kind for m in metadata if isinstance(m, ReferencesAllowed)), None)


def _walk(annotation, metadata, path: tuple, found: list[ReferenceField]) -> None:
    kind = _marker(metadata)
    if kind:
        found.append(ReferenceField(path, kind))
        return
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        _walk(args[0], annotation.__metadata__, path, found)
    elif origin in (list, tuple, set, frozenset):
        _walk(args[0], (), path + (ANY_INDEX,), found)
    elif origin is dict:
        _walk(args[1], (), path + (ANY_KEY,), found)
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            _walk(arg, (), path, found)
    elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        for name, info in annotation.model_fields.items():
            _walk(info.annotation, info.metadata, path + (name,), found)


@cache
def reference_fields(model: type[pydantic.BaseModel]) -> tuple[ReferenceField, ...]:
    """Every field of ``model`` (nested models included) whose type takes references."""
    found: list[ReferenceField] = []
    _walk(model, (), (), found)
    return tuple(found)


def refusal_message(model: type[pydantic.BaseModel]) -> str:
    fields = reference_fields(model)
    if not fields:
        return "references (${env:…}/${file:…}) are not allowed in this file"
    return "references (${env:…}/${file:…}) are only allowed in: " + ", ".join(str(f) for f in fields)


def _strings(value, path: tuple = ()):
    """(path, text) of every string in a YAML document, mapping keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield path + (key,), key
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, path + (i,))
    elif isinstance(value, str):
        yield path, value


class ReferenceCheck:
    """Run over every file of a configuration before validating any: refuses references outside
    the fields that take them, and gathers the variables secret fields read (``secret_variables``:
    name -> where), which the non-secret reference fields then refuse (see expand_values)."""

    def __init__(self):
        self.secret_variables: dict[str, str] = {}

    def check(self, doc: YamlDocument, model: type[pydantic.BaseModel],
              inherited_by: tuple[str, ...] = ()) -> list[ConfigError]:
        """``inherited_by``: the region files that inherit ``doc`` (the national defaults), for the messages."""
        fields = reference_fields(model)
        errors = []
        for path, text in _strings(doc.data):
            if not REFERENCE_START.search(text):
                continue
            field = next((f for f in fields if f.matches(path)), None)
            if field is None:
                error = doc.error(path, refusal_message(model), format_path(path))
                errors.append(dataclasses.replace(error, inherited_by=inherited_by))
            elif field.kind == "secret":
                for match in REFERENCE.finditer(text):
                    if match[1] == "env":
                        self.secret_variables.setdefault(
                            match[2], f"{format_path(path)} in {Path(doc.file).name}")
        return errors
