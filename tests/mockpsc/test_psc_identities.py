"""Identity and client files: validation names the file and the entry."""
import pytest

from mockpsc.clients import ClientError, load_clients_file
from mockpsc.identities import DEFAULT_FILE, IdentityError, load_identities_file


def write(tmp_path, text, name="identities.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_identities_load():
    identities = {i.national_id: i for i in load_identities_file(DEFAULT_FILE)}
    assert {"899700218896", "899700366240", "899700245667", "0670012345"} <= set(identities)
    assert identities["899700218896"].exercices[0].specialty == "SM59"
    assert identities["899700366240"].exercices[0].profession == "60"
    assert len(identities["899700245667"].exercices) == 2
    assert identities["0670012345"].id_type == "ADELI"
    assert identities["899700123450"].ecps is None
    assert all(i.cps is not None and i.cps.pin == "1234" for i in identities.values()), "everyone has a CPS card"
    assert identities["899700218896"].regulation is True and identities["899700366240"].regulation is False


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ('national_id: "899700218897"\n  given_name: A\n  family_name: B', "Luhn"),
        ('national_id: "99700218896"\n  given_name: A\n  family_name: B', "8"),
        ('national_id: 899700218896\n  given_name: A\n  family_name: B', "quote"),
        ('national_id: "899700218896"\n  family_name: B', "given_name"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  ecps: {pin: "12"}', "4 digits"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  exercices: [{profession: 10}]', "quote"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  surname: C', "unknown key"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  cps: {pin: "123456"}', "4 digits"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  cps: {pin: "1234", puk: "1"}',
         "unknown key"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  cps: "1234"', "mapping"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  ecps_acr: eidas0', "eidas1"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  card_acr: substantial', "eidas1"),
        ('national_id: "899700218896"\n  given_name: A\n  family_name: B\n  regulation: "VRAI"', "true or false"),
    ],
)
def test_bad_identity_entries_name_file_and_entry(tmp_path, entry, fragment):
    path = write(tmp_path, 'identities:\n- national_id: "899700366240"\n  given_name: OK\n  family_name: OK\n- ' + entry)
    with pytest.raises(IdentityError) as caught:
        load_identities_file(path)
    message = str(caught.value)
    assert str(path) in message and "identities[1]" in message and fragment in message


def test_duplicate_identity_is_refused(tmp_path):
    entry = '- {national_id: "899700366240", given_name: A, family_name: B}\n'
    with pytest.raises(IdentityError, match=r"identities\[1\].*already defined at identities\[0\]"):
        load_identities_file(write(tmp_path, entry * 2))


def test_edit_sandbox_ids_are_accepted(tmp_path):
    [identity] = load_identities_file(write(tmp_path, '- {national_id: ANS20231122132732, given_name: A, family_name: B}'))
    assert identity.id_type == "EDIT"


def test_clients_file(tmp_path):
    path = write(tmp_path, "clients:\n- client_id: kc\n  secret: s\n  redirect_uris: [http://a/cb]\n", "clients.yaml")
    [client] = load_clients_file(path)
    assert client.auth_methods == ("client_secret_basic", "client_secret_post")
    assert "secret=" not in repr(client)
    bad = write(tmp_path, "clients:\n- client_id: kc\n  redirect_uris: [http://a/cb]\n", "bad.yaml")
    with pytest.raises(ClientError, match=r"bad.yaml: clients\[0\]"):
        load_clients_file(bad)


def test_acr_levels_and_card_of_an_identity_file(tmp_path):
    [identity] = load_identities_file(write(tmp_path, (
        '- {national_id: "899700366240", given_name: A, family_name: B, cps: {pin: "0042"}, ecps_acr: eidas2,'
        ' card_acr: eidas3, regulation: true}')))
    assert (identity.cps.pin, identity.ecps_acr, identity.card_acr, identity.regulation) == (
        "0042", "eidas2", "eidas3", True)
