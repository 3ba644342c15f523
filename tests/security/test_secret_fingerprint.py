"""The PSC client secret's fingerprint, which Keycloak shows to anyone with `view-identity-providers`
(and, inside digests, `view-realm`), is no shortcut to the secret (issue 11 §7).

It used to be sha256(salt NUL secret) with the salt (realm/alias) guessable: an admin could test
billions of guesses a second offline. It is now scrypt, its parameters written in the value.
"""
from __future__ import annotations

import hashlib
import json
import re

import pytest

from fixtures.realms import plan_and_apply, run_cli
from provisioning.config.references import SecretValue
from provisioning.ownership import RECORD_ATTRIBUTE, object_digest
from provisioning.resources.identity_provider import SECRET_FINGERPRINT

STORED = re.compile(r"scrypt:n=(\d+),r=(\d+),p=(\d+):([0-9a-f]{64})")


def old_fingerprint(salt: str, secret: str) -> str:
    """What the previous version stored, and what an attacker holding it would check guesses with."""
    return "sha256:" + hashlib.sha256(f"{salt}\0{secret}".encode()).hexdigest()[:32]


def _stored(oracle, realm: str) -> str:
    return oracle(realm).get_idp("psc")["config"][SECRET_FINGERPRINT]


def test_the_stored_fingerprint_is_not_a_fast_hash_an_attacker_can_check_offline(provisioned, oracle):
    realm, secret = provisioned.realm, provisioned.psc_client_secret
    stored = _stored(oracle, realm)
    salt = f"{realm}/identity-provider/psc"
    # The attacker's offline check with the old formula (old salt or new), given the right guess: it fails.
    for guess_salt in (f"{realm}/psc", salt):
        assert stored != old_fingerprint(guess_salt, secret)
        assert hashlib.sha256(f"{guess_salt}\0{secret}".encode()).hexdigest()[:32] not in stored

    # What one guess costs is written in the value: scrypt, N >= 2^15, r >= 8, so >= 32 MiB of memory
    # touched in sequence per guess (128 * r * N bytes), whatever hardware checks it.
    match = STORED.fullmatch(stored)
    assert match, stored
    n, r, p, digest = int(match[1]), int(match[2]), int(match[3]), match[4]
    assert n >= 2**15 and n & (n - 1) == 0 and r >= 8 and p >= 1
    assert 128 * r * n >= 32 * 1024 * 1024
    # It is the real scrypt of the secret (so the right guess does verify, at that cost), not of anything else.
    expected = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=2 * 128 * r * n, dklen=32)
    assert digest == expected.hex()
    wrong = hashlib.scrypt(b"a-guess", salt=salt.encode(), n=n, r=r, p=p, maxmem=2 * 128 * r * n, dklen=32)
    assert digest != wrong.hex()


def test_the_ownership_digest_of_the_broker_is_no_fast_check_either(provisioned, oracle, admin_api, monkeypatch):
    """The realm attribute smurIam.ownership holds a digest of the broker's representation, secret
    included as its fingerprint: with the old formula inside, it would be a second fast check."""
    realm = provisioned.realm
    record = json.loads(oracle(realm).get_realm(realm)["attributes"][RECORD_ATTRIBUTE])
    stored = record["objects"]["identity-provider"]["psc"]
    plan, _ = plan_and_apply(provisioned, admin_api)
    [change] = [c for c in plan.realms[0].changes if c.kind == "identity-provider"]
    assert object_digest(realm, "identity-provider", "psc", change.desired) == stored
    monkeypatch.setattr(SecretValue, "fingerprint", lambda self, salt: old_fingerprint(salt, self.reveal()))
    assert object_digest(realm, "identity-provider", "psc", change.desired) != stored


def test_a_plan_computes_each_fingerprint_once(region_files, admin_api, monkeypatch):
    """scrypt is slow on purpose: a plan (desired state, then digests) must not pay twice for one pair."""
    from provisioning.config import fingerprint as fingerprint_module  # (here: the attack tests run on any version)

    fingerprint_module.secret_fingerprint.cache_clear()
    calls = []
    real_scrypt = hashlib.scrypt

    def counting(password, *, salt, **options):
        calls.append((salt, hashlib.sha256(password).hexdigest()))
        return real_scrypt(password, salt=salt, **options)

    monkeypatch.setattr(fingerprint_module.hashlib, "scrypt", counting)
    plan, _ = plan_and_apply(region_files, admin_api)
    assert calls and len(calls) == len(set(calls)), calls
    salts = {salt.decode() for salt, _ in calls}
    # The broker's stored fingerprint and its ownership digest share a salt: one scrypt.
    assert f"{region_files.realm}/identity-provider/psc" in salts
    first = len(calls)
    plan_and_apply(region_files, admin_api)  # the next plan in this process: all cached
    assert len(calls) == first


def test_a_fingerprint_of_the_previous_version_is_one_secret_change_then_in_sync(region_files, admin_api, oracle,
                                                                                 monkeypatch):
    """A realm last applied by the previous version (sha256 fingerprint, digests made with it): the plan
    shows one `config.clientSecret` change, apply rewrites the same secret with the scrypt fingerprint."""
    realm = region_files.realm
    with monkeypatch.context() as old_version:
        old_version.setattr(SecretValue, "fingerprint", lambda self, salt: old_fingerprint(salt, self.reveal()))
        plan_and_apply(region_files, admin_api)
    assert _stored(oracle, realm).startswith("sha256:")

    result = run_cli("plan", str(region_files.directory), "--detailed-exitcode", env=region_files.env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "config.clientSecret: ******** -> (new value)" in result.stdout
    assert region_files.psc_client_secret not in result.stdout + result.stderr
    assert SECRET_FINGERPRINT not in result.stdout  # our bookkeeping is not what the admin changed

    plan, applied = plan_and_apply(region_files, admin_api)
    pending = {(c.kind, c.key): [f.path for f in c.fields] for c in plan.realms[0].pending}
    assert pending == {("identity-provider", "psc"): ["config.clientSecret"]}
    assert applied == 1
    assert STORED.fullmatch(_stored(oracle, realm))

    plan, applied = plan_and_apply(region_files, admin_api)
    assert plan.in_sync and applied == 0
    drift = run_cli("drift", str(region_files.directory), env=region_files.env)
    assert drift.returncode == 0, drift.stdout + drift.stderr


@pytest.mark.parametrize("secret", ["short-1", "a" * 200, "sécret-ünïcode"])
def test_the_fingerprint_is_deterministic_per_salt_and_secret(secret):
    value = SecretValue(secret, "${env:X}")
    first = value.fingerprint("smur-a/psc")
    assert STORED.fullmatch(first) and first == SecretValue(secret, "${env:Y}").fingerprint("smur-a/psc")
    assert first != value.fingerprint("smur-b/psc") and first != SecretValue(secret + "x", "").fingerprint("smur-a/psc")
    assert secret not in first
