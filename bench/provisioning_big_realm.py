"""Benchmark: plan cost against realm size, side by side in one run.

    .venv/bin/python bench/provisioning_big_realm.py [--keycloak-url URL] [--runs 5] [--no-managed]

1. Realm size (what the admin's question is): the Grand Est region applied to
   realms that also hold 20, 200/500 and 2,000/5,000 other clients/groups (made
   by hand, via partialImport). A no-op plan must cost about the same in all of
   them: it reads one bounded page per listing and looks managed objects up by
   natural key. Also `drift`, which names every hand-made object and so reads
   them all.
2. Files size (how cost grows with what the files manage): a region whose
   files state N clients and M groups, applied, then a no-op plan.
Prints medians, best times, requests and the ratios to the smallest case.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

import yaml
from provisioning_common import admin, servers, timed

from fixtures.realms import copy_realm_files  # noqa: E402
from provisioning.apply import apply_plan  # noqa: E402
from provisioning.plan import PlanOptions, build_plan  # noqa: E402
from provisioning.psc_discovery import fetch_discovery  # noqa: E402

SIZES = [(20, 20), (200, 500), (2000, 5000)]
BATCH = 500


def add_hand_made(api, realm: str, clients: int, groups: int) -> None:
    for start in range(0, clients, BATCH):
        api.post(f"/admin/realms/{realm}/partialImport", {"ifResourceExists": "SKIP", "clients": [
            {"clientId": f"app-{i:05d}", "publicClient": True, "redirectUris": [f"https://app-{i}.example/cb"]}
            for i in range(start, min(clients, start + BATCH))]}, realm=realm)
    for start in range(0, groups, BATCH):
        api.post(f"/admin/realms/{realm}/partialImport", {"ifResourceExists": "SKIP", "groups": [
            {"name": f"base-{i:05d}", "path": f"/base-{i:05d}"} for i in range(start, min(groups, start + BATCH))]},
            realm=realm)


def region(tmp: Path, realm: str, psc_issuer: str):
    files = copy_realm_files(tmp, realm)
    files.env["SMUR_IAM_MOCK_PSC_ISSUER"] = psc_issuer
    return files


def plan_figures(api, config, discovery, runs, options=PlanOptions()):
    build_plan(api, config, discovery, options=options)  # warm-up, untimed: every size gets one
    api.reset_counts()
    median, best, plan = timed(lambda: build_plan(api, config, discovery, options=options), runs)
    assert plan.in_sync or options.full_inventory, [c.key for c in plan.realms[0].pending][:5]
    return median, best, api.requests["GET"] // runs, plan


def realm_size_series(api, tmp, psc, runs):
    print("\n1. realm size: Grand Est applied to realms holding other (hand-made) clients and groups")
    print(f"{'other clients/groups':>22} | {'no-op plan median (best)':>25} | GET | {'drift median':>12} | GET")
    rows = []
    for clients, groups in SIZES:
        realm = f"b{uuid.uuid4().hex[:6]}-size-{clients}"
        files = region(tmp, realm, psc.issuer)
        config = files.load()
        discovery = fetch_discovery(config.deployment.psc.selected)
        apply_plan(build_plan(api, config, discovery))
        add_hand_made(api, realm, clients, groups)
        try:
            median, best, gets, plan = plan_figures(api, config, discovery, runs)
            drift_median, _, drift_gets, drift_plan = plan_figures(api, config, discovery, max(1, runs // 2),
                                                                   PlanOptions(full_inventory=True))
            assert len(drift_plan.realms[0].hand_made) == clients + groups
            rows.append((clients, groups, median, best, gets, drift_median, drift_gets))
            print(f"{clients:>10,} / {groups:>9,} | {median:>14.3f}s ({best:.3f}s) | {gets:>3} | "
                  f"{drift_median:>11.2f}s | {drift_gets}")
        finally:
            api.delete(f"/admin/realms/{realm}", allow_404=True)
    small, big = rows[0], rows[-1]
    print(f"no-op plan, {big[0]:,}/{big[1]:,} vs {small[0]}/{small[1]}: {big[2] / small[2]:.2f}x the time "
          f"(median; best {big[3] / small[3]:.2f}x), {big[4]} vs {small[4]} requests (goal: within 2x)")
    print(f"drift (reads every object): {big[5] / small[5]:.1f}x the time, {big[6]} vs {small[6]} requests")


def managed_series(api, tmp, psc, runs):
    print("\n2. files size: a region whose files state N clients and M groups")
    print(f"{'managed clients/groups':>24} | {'apply from scratch':>18} | {'no-op plan median':>17} | GET")
    rows = []
    for clients, groups in SIZES:
        realm = f"b{uuid.uuid4().hex[:6]}-files-{clients}"
        files = region(tmp, realm, psc.issuer)
        data = yaml.safe_load(files.region_file.read_text())
        data["clients"] = data["clients"] + [{"clientId": f"api-{i:05d}", "type": "bearer-only"} for i in range(clients)]
        data["groups"] = data["groups"] + [{"name": f"base-{i:05d}", "attributes": {"departement": "67"}}
                                           for i in range(groups)]
        files.region_file.write_text(yaml.safe_dump(data, allow_unicode=True))
        config = files.load()
        discovery = fetch_discovery(config.deployment.psc.selected)
        try:
            apply_seconds, _, _ = timed(lambda c=config, d=discovery: apply_plan(build_plan(api, c, d)))
            median, best, gets, _ = plan_figures(api, config, discovery, runs)
            rows.append((clients + groups, apply_seconds, median, gets))
            print(f"{clients:>12,} / {groups:>9,} | {apply_seconds:>17.1f}s | {median:>16.3f}s | {gets}")
        finally:
            api.delete(f"/admin/realms/{realm}", allow_404=True)
    (n0, _, t0, _), (n1, _, t1, _) = rows[0], rows[-1]
    print(f"no-op plan per managed object: {(t1 - t0) / (n1 - n0) * 1000:.2f} ms "
          f"({t1 / t0:.1f}x the time for {n1 / n0:.0f}x the objects): linear, read in pages of 500")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keycloak-url", help="use this running Keycloak instead of starting one")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-managed", action="store_true", help="skip the files-size series (the long one)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smur-iam-bench-big-"))
    with servers(args.keycloak_url) as (base_url, user, password, psc):
        api = admin(base_url, user, password)
        realm_size_series(api, tmp, psc, args.runs)
        if not args.no_managed:
            managed_series(api, tmp, psc, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
