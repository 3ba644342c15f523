"""A region file laid over the national defaults, remembering which file stated each value.

Rules (the model says which lists are keyed, through each item's `natural_key`):

- mappings are merged key by key, the region winning;
- lists of objects with a natural key (clients by clientId, roles by name, ...)
  are merged item by item on that key; a region item `{<key>: x, remove: true}`
  drops the inherited item, and `{remove: true}` drops an inherited mapping;
- any other value (strings, numbers, lists of plain values) is replaced.

Errors found after merging are reported where the value was written: the
provenance tree maps every path of the merged data back to (file, path in that
file), so a message points at the region file or at national-defaults.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pydantic

from .errors import ConfigError, format_path
from .yaml_source import YamlDocument

REMOVE = "remove"


@dataclass
class Provenance:
    """Where a merged value came from; `children` only where several files contributed."""
    doc: YamlDocument
    path: tuple
    children: dict = field(default_factory=dict)


class MergedDocument:
    """Merged data plus the way back to the file that stated each value (same `error()` as YamlDocument)."""

    def __init__(self, data, root: Provenance, region: YamlDocument):
        self.data = data
        self.root = root
        self.region = region

    def source(self, path: tuple) -> tuple[YamlDocument, tuple]:
        node, consumed = self.root, 0
        for part in path:
            if part not in node.children:
                break
            node, consumed = node.children[part], consumed + 1
        return node.doc, node.path + tuple(path[consumed:])

    def error(self, path: tuple, message: str, field_name: str | None = None) -> ConfigError:
        doc, source_path = self.source(tuple(path))
        error = doc.error(source_path, message, format_path(source_path))
        if doc is not self.region:
            error = ConfigError(error.file, error.line, error.column, error.field, error.message,
                                inherited_by=(self.region.file,))
        return error


def model_in(annotation) -> type[pydantic.BaseModel] | None:
    """The pydantic model an annotation holds (``list[Client] | None`` -> Client), if any."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_in(arg)
        if found:
            return found
    return None


def _is_list(annotation) -> bool:
    if getattr(annotation, "__origin__", None) is list:
        return True
    return any(_is_list(arg) for arg in getattr(annotation, "__args__", ()))


class _Merger:
    def __init__(self, base: YamlDocument, over: YamlDocument):
        self.base, self.over = base, over
        self.errors: list[ConfigError] = []

    def value(self, b, b_path, o, o_path, annotation):
        """Merge one value; returns (merged, Provenance)."""
        if isinstance(o, dict) and isinstance(b, dict):
            item_model = model_in(annotation)
            if item_model is not None and not _is_list(annotation):
                return self.mapping(b, b_path, o, o_path, item_model)
            if item_model is None and not _is_list(annotation):  # a free map (attributes, config)
                return self.mapping(b, b_path, o, o_path, None)
        if isinstance(o, list) and isinstance(b, list) and _is_list(annotation):
            item_model = model_in(annotation)
            key = getattr(item_model, "natural_key", None) if item_model else None
            if key:
                return self.keyed_list(b, b_path, o, o_path, item_model, key)
        return o, Provenance(self.over, o_path)

    def mapping(self, b: dict, b_path, o: dict, o_path, model):
        result, prov = {}, Provenance(self.over, o_path)
        fields = model.model_fields if model else {}
        for key, value in b.items():
            if key in o:
                continue
            result[key] = value
            prov.children[key] = Provenance(self.base, b_path + (key,))
        for key, value in o.items():
            info = fields.get(key)
            annotation = info.annotation if info else None
            if isinstance(value, dict) and value.get(REMOVE) is True:
                if len(value) > 1:
                    self._error(o_path + (key,), "`remove: true` takes no other key")
                    value = {k: v for k, v in value.items() if k != REMOVE}  # merged as if the marker were absent
                else:
                    if key not in b:
                        self._error(o_path + (key,), f"nothing inherited to remove: the national defaults have no '{key}'")
                    continue  # the inherited mapping is dropped
            if key not in b:
                if isinstance(value, list) and _is_list(annotation):
                    # A keyed list the defaults lack still goes through the merge, so `remove` items are caught.
                    result[key], prov.children[key] = self.value([], b_path + (key,), value, o_path + (key,), annotation)
                else:
                    result[key], prov.children[key] = value, Provenance(self.over, o_path + (key,))
                continue
            result[key], prov.children[key] = self.value(b[key], b_path + (key,), value, o_path + (key,), annotation)
        return result, prov

    def keyed_list(self, b: list, b_path, o: list, o_path, model, key: str):
        items: list[tuple[object, Provenance]] = [(item, Provenance(self.base, b_path + (i,))) for i, item in enumerate(b)]
        position: dict = {}
        for i, item in enumerate(b):
            if isinstance(item, dict) and _hashable(item.get(key)):
                if item[key] in position:
                    self._twice(self.base, b_path, i, position[item[key]], key)
                position.setdefault(item[key], i)
        removed: set[int] = set()
        seen: dict = {}
        for j, item in enumerate(o):
            here = o_path + (j,)
            if not isinstance(item, dict) or not _hashable(item.get(key)):
                items.append((item, Provenance(self.over, here)))  # validation reports what is missing
                continue
            name = item[key]
            if name in seen:
                self._twice(self.over, o_path, j, seen[name], key)
                continue
            seen[name] = j
            if item.get(REMOVE) is True and set(item) - {key, REMOVE}:
                self._error(here, f"`remove: true` takes only `{key}`")
                item = {k: v for k, v in item.items() if k != REMOVE}  # merged as if the marker were absent
            if item.get(REMOVE) is True:
                if name not in position:
                    self._error(here + (key,), f"nothing inherited to remove: the national defaults have no "
                                               f"{key} '{name}'")
                else:
                    removed.add(position[name])
                continue
            if name in position:
                i = position[name]
                items[i] = self.mapping(b[i], b_path + (i,), item, here, model)
            else:
                items.append((item, Provenance(self.over, here)))
        kept = [entry for i, entry in enumerate(items) if i not in removed]
        prov = Provenance(self.over, o_path, {i: p for i, (_, p) in enumerate(kept)})
        return [value for value, _ in kept], prov

    def _error(self, path, message):
        self.errors.append(self.over.error(path, message, format_path(path)))

    def _twice(self, doc, list_path, index, first, key):
        path = list_path + (index, key)
        self.errors.append(doc.error(path, f"{key} '{doc_value(doc, path)}' is given twice in this list "
                                           f"(first at {format_path(list_path + (first,))})", format_path(path)))


def doc_value(doc: YamlDocument, path: tuple):
    value = doc.data
    for part in path:
        value = value[part]
    return value


def _hashable(value) -> bool:
    return isinstance(value, (str, int, float, bool))


def inherit(defaults: YamlDocument | None, region: YamlDocument, model: type) -> tuple[MergedDocument, list[ConfigError]]:
    """The region file merged over the national defaults (either may be absent keys-wise)."""
    if not isinstance(region.data, dict):
        return MergedDocument(region.data, Provenance(region, ()), region), []
    # Without defaults the region is merged over nothing: keyed lists are still checked for duplicates.
    base = defaults.data if defaults is not None and isinstance(defaults.data, dict) else {}
    merger = _Merger(defaults, region)
    data, prov = merger.mapping(base, (), region.data, (), model)
    return MergedDocument(data, prov, region), merger.errors
