"""Two applies on one realm never interleave: the second waits or stops with a clear message, writing nothing."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from fixtures.realms import REPO, run_cli
from provisioning.apply import PlanOutdated, apply_plan
from provisioning.lock import LOCK_ROLE, LockBusy, LockLost, RealmLock, read_lock
from provisioning.plan import build_plan
from provisioning.psc_discovery import fetch_discovery

TABLET_DESCRIPTION = "description: SMUR intervention sheet, tablet app"


class FakeClock:
    """Time for RealmLock that moves only when a test says so, or when the lock sleeps between polls.

    It starts at the real time: the expiries it makes are written to Keycloak, where `plan` and other
    applies read them."""

    def __init__(self):
        self.wall, self.elapsed = time.time(), 0.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.elapsed += seconds


def description_of(oracle, realm, client_id="smurtab"):
    kc = oracle(realm)
    return kc.get_client(kc.get_client_id(client_id))["description"]


def test_apply_stops_at_once_while_another_apply_holds_the_realm(provisioned, admin_api, oracle):
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    other = RealmLock(admin_api, provisioned.realm, ttl=120).acquire(timeout=0)  # another admin's apply
    try:
        result = run_cli("apply", str(provisioned.directory), "--lock-timeout", "0", env=provisioned.env)
        assert result.returncode == 1
        assert f"realm '{provisioned.realm}' is being changed by another apply:" in result.stderr
        assert f"(pid {os.getpid()})" in result.stderr  # who holds it
        assert "Nothing was written to it" in result.stderr
        assert description_of(oracle, provisioned.realm) == "SMUR intervention sheet, tablet app"
    finally:
        other.release()
    assert run_cli("apply", str(provisioned.directory), env=provisioned.env).returncode == 0
    assert description_of(oracle, provisioned.realm) == "Fiche SMUR"
    assert read_lock(admin_api, provisioned.realm) is None, "the lock is released after apply"


def test_apply_waits_for_the_other_apply_then_goes_on(provisioned, admin_api, oracle):
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    other = RealmLock(admin_api, provisioned.realm, ttl=120).acquire(timeout=0)
    process = subprocess.Popen([sys.executable, "-m", "provisioning.cli", "apply", str(provisioned.directory),
                                "--lock-timeout", "60"], env=provisioned.env, cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        waiting = ""
        while "waiting for the apply of" not in waiting and time.monotonic() < deadline:
            waiting += process.stderr.readline()
        assert "waiting for the apply of" in waiting
        assert description_of(oracle, provisioned.realm) == "SMUR intervention sheet, tablet app"
    finally:
        other.release()  # the other admin's apply ends without having changed anything
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert description_of(oracle, provisioned.realm) == "Fiche SMUR"


def test_second_apply_planned_before_the_first_finished_refuses_its_stale_plan(provisioned, admin_api, oracle):
    """A holds the lock (slowly); B plans the same change, waits, then finds Keycloak moved and writes nothing."""
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    config = provisioned.load()
    discovery = fetch_discovery(config.deployment.psc.selected)
    holding, finish = threading.Event(), threading.Event()

    def slow_progress(done, total, realm, change):
        holding.set()
        finish.wait(30)  # A sits on the lock before its first write

    first = threading.Thread(target=lambda: apply_plan(build_plan(admin_api, config, discovery), slow_progress))
    first.start()
    assert holding.wait(30)
    second = subprocess.Popen([sys.executable, "-m", "provisioning.cli", "apply", str(provisioned.directory),
                               "--lock-timeout", "60"], env=provisioned.env, cwd=REPO, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = second.stderr.readline()  # B has planned and now waits for A
    assert "waiting for the apply of" in line, line
    finish.set()
    first.join(30)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 1, out + err
    assert f"realm '{provisioned.realm}' changed in Keycloak after the plan was made" in err
    assert "Nothing was written to it" in err and "Applied" not in out
    assert description_of(oracle, provisioned.realm) == "Fiche SMUR"
    assert run_cli("plan", str(provisioned.directory), "--detailed-exitcode", env=provisioned.env).returncode == 0


def test_two_first_applies_of_a_new_realm_do_not_interleave(region_files, oracle):
    command = [sys.executable, "-m", "provisioning.cli", "apply", str(region_files.directory), "--lock-timeout", "60"]
    runs = [subprocess.Popen(command, env=region_files.env, cwd=REPO, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    winners = [r for r in results if r[0] == 0 and "Applied" in r[1]]
    assert len(winners) == 1, results
    [(code, out, err)] = [r for r in results if r is not winners[0]]
    # The other one either stopped before writing, or planned after the first had finished.
    assert (code == 1 and ("nothing was written" in err.lower())) or (code == 0 and "Nothing to apply." in out), \
        (code, out, err)
    kc = oracle(region_files.realm)
    assert [c["clientId"] for c in kc.get_clients()].count("smurtab") == 1
    assert run_cli("plan", str(region_files.directory), "--detailed-exitcode", env=region_files.env).returncode == 0


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_lock_of_a_killed_apply_on_this_machine_is_taken_over(provisioned, admin_api):
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    admin_api.post(f"/admin/realms/{provisioned.realm}/roles", {
        "name": LOCK_ROLE, "attributes": {"holder": ["someone@here"], "host": [socket.gethostname()],
                                          "pid": [str(dead_pid())], "run": ["x"],
                                          "expires": [str(time.time() + 3600)]}})
    result = run_cli("apply", str(provisioned.directory), "--lock-timeout", "0", env=provisioned.env)
    assert result.returncode == 0, result.stderr
    assert "took over the apply lock of someone@here" in result.stderr and "on this machine is gone" in result.stderr


def test_lock_of_another_machine_is_respected_until_it_expires(provisioned, admin_api):
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    role = {"name": LOCK_ROLE, "attributes": {"holder": ["admin@elsewhere"], "host": ["elsewhere"], "pid": ["4242"],
                                              "run": ["x"], "expires": [str(time.time() + 3600)]}}
    admin_api.post(f"/admin/realms/{provisioned.realm}/roles", role)
    result = run_cli("apply", str(provisioned.directory), "--lock-timeout", "0", env=provisioned.env)
    assert result.returncode == 1 and "admin@elsewhere (pid 4242) until" in result.stderr
    plan = run_cli("plan", str(provisioned.directory), env=provisioned.env)
    assert "! an apply holds this realm now: admin@elsewhere" in plan.stdout

    holder = read_lock(admin_api, provisioned.realm)
    admin_api.put(f"/admin/realms/{provisioned.realm}/roles-by-id/{holder.role_id}",
                  {**role, "id": holder.role_id, "attributes": {**role["attributes"], "expires": [str(time.time() - 1)]}})
    result = run_cli("apply", str(provisioned.directory), "--lock-timeout", "0", env=provisioned.env)
    assert result.returncode == 0 and "took over the apply lock of admin@elsewhere (expired at" in result.stderr


def test_stale_plan_is_refused_under_the_lock(provisioned, admin_api, oracle):
    """The re-read under the lock catches a hand edit made between plan and apply."""
    provisioned.edit(TABLET_DESCRIPTION, "description: Fiche SMUR")
    config = provisioned.load()
    plan = build_plan(admin_api, config, fetch_discovery(config.deployment.psc.selected))
    kc = oracle(provisioned.realm)
    kc.update_realm_role("medecin", {"name": "medecin", "description": "edited meanwhile"})
    try:
        apply_plan(plan)
        raise AssertionError("a plan older than the server must not be applied")
    except PlanOutdated as exc:
        assert "realm-role 'medecin'" in str(exc)
    assert description_of(oracle, provisioned.realm) == "SMUR intervention sheet, tablet app"
    assert read_lock(admin_api, provisioned.realm) is None


def test_a_long_apply_renews_its_lock_and_notices_losing_it(provisioned, admin_api):
    clock = FakeClock()
    lock = RealmLock(admin_api, provisioned.realm, ttl=300, clock=clock).acquire(timeout=0)
    first = read_lock(admin_api, provisioned.realm).expires
    clock.advance(149)
    lock.renew_if_due()
    assert read_lock(admin_api, provisioned.realm).expires == first, "not renewed before half of its lifetime"
    clock.advance(2)  # past half of its lifetime
    lock.renew_if_due()
    assert read_lock(admin_api, provisioned.realm).expires == pytest.approx(first + 151, abs=0.01)
    admin_api.delete(f"/admin/realms/{provisioned.realm}/roles-by-id/{lock.role_id}")  # taken over meanwhile
    clock.advance(151)
    with pytest.raises(LockLost, match="taken over"):
        lock.renew_if_due()


def test_waiting_for_the_lock_polls_until_the_timeout_then_names_the_holder(provisioned, admin_api):
    other = RealmLock(admin_api, provisioned.realm, ttl=120).acquire(timeout=0)
    clock, told = FakeClock(), []
    try:
        with pytest.raises(LockBusy) as busy:
            RealmLock(admin_api, provisioned.realm, clock=clock).acquire(timeout=5, on_wait=told.append)
    finally:
        other.release()
    assert clock.slept == [1.0] * 5, "one try a second, until the timeout"
    assert [holder.run for holder in told] == [other.run], "the waiting message is given once"
    message = str(busy.value)
    assert f"(pid {os.getpid()})" in message and "after waiting 5s" in message, message


def test_a_lock_past_its_expiry_is_taken_over_and_its_stalled_holder_stops(provisioned, admin_api):
    clock = FakeClock()
    stalled = RealmLock(admin_api, provisioned.realm, ttl=60, clock=clock).acquire(timeout=0)
    later = RealmLock(admin_api, provisioned.realm, ttl=60, clock=clock)
    with pytest.raises(LockBusy):
        later.acquire(timeout=0)  # live: same machine, running process, not expired
    clock.advance(61)  # the first apply stalled past its expiry
    later.acquire(timeout=0)
    try:
        [note] = later.notes
        assert note.startswith("took over the apply lock of ") and "(expired at " in note, note
        assert read_lock(admin_api, provisioned.realm).run == later.run
        with pytest.raises(LockLost, match="taken over"):
            stalled.renew_if_due()  # it must stop writing
    finally:
        later.release()
    assert read_lock(admin_api, provisioned.realm) is None
