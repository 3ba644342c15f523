"""The PSC claims contract: the payloads the Java extension's tests read
(mappers/psc-extension/src/test/resources/psc/) are what the mock's claims builder makes
(mockpsc/contract.py). No Keycloak, no server: the builder runs in memory."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
import requests

from mockpsc import claims, contract
from mockpsc.contract import ContractError, PayloadSpec


def test_the_committed_payloads_are_what_the_mock_makes():
    found = contract.differences()
    assert not found, contract.report(found)


def test_every_payload_file_of_the_java_tests_is_made_by_the_contract():
    on_disk = {path.name for path in contract.PAYLOAD_DIR.glob("*.json")}
    assert on_disk == {f"{spec.name}.json" for spec in contract.PAYLOADS}


def test_a_claim_added_to_the_builder_reaches_every_payload_and_fails_the_check(monkeypatch):
    real = contract.build_claims

    def builder_with_new_claims(*args, **kwargs):
        built = real(*args, **kwargs)
        return replace(built, id_token={**built.id_token, "auth_level": "1"},
                       userinfo={**built.userinfo, "codeGenreActivite": "GENR01"})

    monkeypatch.setattr(contract, "build_claims", builder_with_new_claims)
    found = contract.differences()
    assert len(found) == len(contract.PAYLOADS), "the drift payloads get the new claims too"
    for diff in found:
        assert '+    "auth_level": "1"' in diff and '+    "codeGenreActivite": "GENR01"' in diff, diff
    message = contract.report(found)
    assert message.startswith(f"{len(contract.PAYLOADS)} PSC payload file(s) differ")
    assert "python -m mockpsc.contract --write" in message
    assert "urgentiste.json (committed)" in message


def test_an_activity_claim_written_once_in_claims_py_reaches_the_drifted_shapes(monkeypatch):
    monkeypatch.setattr(claims, "ACTIVITY_CLAIMS", claims.ACTIVITY_CLAIMS + (("raison_sociale", "libelleSite"),))
    texts = contract.generate()
    single = json.loads(texts["drift-single-objects.json"])["userinfo"]["SubjectRefPro"]
    assert single["exercices"]["activities"]["libelleSite"] == "CENTRE HOSPITALIER FICTIF - SMUR"
    as_string = json.loads(texts["drift-refpro-as-string.json"])["userinfo"]["SubjectRefPro"]
    assert '"libelleSite": "CENTRE HOSPITALIER FICTIF - SMUR"' in as_string
    changed = {name for name, text in texts.items()
               if text != (contract.PAYLOAD_DIR / name).read_text(encoding="utf-8")}
    # Only the payloads without any activity stay as they were.
    assert set(texts) - changed == {"interne-no-activity.json", "edit-sandbox.json", "drift-no-refpro.json",
                                    "drift-empty-exercices.json"}


def test_write_then_check_and_what_the_check_reports(tmp_path, capsys):
    assert contract.main(["--write", "--dir", str(tmp_path)]) == 0
    assert contract.main(["--dir", str(tmp_path)]) == 0
    edited = tmp_path / "two-exercices.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace('"SM02"', '"SM03"'), encoding="utf-8")
    (tmp_path / "urgentiste.json").unlink()
    (tmp_path / "hand-written.json").write_text("{}\n", encoding="utf-8")
    capsys.readouterr()
    assert contract.main(["--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "3 PSC payload file(s) differ" in err and "python -m mockpsc.contract --write" in err
    assert '-          "codeSavoirFaire": "SM03",' in err and '+          "codeSavoirFaire": "SM02",' in err
    assert f"{tmp_path / 'urgentiste.json'}: missing" in err
    assert "hand-written.json: not made by the contract; declare it in mockpsc/contract.py PAYLOADS" in err
    assert contract.main(["--write", "--dir", str(tmp_path)]) == 0
    assert contract.differences(tmp_path) == [f"{tmp_path / 'hand-written.json'}: not made by the contract; "
                                              "declare it in mockpsc/contract.py PAYLOADS or delete it"]


def test_the_files_are_stable_indented_and_end_with_a_newline():
    first, second = contract.generate(), contract.generate()
    assert first == second
    for text in first.values():
        assert text.endswith("}\n") and text.startswith('{\n  "_comment": ')
        assert list(json.loads(text)) == ["_comment", "id_token_claims", "userinfo"]


def test_a_drift_with_nothing_to_change_is_an_error():
    people = contract.known_identities()
    no_activity = PayloadSpec("x", "899700123450", "PAUL PETIT", drifts=(contract.siret_absent,))
    with pytest.raises(ContractError, match="payload x: drift siret_absent changed nothing"):
        contract.build_payload(no_activity, people)
    gone = PayloadSpec("y", "899700366240", "LUCAS", drifts=(contract.refpro_removed, contract.exercices_emptied))
    with pytest.raises(ContractError,
                       match="payload y: drift exercices_emptied cannot apply .*KeyError.*SubjectRefPro"):
        contract.build_payload(gone, people)
    unknown = PayloadSpec("z", "899700000000", "nobody")
    with pytest.raises(ContractError, match="payload z: no identity 899700000000"):
        contract.build_payload(unknown, people)


def test_the_payloads_are_what_the_mock_endpoints_serve(rp):
    """A real login at the running mock: its userinfo is the payload's, its ID token has the payload's
    claims (values of this login's own session, times and nonce aside) plus at_hash."""
    tokens = rp.tokens("899700245667")
    served = requests.get(rp.psc.endpoint("userinfo"), headers={"Authorization": f"Bearer {tokens['access_token']}"},
                          timeout=5).json()
    payload = json.loads(contract.generate()["two-exercices.json"])
    assert served == payload["userinfo"]
    id_token = rp.verify(tokens["id_token"]).claims
    per_login = {"exp", "iat", "auth_time", "jti", "iss", "aud", "azp", "sid", "session_state", "nonce"}
    assert set(id_token) == set(payload["id_token_claims"]) | {"at_hash"}
    assert {k: v for k, v in id_token.items() if k not in per_login | {"at_hash"}} == \
        {k: v for k, v in payload["id_token_claims"].items() if k not in per_login}
