"""A YAML syntax error names where the parser gave up and where the unclosed bracket or quote opened
(offline: `validate` exits 1, not one request sent)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from fixtures.realms import copy_realm_files
from provisioning.cli import main as cli


@pytest.fixture
def files(tmp_path):
    return copy_realm_files(tmp_path, "t-yaml-errors")


def where(text: str, fragment: str, offset: int = 0) -> tuple[int, int]:
    """1-based line and column of ``fragment`` (plus ``offset`` characters) in ``text``."""
    index = text.index(fragment) + offset
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def error_lines(files) -> list[str]:
    result = CliRunner().invoke(cli, ["validate", str(files.directory)], env=files.env)
    assert result.exit_code == 1, result.output
    return [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]


URIS = "    redirectUris:\n      - https://backoffice.grand-est.smur.example/oidc/callback\n"


def test_an_unclosed_flow_sequence_names_the_line_of_its_bracket(files):
    """The bracket opened on the redirect URIs' line; the parser only gives up on the next line."""
    files.edit(URIS, "    redirectUris: [https://backoffice.grand-est.smur.example/oidc/callback\n")
    text = files.region_file.read_text(encoding="utf-8")
    opened = where(text, "redirectUris: [", len("redirectUris: "))
    gave_up = where(text, "    postLogoutRedirectUris:", len("    postLogoutRedirectUris"))
    assert gave_up[0] == opened[0] + 1
    [line] = error_lines(files)
    assert line == (f"{files.region_file}:{gave_up[0]}:{gave_up[1]}: YAML syntax error: while parsing a flow "
                    f"sequence that starts at line {opened[0]}, column {opened[1]}: expected ',' or ']', but got "
                    "':' (is the ']' closing it missing?)")


def test_a_bracket_left_open_is_named_wherever_the_parser_gives_up(files):
    """A block list after the open bracket: PyYAML's own context is the list item, not the bracket."""
    files.edit(URIS, "    redirectUris: [https://backoffice.grand-est.smur.example/oidc/callback,\n")
    text = files.region_file.read_text(encoding="utf-8")
    opened = where(text, "redirectUris: [", len("redirectUris: "))
    gave_up = where(text, "      - https://backoffice.grand-est.smur.example/\n", len("      "))
    [line] = error_lines(files)
    assert line.startswith(f"{files.region_file}:{gave_up[0]}:{gave_up[1]}: YAML syntax error: "), line
    assert line.endswith(f"(the '[' at line {opened[0]}, column {opened[1]} is never closed: is its ']' missing?)")


def test_an_unclosed_flow_mapping_names_the_line_of_its_brace(files):
    files.edit('    attributes: {departement: "54"}', '    attributes: {departement: "54"')
    text = files.region_file.read_text(encoding="utf-8")
    opened = where(text, '{departement: "54"')
    [line] = error_lines(files)
    assert f"while parsing a flow mapping that starts at line {opened[0]}, column {opened[1]}: " in line, line
    assert "expected ',' or '}'" in line and "(is the '}' closing it missing?)" in line


def test_an_unclosed_quote_that_the_next_quote_closes_is_named(files):
    """The next \" of the file (a département, 20 lines below) closes the display name: the parser gives
    up there, inside the block mapping; the message names the line where the quote opened."""
    files.edit("displayName: SMUR Grand Est", 'displayName: "SMUR Grand Est')
    text = files.region_file.read_text(encoding="utf-8")
    opened = where(text, '"SMUR Grand Est')
    closed_by = where(text, '"51"')
    [line] = error_lines(files)
    assert line.startswith(f"{files.region_file}:{closed_by[0]}:"), line
    assert line.endswith(f"(the \"-quoted value opened at line {opened[0]}, column {opened[1]} runs on to line "
                         f"{closed_by[0]}: is its closing \" missing?)"), line


def test_an_unclosed_quote_that_runs_to_the_end_of_the_file_is_named(files):
    assert "'" not in files.region_file.read_text(encoding="utf-8").split("displayName: SMUR Grand Est")[1]
    files.edit("displayName: SMUR Grand Est", "displayName: 'SMUR Grand Est")
    text = files.region_file.read_text(encoding="utf-8")
    opened = where(text, "'SMUR Grand Est")
    [line] = error_lines(files)
    assert (f"while scanning a quoted scalar that starts at line {opened[0]}, column {opened[1]}: found "
            "unexpected end of stream (is the closing ' missing?)") in line, line


def test_an_error_without_an_opening_keeps_its_one_position(files):
    files.edit("displayName: SMUR Grand Est", "displayName: SMUR: Grand Est")
    text = files.region_file.read_text(encoding="utf-8")
    line_number, column = where(text, "SMUR: Grand Est", len("SMUR"))
    [line] = error_lines(files)
    assert line == f"{files.region_file}:{line_number}:{column}: YAML syntax error: mapping values are not allowed here"
