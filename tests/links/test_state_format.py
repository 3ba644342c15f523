"""The staff-state answer's format guard: a Keycloak running another version of our extension is
not read as if it spoke this one (the tool falls back to the stock users API and says why)."""
from __future__ import annotations

import json

from provisioning.links.realm_state import STAFF_STATE_FORMAT, fetch_staff_state, record_of


class AnswerOnly:
    """Stands in for the admin client: this test is about the text the tool receives, not Keycloak."""

    def __init__(self, body: str):
        self.body = body

    def get(self, path, **kw):
        assert kw["text"] is True and path.endswith("/smur-staff-state/users")
        return self.body


def header(fmt: str | None) -> str:
    return json.dumps({"format": fmt, "realm": "r", "identityProvider": "psc", "count": 1})


LINE = '"899700218896"\t"id-1"\t[true,"Éloïse","NOM\\tTAB",{"idnat":["899700218896"]},"899700218896"]\tnull\t[]\t["medecin"]'


def test_this_format_is_returned_as_text_and_its_lines_parse():
    text, why = fetch_staff_state(AnswerOnly(f"{header(STAFF_STATE_FORMAT)}\n{LINE}\n"), "r", "psc")
    assert why is None
    record = record_of(text.split("\n")[1])
    assert record == {"id": "id-1", "username": "899700218896", "enabled": True, "firstName": "Éloïse",
                      "lastName": "NOM\tTAB", "attributes": {"idnat": ["899700218896"]}, "link": "899700218896",
                      "groups": [], "realmRoles": ["medecin"]}


def test_another_format_is_refused_with_the_reason():
    older = json.dumps({"realm": "r", "identityProvider": "psc", "count": 0, "users": []})  # the first version
    for body in (older, f"{header('smur-staff-state/lines-2')}\n", "not json at all"):
        text, why = fetch_staff_state(AnswerOnly(body), "r", "psc")
        assert text is None
        assert STAFF_STATE_FORMAT in why and "install the extension of the same version" in why
