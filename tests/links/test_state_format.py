"""The staff-state answer's format guard: a Keycloak running another version of our extension is
not read as if it spoke this one (the tool falls back to the stock users API and says why)."""
from __future__ import annotations

import json

from provisioning.links.realm_state import STAFF_STATE_FORMAT, fetch_staff_state, record_of


class AnswerOnly:
    """Stands in for the admin client: this test is about the text the tool receives, not Keycloak."""

    def __init__(self, body: str):
        self.body = body

    def realm(self, name: str) -> "AnswerOnly":
        assert name == "r"
        return self  # the realm's client: the same stand-in

    def get(self, template, **kw):
        assert kw["text"] is True and template.endswith("/smur-staff-state/users")
        return self.body


def header(fmt: str | None) -> str:
    return json.dumps({"format": fmt, "realm": "r", "identityProvider": "psc", "count": 1})


LINE = ('"899700218896"\t"id-1"\t[true,{"idnat":["899700218896"]},"899700218896"]\tnull\t[]\t["medecin"]'
        '\t["otp","password"]\t["Éloïse","NOM\\tTAB"]')


def test_this_format_is_returned_as_text_and_its_lines_parse():
    text, why = fetch_staff_state(AnswerOnly(f"{header(STAFF_STATE_FORMAT)}\n{LINE}\n"), "r", "psc")
    assert why is None
    record = record_of(text.split("\n")[1])
    assert record == {"id": "id-1", "username": "899700218896", "enabled": True, "firstName": "Éloïse",
                      "lastName": "NOM\tTAB", "attributes": {"idnat": ["899700218896"]}, "link": "899700218896",
                      "groups": [], "realmRoles": ["medecin"], "credentials": ["otp", "password"]}


def test_another_format_is_refused_with_the_reason():
    older = json.dumps({"realm": "r", "identityProvider": "psc", "count": 0, "users": []})  # the first version
    previous = f"{header('smur-staff-state/lines-1')}\n"  # names inside the compared part, no credentials
    for body in (older, previous, f"{header('smur-staff-state/lines-3')}\n", "not json at all"):
        text, why = fetch_staff_state(AnswerOnly(body), "r", "psc")
        assert text is None
        assert STAFF_STATE_FORMAT in why and "install the extension of the same version" in why


def test_a_line_is_in_sync_whatever_the_names_but_never_with_a_credential():
    """The names are PSC's once the account exists (the list only seeds them): left out of the text comparison.
    A credential on a staff account is always a change (PSC is the only way in)."""
    from provisioning.links.in_sync import InSyncLines
    from provisioning.links.staff import StaffList, StaffMember

    member = StaffMember("899700218896", "RPPS", "Camille", "Durand", rpps="99700218896",
                         groups=frozenset({"/SMUR 67 Strasbourg"}), roles=frozenset({"medecin"}))
    staff = StaffList(members={member.national_id: member})
    expected = InSyncLines(staff, {"/SMUR 67 Strasbourg"}, {"medecin"})
    core = ('[true,{"idnat":["899700218896"],"provisioned_by":["smur-iam-links"],"rpps":["99700218896"]},'
            '"899700218896"]')

    def line(credentials: str, names: str) -> str:
        return "\t".join(['"899700218896"', '"id-1"', core, "null", '["/SMUR 67 Strasbourg"]', '["medecin"]',
                          credentials, names])

    assert expected.username_if_in_sync(line("[]", '["Camille","Durand"]')) == "899700218896"
    assert expected.username_if_in_sync(line("[]", '["CAMILLE","DURAND-LEROY"]')) == "899700218896", \
        "names PSC rewrote are not a difference"
    assert expected.username_if_in_sync(line('["password"]', '["Camille","Durand"]')) is None
    assert expected.username_if_in_sync(line("[]", '["Camille","Durand"]').replace("true", "false", 1)) is None
    six_fields = "\t".join(line("[]", "[]").split("\t")[:6])  # the previous format's length
    assert expected.username_if_in_sync(six_fields) is None
