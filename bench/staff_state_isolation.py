"""Benchmark: the staff-state endpoint of one realm does not slow down with another realm's users.

    .venv/bin/python bench/staff_state_isolation.py [--users-a 5000] [--users-b 100000] [--calls 15]
                                                    [--database {h2,postgres}]

Starts a mock PSC and two Keycloak servers side by side (the PSC extension loaded; dev-file H2, or
with --database postgres one local PostgreSQL server per Keycloak, as in production), both
provisioned with two copies of the shipped region, A and B:
  - "alone": A holds --users-a staff, B is empty;
  - "crowded": A holds the same staff, B holds --users-b more (each with a stored password:
    rows in every table the endpoint reads).
Staff are made as `smur-iam links` makes them (attributes, PSC link, group, role; 1% of A with a
stored password). Then `GET /admin/realms/A/smur-staff-state/users` is called on both servers in
turn, --calls times each after warm-up calls (the order flips every round, so that both meet the
same machine), and the medians and their ratio are printed (goal: within 1.2x). The servers' own
per-query times come from their logs (`staff state of realm ... read ...`), which also say how the
per-user tables were read (on PostgreSQL: by the realm's user ids, probed by index when the realm
holds a minority of the users).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from links_bench import admin, national_ids, provision_realm  # noqa: E402

from mockpsc.server import MockPSC  # noqa: E402
from provisioning.keycloak_api import url  # noqa: E402
from provisioning.links.apply import URLS as LINK_URLS  # noqa: E402
from provisioning.resources.staff_account import from_staff_row as user_representation  # noqa: E402
from provisioning.links.realm_state import NEEDED_ATTRIBUTES  # noqa: E402
from provisioning.links.staff import StaffMember  # noqa: E402
from provisioning.runtime.extension import psc_extension_jar  # noqa: E402
from provisioning.runtime.stack import LocalStack, StackSpec  # noqa: E402

REALM_A, REALM_B = "bench-a", "bench-b"
BATCH, WORKERS = 25, 2
# A password stored as already hashed: partialImport keeps secretData as given, so filling a realm
# costs no hashing (an account with a password is what the credential query must find).
STORED_PASSWORD = {"type": "password",
                   "secretData": '{"value":"c2FtcGxl","salt":"c2FsdA==","additionalParameters":{}}',
                   "credentialData": '{"hashIterations":1,"algorithm":"pbkdf2-sha256","additionalParameters":{}}'}


def fill(keycloak, realm: str, ids: list[str], with_password) -> float:
    """Staff as `smur-iam links` makes them, by partialImport batches; returns seconds."""
    api = admin(keycloak)
    reps = []
    for i, nid in enumerate(ids):
        rep = user_representation(StaffMember(nid, "RPPS", f"Prenom{i}", f"NOM{i}", rpps=nid[1:],
                                              groups=frozenset({"/SMUR 67 Strasbourg"}),
                                              roles=frozenset({"medecin"})), "psc")
        if with_password(i):
            rep["credentials"] = [dict(STORED_PASSWORD)]
        reps.append(rep)
    endpoint = keycloak.base_url + url(LINK_URLS["partial_import"], realm=realm)

    def post(start):
        body = {"ifResourceExists": "SKIP", "users": reps[start:start + BATCH]}
        response = requests.post(endpoint, json=body, headers=api.bearer_header(), timeout=600)
        response.raise_for_status()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(post, range(0, len(reps), BATCH)))
    return time.perf_counter() - started


def staff_state_call(keycloak, api, realm: str) -> tuple[float, int]:
    """One call as the links tool makes it; returns (seconds, users in the answer)."""
    headers = api.bearer_header()  # outside the timing
    started = time.perf_counter()
    response = requests.get(f"{keycloak.base_url}/admin/realms/{realm}/smur-staff-state/users",
                            params={"idp": "psc", "attribute": list(NEEDED_ATTRIBUTES)}, headers=headers, timeout=600)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return seconds, response.text.count("\n") - 1


def server_reads(keycloak, realm: str, last: int) -> list[str]:
    """The server's own lines for its last reads of ``realm``: total and per-query milliseconds."""
    lines = [line.split("staff state of realm", 1)[1].strip()
             for line in keycloak.log_path.read_text(errors="replace").splitlines()
             if f"staff state of realm {realm} read" in line]
    return lines[-last:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users-a", type=int, default=5_000, help="staff in the realm that is read (A)")
    parser.add_argument("--users-b", type=int, default=100_000, help="staff in the other realm (B), crowded server")
    parser.add_argument("--calls", type=int, default=15, help="timed calls per server (median)")
    parser.add_argument("--warm-up", type=int, default=5, help="untimed calls per server first")
    parser.add_argument("--heap", default="2g", help="each Keycloak's maximum heap")
    parser.add_argument("--database", choices=("h2", "postgres"), default="h2")
    parser.add_argument("--jar", type=Path, help="this extension JAR instead of building mappers/psc-extension")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="smur-iam-isolation-bench-"))
    print(f"# staff-state isolation: A {args.users_a} staff on both servers, B empty / {args.users_b}; "
          f"database {args.database}; {args.calls} calls per server; work dir {work}", flush=True)
    jar = args.jar.resolve() if args.jar else psc_extension_jar().path
    with ExitStack() as stack:
        psc = stack.enter_context(MockPSC())  # one mock PSC for both servers
        servers = {}
        for name in ("alone", "crowded"):
            keycloak = stack.enter_context(LocalStack(StackSpec(
                data_dir=work / f"kc-{name}", heap=args.heap, providers=(jar,), mock_psc=False,
                postgres_dir=work / f"pg-{name}" if args.database == "postgres" else None,
                cache_dir=work / "cache"))).keycloak  # never rebuilds the tests' shared cache
            print(f"Keycloak '{name}' ready (start {keycloak.start_seconds:.1f}s)", flush=True)
            for realm in (REALM_A, REALM_B):
                provision_realm(keycloak, psc, realm, work / name)
            seconds = fill(keycloak, REALM_A, national_ids(args.users_a, 0), lambda i: i % 100 == 0)
            print(f"  {name}: A filled with {args.users_a} staff in {seconds:.1f}s", flush=True)
            servers[name] = (keycloak, admin(keycloak))
        crowded = servers["crowded"][0]
        seconds = fill(crowded, REALM_B, national_ids(args.users_b, 50_000_000), lambda i: True)
        print(f"  crowded: B filled with {args.users_b} staff (each with a stored password) in {seconds:.1f}s",
              flush=True)

        times: dict[str, list[float]] = {name: [] for name in servers}
        for round_ in range(args.warm_up + args.calls):
            order = ("alone", "crowded") if round_ % 2 == 0 else ("crowded", "alone")
            for name in order:
                keycloak, api = servers[name]
                seconds, count = staff_state_call(keycloak, api, REALM_A)
                assert count >= args.users_a, f"{name}: only {count} users in A"
                if round_ >= args.warm_up:
                    times[name].append(seconds)
        medians = {name: statistics.median(values) for name, values in times.items()}
        for name in servers:
            print(f"A on '{name}': median {medians[name] * 1000:7.1f} ms  "
                  f"(min {min(times[name]) * 1000:.0f}, max {max(times[name]) * 1000:.0f})", flush=True)
            for line in server_reads(servers[name][0], REALM_A, 2):
                print(f"    server: {line}")
        b_seconds, b_count = staff_state_call(crowded, servers["crowded"][1], REALM_B)
        print(f"B on 'crowded': {b_seconds * 1000:7.1f} ms for {b_count} users (one call, for scale)")
        print(f"    server: {server_reads(crowded, REALM_B, 1)[0]}", flush=True)

    ratio = medians["crowded"] / medians["alone"]
    print()
    print(f"| staff-state call on A ({args.users_a} staff, {args.database}) | median of {args.calls} | |")
    print("|---|---|---|")
    print(f"| B empty | {medians['alone'] * 1000:.0f} ms | |")
    print(f"| B with {args.users_b} staff | {medians['crowded'] * 1000:.0f} ms | |")
    print(f"| ratio | {ratio:.2f}x | {'within' if ratio <= 1.2 else 'OVER'} the 1.2x goal |")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
