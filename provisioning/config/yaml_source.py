"""Load YAML while remembering where every value stands in the file.

PyYAML's composer gives nodes with marks; we build plain Python data plus a map
from each value's path (("clients", 0, "redirectUris")) to its line and column,
so validation errors can name the exact spot an admin has to fix.

Anchors and aliases (`&x` / `*x`, and `<<: *x` merges) are refused where they first
appear: nothing in these files needs them, and nested aliases expand exponentially
(a 400-byte file can stand for billions of nodes).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

Position = tuple[int, int]  # 1-based line, column


@dataclass
class YamlDocument:
    file: str
    data: object
    positions: dict[tuple, Position] = field(default_factory=dict)
    key_positions: dict[tuple, Position] = field(default_factory=dict)

    def position(self, path: tuple) -> Position | None:
        """Where ``path`` stands, or its nearest stated ancestor (for missing fields)."""
        path = tuple(path)
        while True:
            if path in self.key_positions:
                return self.key_positions[path]
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def error(self, path: tuple, message: str, field_name: str) -> ConfigError:
        line_col = self.position(path)
        line, col = line_col if line_col else (None, None)
        return ConfigError(self.file, line, col, field_name, message)


class _DuplicateKey(Exception):
    def __init__(self, key: str, mark):
        self.key, self.mark = key, mark


class _AnchorOrAlias(Exception):
    def __init__(self, event):
        self.event = event

    def message(self) -> str:
        if isinstance(self.event, yaml.AliasEvent):
            used = f"alias '*{self.event.anchor}'"
        else:
            used = f"anchor '&{self.event.anchor}'"
        return (f"YAML {used} refused: anchors and aliases are not allowed in these files "
                "(write the value out; nested aliases can expand to billions of nodes)")


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader's composer, stopping at the first anchor or alias, before any node is built."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AnchorOrAlias(event)
        return super().compose_node(parent, index)


def _mark(node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node, path: tuple, doc: YamlDocument):
    doc.positions[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = _build_scalar(key_node)
            if key in result:
                raise _DuplicateKey(str(key), key_node.start_mark)
            doc.key_positions[path + (key,)] = _mark(key_node)
            result[key] = _build(value_node, path + (key,), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc) for i, item in enumerate(node.value)]
    return _build_scalar(node)


def _build_scalar(node):
    # Resolve the scalar the way safe_load would (ints, bools, nulls, strings).
    constructor = yaml.SafeLoader(stream="")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.dispose()


_CLOSERS = {"[": "]", "{": "}"}


def _syntax_error(name: str, exc: yaml.MarkedYAMLError, text: str) -> ConfigError:
    """Where the parser gave up, and where the unclosed bracket or quote it tripped on opened: that
    one is only noticed lines later, so the second place is the one to fix. e.g.

    `smur-bretagne.yaml:12:9: YAML syntax error: while parsing a flow sequence that starts at line 7,
    column 14: expected ',' or ']', but got ':' (is the ']' closing it missing?)`
    """
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
    problem = exc.problem or str(exc)
    opened = exc.context_mark if exc.problem_mark else None
    if exc.context and opened is not None and _at(opened) != _at(mark):
        problem = f"{exc.context} that starts at {_where(opened)}: {problem}"
    elif exc.context:
        problem = f"{exc.context}, {problem}"
    hint = _unclosed_hint(exc, text, mark) if mark else ""
    return ConfigError(name, line, col, "", f"YAML syntax error: {problem}{hint}")


def _at(mark) -> tuple[int, int]:
    return mark.line, mark.column


def _where(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _unclosed_hint(exc: yaml.MarkedYAMLError, text: str, stop) -> str:
    """What is still open where the parser stopped: the innermost bracket, else a quoted value that
    ran on from an earlier line up to the error (its closing quote forgotten, the next quote closing it)."""
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        quote = _char_at(text, exc.context_mark)
        return f" (is the closing {quote} missing?)" if quote in ("'", '"') else " (is the closing quote missing?)"
    brackets, quoted = [], None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if _at(token.start_mark) >= _at(stop):
                break
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                brackets.append(token.start_mark)
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)) and brackets:
                brackets.pop()
            elif isinstance(token, yaml.ScalarToken) and token.style in ("'", '"') \
                    and token.start_mark.line < token.end_mark.line == stop.line:
                quoted = token
    except yaml.YAMLError:
        pass  # the scan stops where the parse did, or sooner: what it saw is enough
    if brackets:
        bracket = brackets[-1]
        char = _char_at(text, bracket)
        if exc.context_mark is not None and _at(exc.context_mark) == _at(bracket):
            return f" (is the '{_CLOSERS[char]}' closing it missing?)"
        return f" (the '{char}' at {_where(bracket)} is never closed: is its '{_CLOSERS[char]}' missing?)"
    if quoted is not None:
        quote = quoted.style
        return (f" (the {quote}-quoted value opened at {_where(quoted.start_mark)} runs on to line "
                f"{quoted.end_mark.line + 1}: is its closing {quote} missing?)")
    return ""


def _char_at(text: str, mark) -> str:
    lines = text.splitlines()
    return lines[mark.line][mark.column] if mark.line < len(lines) and mark.column < len(lines[mark.line]) else ""


def load_yaml(path: Path, display_name: str | None = None) -> tuple[YamlDocument | None, list[ConfigError]]:
    """Parse one YAML file; a syntax error comes back as a ConfigError, not an exception."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ConfigError(name, None, None, "", f"cannot read file: {exc}")]
    try:
        node = yaml.compose(text, Loader=_NoAliasLoader)
    except _AnchorOrAlias as refused:
        mark = refused.event.start_mark
        return None, [ConfigError(name, mark.line + 1, mark.column + 1, "", refused.message())]
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(name, exc, text)]
    except yaml.YAMLError as exc:
        return None, [ConfigError(name, None, None, "", f"YAML error: {exc}")]
    doc = YamlDocument(name, None)
    if node is None:
        return None, [ConfigError(name, 1, 1, "", "the file is empty")]
    try:
        doc.data = _build(node, (), doc)
    except _DuplicateKey as dup:
        return None, [
            ConfigError(name, dup.mark.line + 1, dup.mark.column + 1, dup.key,
                        f"key '{dup.key}' is given twice in the same mapping")
        ]
    except yaml.YAMLError as exc:
        return None, [ConfigError(name, None, None, "", f"YAML error: {exc}")]
    return doc, []
