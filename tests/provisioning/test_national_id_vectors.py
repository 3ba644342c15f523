"""National ids: the shared test vectors (also read by the Java extension's NationalIdTest), so the
files' check and the login-time check agree, ASCII digits only."""
from __future__ import annotations

import json

import pytest

from fixtures.realms import REPO
from psc_ids.national_id import NationalIdError, luhn_valid, parse_national_id

VECTORS = json.loads((REPO / "tests" / "vectors" / "national-ids.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: ascii(v["value"]))
def test_vector(vector):
    sandbox = vector.get("sandbox", False)
    if vector["valid"]:
        parsed = parse_national_id(vector["value"], sandbox=sandbox)
        assert (parsed.type, parsed.rpps) == (vector["type"], vector["rpps"])
    else:
        with pytest.raises(NationalIdError) as refused:
            parse_national_id(vector["value"], sandbox=sandbox)
        assert vector["error"] in str(refused.value)


def test_the_vectors_cover_unicode_digits_and_every_outcome():
    refused = [v for v in VECTORS if not v["valid"]]
    assert any(v["valid"] for v in VECTORS) and refused
    assert {"FULLWIDTH", "ARABIC-INDIC", "DEVANAGARI", "MATHEMATICAL"} <= {
        word for v in refused for word in v["error"].split()}
    # Invisible characters are named (a BOM mid-file, a no-break space, a zero-width space), never shown raw.
    invisible = [v for v in refused if "(invisible" in v["error"]]
    assert {"U+FEFF", "U+00A0", "U+200B"} <= {word for v in invisible for word in v["error"].split()}
    assert not any(c in v["error"] for v in invisible for c in "\ufeff\u00a0\u200b")


@pytest.mark.parametrize("digits", ["９９７００２１８８９６", "9970021889٦"])
def test_luhn_takes_ascii_digits_only(digits):
    assert not luhn_valid(digits)
