"""Benchmark: staff links at national scale, side by side in one run.

    .venv/bin/python bench/links_bench.py [--users 100000] [--sample 2000] [--batch 25] [--workers 2]
                                          [--database {h2,postgres}]

Starts its own Keycloak (dev-file H2 database, or with --database postgres a local PostgreSQL
server as in production) and mock PSC, provisions three empty
copies of the shipped region, then measures on the same machine, same run:
  1. our tool: `smur-iam links apply` (a subprocess, so its peak memory is its own),
     full import of N staff, then a re-sync where 1% changed (one more role each: names are
     not the list's to change once an account exists, PSC owns them);
  2. the raw `partialImport` endpoint driven directly with the same users and batches
     (the physical ceiling here);
  3. a naive per-user loop with python-keycloak (create user + add the PSC link) on a
     sample, extrapolated to N.
Prints users/s, ratios and peak memory.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from keycloak import KeycloakAdmin as PyKeycloakAdmin  # noqa: E402
from keycloak import KeycloakOpenIDConnection  # noqa: E402

from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials, url  # noqa: E402
from provisioning.links.apply import DEFAULT_BATCH, DEFAULT_WORKERS  # noqa: E402
from provisioning.links.apply import URLS as LINK_URLS  # noqa: E402
from provisioning.resources.staff_account import from_staff_row as user_representation  # noqa: E402
from provisioning.links.staff import StaffMember  # noqa: E402
from psc_ids.national_id import luhn_valid  # noqa: E402
from provisioning.runtime.stack import LocalStack, StackSpec  # noqa: E402


def national_ids(count: int, start: int) -> list[str]:
    ids, serial = [], start
    while len(ids) < count:
        base = f"7{serial:09d}"
        serial += 1
        for check in "0123456789":
            if luhn_valid(base + check):
                ids.append("8" + base + check)
                break
    return ids


def write_staff(path: Path, ids: list[str], changed: set[str] = frozenset()) -> None:
    """The staff list; a member in ``changed`` gets a second realm role (a change the list owns)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["national_id", "first_name", "last_name", "group", "roles"])
        for i, nid in enumerate(ids):
            roles = "medecin|urgentiste" if nid in changed else "medecin"
            writer.writerow([nid, f"Prenom{i}", f"NOM{i}", "SMUR 67 Strasbourg", roles])


def provision_realm(keycloak, psc, realm: str, workdir: Path) -> dict:
    """The shipped region under another name, with the links attribute, a group and a role."""
    from fixtures.realms import copy_realm_files, run_cli

    files = copy_realm_files(workdir, realm)
    env = files.env | {"SMUR_IAM_MOCK_PSC_ISSUER": psc.issuer, "SMUR_IAM_KEYCLOAK_URL": keycloak.base_url,
                       "SMUR_IAM_ADMIN_USER": keycloak.admin_username,
                       "SMUR_IAM_ADMIN_PASSWORD": keycloak.admin_password}
    result = run_cli("apply", str(files.directory), env=env)
    assert result.returncode == 0, result.stderr
    return env  # the region provides the `medecin` role and the `SMUR 67 Strasbourg` group


def admin(keycloak) -> KeycloakAdmin:
    return KeycloakAdmin(keycloak.base_url, PasswordCredentials(keycloak.admin_username, keycloak.admin_password),
                         timeout=600)


def run_tool(env: dict, realm: str, source: Path, batch: int, workers: int) -> tuple[float, int, str]:
    """Our CLI as a subprocess; returns (seconds, its own peak RSS in KiB, its summary line)."""
    out, err = tempfile.TemporaryFile(mode="w+"), tempfile.TemporaryFile(mode="w+")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "provisioning.cli", "links", "apply", "--region", realm,
                             "--from", str(source), "--batch-size", str(batch), "--workers", str(workers)],
                            env=env, cwd=REPO, stdout=out, stderr=err, text=True)
    # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would also count Keycloak's build JVM).
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0), err.seek(0)
    stdout, stderr = out.read(), err.read()
    assert proc.returncode == 0, stderr[-2000:]
    summary = [line for line in stdout.splitlines() if line.startswith(("Created", "Read and planned"))]
    return elapsed, usage.ru_maxrss, " ".join(summary) if summary else stdout[-300:]


def run_raw(keycloak, realm: str, ids: list[str], batch: int, workers: int) -> float:
    """The endpoint alone: prepared bodies POSTed with plain requests, same batches and concurrency."""
    api = admin(keycloak)
    api.bearer_header()  # authenticate outside the timing
    reps = [user_representation(StaffMember(n, "RPPS", f"Prenom{i}", f"NOM{i}", rpps=n[1:],
                                            groups={"/SMUR 67 Strasbourg"}, roles={"medecin"}), "psc")
            for i, n in enumerate(ids)]
    bodies = [{"ifResourceExists": "SKIP", "users": reps[i:i + batch]} for i in range(0, len(reps), batch)]
    endpoint = keycloak.base_url + url(LINK_URLS["partial_import"], realm=realm)

    def post(body):
        # A fresh header per batch: the admin token (60 s) expires during a long import.
        response = requests.post(endpoint, json=body, headers=api.bearer_header(), timeout=600)
        response.raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - start


def run_naive(keycloak, realm: str, ids: list[str]) -> float:
    """What an admin script would do with python-keycloak: one user at a time, same end state."""
    connection = KeycloakOpenIDConnection(server_url=keycloak.base_url, username=keycloak.admin_username,
                                          password=keycloak.admin_password, realm_name=realm,
                                          user_realm_name="master", client_id="admin-cli")
    kc = PyKeycloakAdmin(connection=connection)
    role = kc.get_realm_role("medecin")
    start = time.perf_counter()
    for i, nid in enumerate(ids):
        user_id = kc.create_user({"username": nid, "enabled": True, "firstName": f"Prenom{i}", "lastName": f"NOM{i}",
                                  "attributes": {"idnat": [nid], "rpps": [nid[1:]], "provisioned_by": ["naive"]},
                                  "groups": ["/SMUR 67 Strasbourg"]})
        kc.add_user_social_login(user_id, "psc", nid, nid)
        kc.assign_realm_roles(user_id, [role])
    return time.perf_counter() - start


WARM_UP_USERS = 4_000


def warm_up(keycloak, psc, work: Path, batch: int, workers: int) -> None:
    """Let Keycloak's JIT settle before anything is timed. On PostgreSQL the first 100,000-user import
    stays slower than the second whichever tool runs first (96-108 s against 74-89 s, with 100 or
    4,000 warm-up users alike): that is what --order shows, not a warm-up matter."""
    provision_realm(keycloak, psc, "bench-warmup", work)
    run_raw(keycloak, "bench-warmup", national_ids(WARM_UP_USERS, 9_000_000), batch, workers)
    run_naive(keycloak, "bench-warmup", national_ids(100, 9_500_000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="users for the naive loop (extrapolated)")
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="users per partialImport (ours and raw)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="requests in flight (ours and raw)")
    parser.add_argument("--heap", default="2g", help="Keycloak's maximum heap")
    parser.add_argument("--order", choices=("ours-first", "raw-first"), default="ours-first",
                        help="which full import runs first (the second meets a fuller database)")
    parser.add_argument("--database", choices=("h2", "postgres"), default="h2",
                        help="Keycloak's database: embedded H2 dev-file, or a local PostgreSQL (production)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="smur-iam-links-bench-"))
    ids = national_ids(args.users, 0)
    print(f"# links benchmark: {args.users} staff, batches of {args.batch} x{args.workers} in flight, "
          f"naive sample {args.sample}; database {args.database}; {args.order}; "
          f"work dir {work}", flush=True)
    # A Keycloak home of its own (with the PSC mapper JAR, as in production): the shared test cache
    # is never rebuilt under a running test session.
    spec = StackSpec(data_dir=work / "kc", heap=args.heap, cache_dir=work / "cache",
                     postgres_dir=work / "pg" if args.database == "postgres" else None)
    with LocalStack(spec) as stack:
        keycloak, psc = stack.keycloak, stack.psc
        print(f"Keycloak ready (start {keycloak.start_seconds:.1f}s)", flush=True)
        warm_up(keycloak, psc, work, args.batch, args.workers)
        env_tool = provision_realm(keycloak, psc, "bench-tool", work)
        provision_realm(keycloak, psc, "bench-raw", work)
        provision_realm(keycloak, psc, "bench-naive", work)

        source = work / "staff.csv"
        write_staff(source, ids)
        # Whichever import runs second finds a database already holding 100,000 more users (and, on
        # PostgreSQL, table statistics gathered meanwhile): --order tells which one goes first.
        def ours():
            return run_tool(env_tool, "bench-tool", source, args.batch, args.workers)

        def raw():
            return run_raw(keycloak, "bench-raw", ids, args.batch, args.workers)

        if args.order == "raw-first":
            raw_full = raw()
            print(f"raw partialImport : {raw_full:8.1f} s  {args.users / raw_full:7.0f} users/s", flush=True)
        tool_full, peak_full, summary = ours()
        print(f"ours, full import : {tool_full:8.1f} s  {args.users / tool_full:7.0f} users/s  ({summary})", flush=True)
        if args.order == "ours-first":
            raw_full = raw()
            print(f"raw partialImport : {raw_full:8.1f} s  {args.users / raw_full:7.0f} users/s", flush=True)

        naive = run_naive(keycloak, "bench-naive", ids[:args.sample])
        naive_full = naive * args.users / args.sample
        print(f"naive loop        : {naive:8.1f} s for {args.sample} → {naive_full:8.1f} s extrapolated "
              f"({args.sample / naive:5.0f} users/s)", flush=True)

        changed = set(ids[:: 100])  # 1%
        resync_source = work / "staff-resync.csv"
        write_staff(resync_source, ids, changed)
        tool_resync, peak_resync, summary = run_tool(env_tool, "bench-tool", resync_source, args.batch, args.workers)
        print(f"ours, 1% re-sync  : {tool_resync:8.1f} s  ({summary})", flush=True)

    print()
    print(f"| measure (Keycloak on {args.database}, {args.order}) | value | goal |")
    print("|---|---|---|")
    print(f"| ours, full import of {args.users} | {tool_full:.1f} s, {args.users / tool_full:.0f} users/s | |")
    print(f"| raw partialImport, same batches | {raw_full:.1f} s, {args.users / raw_full:.0f} users/s | |")
    print(f"| naive python-keycloak loop ({args.sample} sample, extrapolated) | {naive_full:.1f} s, "
          f"{args.sample / naive:.0f} users/s | |")
    print(f"| ours vs naive | {naive_full / tool_full:.1f}× faster | ≥ 10× |")
    print(f"| ours vs raw endpoint | {raw_full / tool_full:.2f}× | ≥ 0.8× |")
    print(f"| 1% re-sync | {tool_resync:.1f} s = {100 * tool_resync / tool_full:.1f}% of the full import | < 10% |")
    print(f"| peak memory of our process | {max(peak_full, peak_resync) / 1024:.0f} MiB | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
