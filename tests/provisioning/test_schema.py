"""The published JSON Schema is the model's own, and an editor using it accepts the shipped files."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from fixtures.realms import REPO, run_cli

SCHEMA_DIR = REPO / "realm" / "schema"


def test_published_schema_is_generated_from_the_model():
    result = run_cli("schema", "--out", str(SCHEMA_DIR), "--check", env={})
    assert result.returncode == 0, f"run `smur-iam schema` after changing the model:\n{result.stderr}"


def test_stale_schema_is_detected(tmp_path):
    run_cli("schema", "--out", str(tmp_path), env={})
    (tmp_path / "region.schema.json").write_text("{}\n")
    result = run_cli("schema", "--out", str(tmp_path), "--check", env={})
    assert result.returncode == 1 and "region.schema.json" in result.stderr


@pytest.mark.parametrize("path", sorted((REPO / "realm").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_files_match_the_schema(path):
    name = "deployment.schema.json" if path.name == "deployment.yaml" else "region.schema.json"
    schema = json.loads((SCHEMA_DIR / name).read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))
    assert path.read_text().splitlines()[0] == f"# yaml-language-server: $schema=schema/{name}"


def test_schema_catches_what_an_editor_should_flag():
    schema = json.loads((SCHEMA_DIR / "region.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    bad = {"realm": "smur-x", "clients": [{"clientId": "app", "type": "private", "secret": "in-clear"}],
           "identityProvider": {"clientAuthMetod": "client_secret_basic"}}
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert any("'private' is not one of" in m for m in messages)
    assert any("'in-clear' is not valid" in m for m in messages)  # a secret must be a ${env:..}/${file:..} reference
    assert any("clientAuthMetod" in m for m in messages)
    # Inheritance: nothing is required in a region file, and `remove: true` is allowed on inherited objects.
    assert not list(validator.iter_errors({"clients": [{"clientId": "smur-api", "remove": True}]}))
    assert (REPO / "mappers" / "catalogue.yaml").exists()
    catalogue = json.loads((SCHEMA_DIR / "mapper-catalogue.schema.json").read_text())
    jsonschema.Draft202012Validator(catalogue).validate(yaml.safe_load((REPO / "mappers" / "catalogue.yaml").read_text()))
