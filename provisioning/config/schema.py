"""The JSON Schema of the files, generated from the very model that validates them.

Published in `realm/schema/` (`smur-iam schema`) for editor completion; a test
checks the published files equal what the model generates, so they never drift.
Region files and the national defaults share one schema: with inheritance any
field may be left to the other file, so nothing is `required` there (the
merged result is checked by `smur-iam validate`), and every inherited object
accepts the `remove: true` marker.
"""
from __future__ import annotations

import json

from .catalogue import MapperCatalogue
from .inheritance import REMOVE
from .model import Deployment, Region

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _without_required(node):
    if isinstance(node, dict):
        return {k: _without_required(v) for k, v in node.items() if k != "required"}
    if isinstance(node, list):
        return [_without_required(v) for v in node]
    return node


def region_schema() -> dict:
    schema = _without_required(Region.model_json_schema())
    for definition in schema.get("$defs", {}).values():
        if definition.get("type") == "object":
            definition.setdefault("properties", {})[REMOVE] = {
                "type": "boolean", "description": "drop this inherited object (with its natural key only)"}
    return {"$schema": DIALECT, "$id": "region.schema.json",
            **schema, "title": "smur-iam region file or national defaults",
            "description": "A region realm (realm/<region>.yaml) or what every region inherits "
                           "(realm/national-defaults.yaml). Validated with `smur-iam validate`."}


def _document(model, name: str, title: str) -> dict:
    return {"$schema": DIALECT, "$id": name, **model.model_json_schema(), "title": title}


def schema_files() -> dict[str, str]:
    """File name -> content of every published schema."""
    documents = {
        "region.schema.json": region_schema(),
        "deployment.schema.json": _document(Deployment, "deployment.schema.json", "smur-iam deployment.yaml"),
        "mapper-catalogue.schema.json": _document(MapperCatalogue, "mapper-catalogue.schema.json",
                                                  "smur-iam identity-provider mapper catalogue"),
    }
    return {name: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
            for name, doc in documents.items()}
