"""Benchmark: the 18-region example applied from scratch, then a no-op plan and a no-op apply.

    .venv/bin/python bench/provisioning_regions.py [--keycloak-url URL] [--runs 5]

Starts its own Keycloak (fresh dev-file database) and mock PSC unless
--keycloak-url is given (admin from SMUR_IAM_ADMIN_USER/SMUR_IAM_ADMIN_PASSWORD).
Copies realm/ with the realms renamed (b<random>-<region>) so nothing shipped is
touched, and deletes them at the end. Prints wall times and HTTP requests
(total, per method, per realm). Goal: no-op plan of all 18 regions under 3 s,
with the same number of requests for every realm (no N+1).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from provisioning_common import REPO, admin, counts, servers, timed

from fixtures.realms import all_secrets_env, copy_all_regions  # noqa: E402
from provisioning.apply import ApplySummary, apply_plan  # noqa: E402
from provisioning.config import load_config  # noqa: E402
from provisioning.config.fingerprint import secret_fingerprint  # noqa: E402
from provisioning.plan import build_plan  # noqa: E402
from provisioning.psc_discovery import fetch_discovery  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keycloak-url", help="use this running Keycloak instead of starting one")
    parser.add_argument("--runs", type=int, default=5, help="no-op plans to time (median, best)")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="smur-iam-bench-regions-"))
    realms = copy_all_regions(root, f"b{uuid.uuid4().hex[:6]}")
    directory = root / "realm"
    with servers(args.keycloak_url) as (base_url, user, password, psc):
        env = {"SMUR_IAM_PSC_ENVIRONMENT": "mock", "SMUR_IAM_MOCK_PSC_ISSUER": psc.issuer,
               **all_secrets_env(directory)}
        config = load_config(directory, env=env)
        discovery = fetch_discovery(config.deployment.psc.selected)
        api = admin(base_url, user, password)
        try:
            print(f"{len(config.regions)} regions, realms {sorted(realms.values())[0]} ...")

            # 1. From scratch: plan (the realms do not exist yet) then apply.
            plan_seconds, _, plan = timed(lambda: build_plan(api, config, discovery))
            plan_requests = counts(api)
            api.reset_counts()
            summary = ApplySummary()
            apply_seconds, _, _ = timed(lambda: apply_plan(plan, summary=summary))
            print(f"\nfrom scratch: plan {plan_seconds:.2f}s ({plan_requests}); apply {apply_seconds:.1f}s, "
                  f"{summary.changes} changes ({summary.created} created) in {len(summary.realms)} realms")
            print(f"  apply requests: {counts(api)}; {sum(api.requests.values()) / len(realms):.0f} per realm")

            # 2. No-op plan, in process (what plan costs once Python is running) and as the command.
            build_plan(api, config, discovery)  # warm-up, untimed
            api.reset_counts()
            median, best, plan = timed(lambda: build_plan(api, config, discovery), args.runs)
            assert plan.in_sync, "the re-plan after apply must be empty"
            gets = api.requests["GET"] // args.runs
            per_realm = Counter(api.realm_counts(r)["GET"] // args.runs for r in realms.values())
            print(f"\nno-op plan of {len(realms)} regions: median {median:.2f}s, best {best:.2f}s "
                  f"over {args.runs} runs; {gets} requests per plan, all GET; per realm: "
                  + ", ".join(f"{n} GET x {k} realms" for n, k in sorted(per_realm.items())))
            # The same with the secrets' scrypt fingerprints computed again (a fresh process does).
            def cold_plan():
                secret_fingerprint.cache_clear()
                return build_plan(api, config, discovery)
            median, best, _ = timed(cold_plan, args.runs)
            print(f"  the same, fingerprints not cached (as in a new process): median {median:.2f}s, best {best:.2f}s")
            command_env = {**os.environ, **env, "SMUR_IAM_KEYCLOAK_URL": base_url, "SMUR_IAM_ADMIN_USER": user,
                           "SMUR_IAM_ADMIN_PASSWORD": password, "SMUR_IAM_CACHE": str(root / "cache")}
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "provisioning.cli", "plan", str(directory),
                                     "--detailed-exitcode"], env=command_env, cwd=REPO, capture_output=True, text=True)
            print(f"  `smur-iam plan` as a command (process start, discovery, plan): "
                  f"{time.perf_counter() - started:.2f}s, exit {result.returncode}")

            # 3. No-op apply: plan, nothing to write.
            api.reset_counts()
            seconds, _, applied = timed(lambda: apply_plan(build_plan(api, config, discovery)))
            print(f"no-op apply: {seconds:.2f}s, {applied} changes, {api.write_count} write requests "
                  f"({counts(api)})")
        finally:
            for realm in realms.values():
                api.delete(f"/admin/realms/{realm}", allow_404=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
