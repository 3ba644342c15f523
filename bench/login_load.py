"""Benchmark: sign-in load on the production topology, brokered PSC logins beside Keycloak password logins.

    .venv/bin/python bench/login_load.py [--workers 8] [--duration 45] [--warm-up 10]
                                         [--professionals 3000] [--shift-rate 5] [--no-shift-change]
                                         [--sessions 10000] [--regions 18] [--quick] [--cache-dir DIR]

Starts the cluster topology once (provisioning/runtime/stack.py, `topology="cluster"`: PostgreSQL, two
Keycloak nodes, HAProxy terminating TLS) and the mock PSC in a process of its own (so that it does not
share this process's interpreter lock with the load generator), provisions the shipped regions with
`smur-iam apply` through the balancer (realm names prefixed `load-`), pre-links the professionals as
`smur-iam links apply` does (partialImport of linked accounts), and measures, in one run on the same cluster:

  phases, closed loop, --workers workers, --duration seconds each after --warm-up seconds:
    brokered  the whole PSC journey of the tablet app (public client smurtab, PKCE S256, kc_idp_hint=psc):
              authorize at Keycloak -> mock PSC wallet page -> national id -> the professional's own e-CPS
              phone approves the push through the mock's phone API (PIN + the number shown) -> Keycloak's
              broker endpoint (token + userinfo calls to the mock, mappers) -> code exchange; each worker
              signs in its own share of distinct professionals in turn (a phone holds one push at a time);
    password  the same authorization-code journey on a benchmark realm made through the admin API
              (regional realms refuse passwords by design): Keycloak's username/password form, users with
              passwords hashed by Keycloak's default policy (the reference of Keycloak's sizing guide);
  each with node B out of HAProxy's rotation (`set server keycloak/node-b state maint`) and with both nodes.
  Per phase: logins/s, p50/p95/p99 of the whole journey, errors (count, first messages), and Keycloak CPU
  seconds per login: utime+stime of every node's JVM from /proc/<pid>/stat (the mock's and this load
  generator's share excluded), hence logins/s per Keycloak vCPU (logins / Keycloak CPU seconds).

  shift change (--shift-change, on unless --quick or --no-shift-change): --professionals professionals across
    the --regions regions each sign in once, open loop at --shift-rate arrivals per second (3,000 / 600 s = 5/s
    by default: the 10-minute window), latency counted from each arrival's scheduled time (a late start is
    latency, not a gap in the load); goals zero errors and p95 < 1 s.

  memory: heap used after a full GC (`jcmd <pid> GC.run`, then `GC.heap_info`) on each node before and after
    --sessions password-grant sessions on a realm of their own (users stored with a 1-iteration hash: the
    sessions are measured, not the hashing). Keycloak 26 keeps user sessions in the database (persistent
    sessions) with a bounded in-memory cache, so the heap grows less than the session count suggests.

Goals printed with ✔/✘: brokered p95 ≤ 2x password p95; Keycloak CPU per brokered login ≤ per password login;
≥ 15 brokered logins/s per Keycloak vCPU (Keycloak's sizing guide figure for password logins); the shift change.
Exit status 0 when every goal is met, 1 otherwise. The work directory (--work-dir) keeps the nodes', HAProxy's and
the mock's logs.

Machine caveats: everything runs on one machine (both Keycloak JVMs, PostgreSQL, HAProxy, the mock, this load
generator) and shares its cores; on a 2-core machine shared with other jobs the latencies and rates move with
the load average (printed at the start and the end), while CPU per login, being measured per JVM, moves less.
The load generator is Python threads (TLS, HTML parsing): it takes a visible share of the cores itself.
--quick is a smoke run: about 3 minutes once the cluster is up (1 region, 3+10 s phases, 500 sessions, no shift
change unless --shift-change: then 60 professionals); the cluster's start adds 1-2.5 minutes with a built cache
(--cache-dir; the first start in a new cache downloads Keycloak and builds it and the PSC extension: +3-5 min).
A full run took 23 minutes here: cluster 2 min, the 18 regions' apply 2.5 min, linking 1 min, four phases of
10+45 s after a 40 s warm-up, the 10-minute shift change, 10,000 sessions 3 min.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

GOAL_P95_RATIO = 2.0  # brokered p95 at most twice the password p95
GOAL_LOGINS_PER_VCPU = 15.0  # Keycloak's sizing guide: 15 password logins/s per vCPU
GOAL_SHIFT_P95 = 1.0  # seconds
PIN = "1234"
REDIRECT_URI = "http://127.0.0.1:8090/callback"  # smurtab's (realm/national-defaults.yaml), never fetched
PASSWORD_REALM, PASSWORD_CLIENT = "load-password", "load-app"
SESSIONS_REALM, SESSIONS_CLIENT = "load-sessions", "load-sessions-app"
REALM_PREFIX = "load"
CLOSED_LOOP_REGION = "smur-grand-est"
MAX_LOGINS_PER_PHASE = 200_000  # a bound beside the duration
ERRORS_KEPT = 5
IMPORT_BATCH = 100
# The session realm hashes with one pbkdf2 iteration (its password policy): 10,000 session users cost
# little to import and to sign in, so the memory figure is the sessions', not the hashing's.
CHEAP_HASH_POLICY = "hashAlgorithm(pbkdf2-sha256) and hashIterations(1)"


def progress(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


# -- figures -----------------------------------------------------------------------------------------------

def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` 0.95 for p95); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-fraction * len(ordered) // 1))))
    return ordered[rank - 1]


@dataclass
class PhaseResult:
    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    cpu_seconds: float = float("nan")  # all Keycloak JVMs, during the measured window
    cpu_by_node: dict[str, float] = field(default_factory=dict)
    workers: int = 0
    note: str = ""

    @property
    def logins(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.logins / self.seconds if self.seconds else float("nan")

    def p(self, fraction: float) -> float:
        return percentile(self.latencies, fraction)

    @property
    def cpu_per_login(self) -> float:
        return self.cpu_seconds / self.logins if self.logins else float("nan")

    @property
    def logins_per_vcpu(self) -> float:
        return self.logins / self.cpu_seconds if self.cpu_seconds else float("nan")

    def record_error(self, message: str) -> None:
        self.errors += 1
        if len(self.first_errors) < ERRORS_KEPT:
            self.first_errors.append(message[:300])


def table(results: list[PhaseResult]) -> str:
    lines = ["| phase | workers | logins | logins/s | p50 | p95 | p99 | errors | Keycloak CPU s/login "
             "| logins/s per Keycloak vCPU |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.workers} | {r.logins} | {r.rate:.1f} | {r.p(0.50) * 1000:.0f} ms "
                     f"| {r.p(0.95) * 1000:.0f} ms | {r.p(0.99) * 1000:.0f} ms | {r.errors} "
                     f"| {r.cpu_per_login * 1000:.1f} ms | {r.logins_per_vcpu:.1f} |")
    return "\n".join(lines)


def cpu_split(result: PhaseResult) -> str:
    return ", ".join(f"{name} {spent:.1f} s" for name, spent in result.cpu_by_node.items())


def mark(ok: bool) -> str:
    return "✔" if ok else "✘"


def goals(results: dict[str, PhaseResult], shift: PhaseResult | None) -> list[tuple[bool, str]]:
    """(met, line) for each goal the measured phases allow judging."""
    out = []
    for nodes in ("1 node", "2 nodes"):
        brokered, password = results.get(f"brokered, {nodes}"), results.get(f"password, {nodes}")
        if not brokered or not password or not brokered.logins or not password.logins:
            continue
        ratio = brokered.p(0.95) / password.p(0.95)
        out.append((ratio <= GOAL_P95_RATIO, f"{nodes}: brokered p95 {brokered.p(0.95) * 1000:.0f} ms = "
                    f"{ratio:.2f}x password p95 {password.p(0.95) * 1000:.0f} ms (goal ≤ {GOAL_P95_RATIO:g}x)"))
        out.append((brokered.cpu_per_login <= password.cpu_per_login,
                    f"{nodes}: Keycloak CPU per brokered login {brokered.cpu_per_login * 1000:.1f} ms vs "
                    f"{password.cpu_per_login * 1000:.1f} ms per password login (goal ≤)"))
        out.append((brokered.logins_per_vcpu >= GOAL_LOGINS_PER_VCPU,
                    f"{nodes}: {brokered.logins_per_vcpu:.1f} brokered logins/s per Keycloak vCPU "
                    f"(goal ≥ {GOAL_LOGINS_PER_VCPU:g})"))
    if shift is not None:
        out.append((shift.errors == 0, f"shift change: {shift.errors} errors out of {shift.logins + shift.errors} "
                                       "sign-ins (goal 0)"))
        out.append((shift.logins > 0 and shift.p(0.95) < GOAL_SHIFT_P95,
                    f"shift change: p95 {shift.p(0.95) * 1000:.0f} ms (goal < {GOAL_SHIFT_P95 * 1000:.0f} ms)"))
    return out


# -- Keycloak's own CPU and heap ------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def jvm_pid(node) -> int:
    """The JVM serving ``node``: kc.sh execs java when started --optimized, so the pid is normally it;
    otherwise the java process of its process group."""
    from provisioning.runtime.process import group_members

    candidates = [node.pid] + [member.pid for member in group_members(node.pgid)]
    for pid in candidates:
        try:
            if os.readlink(f"/proc/{pid}/exe").endswith("/java"):
                return pid
        except OSError:
            continue
    raise RuntimeError(f"no java process in the process group of {node.data_dir.name} ({candidates})")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` so far (/proc/<pid>/stat fields 14 and 15: after the command name)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class KeycloakCpu:
    """CPU seconds of the Keycloak JVMs (node name -> pid)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids

    def by_node(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def total(self) -> float:
        return sum(self.by_node().values())

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: after[name] - before[name] for name in before}

    def idle_rate(self, seconds: float) -> dict[str, float]:
        """CPU seconds per second each JVM spends with no sign-in running (timers, cluster traffic, GC)."""
        before = self.by_node()
        time.sleep(seconds)
        return {name: spent / seconds for name, spent in self.spent(before, self.by_node()).items()}


def heap_used_after_gc(jcmd: Path, pid: int) -> int:
    """Bytes of heap in use right after a full collection (``jcmd GC.run``, then ``GC.heap_info``)."""
    subprocess.run([str(jcmd), str(pid), "GC.run"], check=True, capture_output=True, timeout=120)
    info = subprocess.run([str(jcmd), str(pid), "GC.heap_info"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    match = re.search(r"heap\s+total.*?used\s+(\d+)K", info, re.S)
    if not match:
        raise RuntimeError(f"jcmd GC.heap_info of {pid}: no 'used' figure in {info[:300]!r}")
    return int(match.group(1)) * 1024


# -- the two journeys ------------------------------------------------------------------------------------------

def code_of(location: str) -> str:
    if not location.startswith(REDIRECT_URI):
        raise AssertionError(f"not back at the app: {location[:200]}")
    query = parse_qs(urlparse(location).query)
    if "code" not in query:
        raise AssertionError(f"back at the app without a code: {location[:300]}")
    return query["code"][0]


def exchange(http: requests.Session, base_url: str, realm: str, client_id: str, code: str, verifier: str) -> None:
    answer = http.post(f"{base_url}/realms/{realm}/protocol/openid-connect/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "client_id": client_id,
        "code_verifier": verifier}, timeout=30)
    if answer.status_code != 200 or "access_token" not in answer.json():
        raise AssertionError(f"code exchange answered {answer.status_code}: {answer.text[:200]}")


def authorize(http: requests.Session, base_url: str, realm: str, client_id: str, challenge: str,
              **extra: str) -> requests.Response:
    return http.get(f"{base_url}/realms/{realm}/protocol/openid-connect/auth", params={
        "client_id": client_id, "redirect_uri": REDIRECT_URI, "response_type": "code", "scope": "openid",
        "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12), "code_challenge": challenge,
        "code_challenge_method": "S256", **extra}, timeout=30)


@dataclass(frozen=True)
class Cluster:
    base_url: str
    ca_bundle: str
    wallet_origin: str


def trust_the_run_ca(session: requests.Session, cluster: Cluster) -> None:
    # trust_env off: REQUESTS_CA_BUNDLE, set on many machines, would override the session's verify.
    session.trust_env = False
    session.verify = cluster.ca_bundle


def brokered_login(cluster: Cluster, realm: str, national_id: str) -> None:
    """The tablet app's whole PSC sign-in of ``national_id``, approved on her own phone (the journey the
    failover tests repeat too: tests/fixtures/tablet.py)."""
    from fixtures.tablet import psc_sign_in  # noqa: PLC0415 (tests/ on the path)

    psc_sign_in(cluster.base_url, realm, national_id, cluster.wallet_origin, phone_id=phone_of(national_id),
                pin=PIN, ca_bundle=cluster.ca_bundle)


def password_login(cluster: Cluster, username: str, password: str) -> None:
    """The same authorization-code journey with Keycloak's username/password form."""
    from fixtures.tablet import pkce_pair  # noqa: PLC0415 (tests/ on the path)
    from mockpsc.testing import read_form

    with requests.Session() as browser:
        trust_the_run_ca(browser, cluster)
        verifier, challenge = pkce_pair()
        page = authorize(browser, cluster.base_url, PASSWORD_REALM, PASSWORD_CLIENT, challenge)
        if page.status_code != 200 or 'name="password"' not in page.text:
            raise AssertionError(f"no login form: {page.status_code} {page.url[:200]}")
        action, fields = read_form(page.text)
        fields.update(username=username, password=password)
        answer = browser.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=30)
        if answer.status_code not in (302, 303):
            raise AssertionError(f"the form answered {answer.status_code} for {username}")
        exchange(browser, cluster.base_url, PASSWORD_REALM, PASSWORD_CLIENT, code_of(answer.headers["Location"]),
                 verifier)


def phone_of(national_id: str) -> str:
    return f"phone-{national_id}"


# -- load shapes --------------------------------------------------------------------------------------------------

def closed_loop(name: str, workers: int, warm_up: float, duration: float, one_login, cpu: KeycloakCpu,
                max_logins: int = MAX_LOGINS_PER_PHASE) -> PhaseResult:
    """``workers`` threads sign in back to back: ``one_login(worker, turn)``; logins that end inside the
    measured window count (those started in the warm-up included: the window sees a steady state)."""
    result = PhaseResult(name, workers=workers)
    lock = threading.Lock()
    started = time.monotonic()
    window_start, window_end = started + warm_up, started + warm_up + duration
    cpu_at: dict[str, dict[str, float]] = {}

    def worker(index: int) -> None:
        turn = 0
        while time.monotonic() < window_end and turn < max_logins:
            begin = time.monotonic()
            try:
                one_login(index, turn)
                error = None
            except Exception as exc:  # any failure is a failed login, counted and reported
                error = f"{type(exc).__name__}: {exc}"
            end = time.monotonic()
            turn += 1
            if window_start <= end <= window_end:
                with lock:
                    if error is None:
                        result.latencies.append(end - begin)
                    else:
                        result.record_error(error)

    def sample_cpu() -> None:
        for key, at in (("start", window_start), ("end", window_end)):
            time.sleep(max(0.0, at - time.monotonic()))
            cpu_at[key] = cpu.by_node()

    sampler = threading.Thread(target=sample_cpu)
    sampler.start()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(worker, range(workers)))
    sampler.join()
    result.seconds = duration
    result.cpu_by_node = cpu.spent(cpu_at["start"], cpu_at["end"])
    result.cpu_seconds = sum(result.cpu_by_node.values())
    return result


def open_loop(name: str, arrivals: list, rate: float, one_login, cpu: KeycloakCpu, concurrency: int,
              report_every: float = 30.0) -> PhaseResult:
    """Arrival ``i`` at ``i / rate`` seconds: ``one_login(arrivals[i])``; latency from the scheduled time."""
    result = PhaseResult(name, workers=concurrency)
    lock = threading.Lock()
    started = time.monotonic()
    cpu_before = cpu.by_node()

    def arrive(index: int) -> None:
        scheduled = started + index / rate
        time.sleep(max(0.0, scheduled - time.monotonic()))
        try:
            one_login(arrivals[index])
            error = None
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        with lock:
            if error is None:
                result.latencies.append(time.monotonic() - scheduled)
            else:
                result.record_error(error)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        next_report = started + report_every
        for index in range(len(arrivals)):
            # Submit shortly before each arrival, so the pool's queue holds no more than it must.
            time.sleep(max(0.0, started + index / rate - 0.5 - time.monotonic()))
            futures.append(pool.submit(arrive, index))
            if time.monotonic() >= next_report:
                next_report += report_every
                with lock:
                    progress(f"  {name}: {result.logins} signed in, {result.errors} errors, "
                             f"p95 so far {result.p(0.95) * 1000:.0f} ms")
        for future in futures:
            future.result()
    result.seconds = time.monotonic() - started
    result.cpu_by_node = cpu.spent(cpu_before, cpu.by_node())
    result.cpu_seconds = sum(result.cpu_by_node.values())
    return result


# -- provisioning -------------------------------------------------------------------------------------------------

def national_ids(count: int, start: int) -> list[str]:
    from links_bench import national_ids as ids

    return ids(count, start)


def identity(national_id: str, index: int) -> dict:
    """A mock PSC identity: a médecin with an e-CPS bound to a phone of her own."""
    return {"national_id": national_id, "given_name": f"PRENOM{index}", "family_name": f"NOM{index}",
            "civilite": "MME", "ecps": {"pin": PIN, "device": phone_of(national_id)},
            "exercices": [{"profession": "10", "category": "C", "activities": [
                {"mode": "S", "secteur": "SA01", "structure_id": "R10000000000011",
                 "raison_sociale": "CENTRE HOSPITALIER FICTIF - SMUR", "departement": "67"}]}]}


class MockProcess:
    """The mock PSC as `python -m mockpsc`, with the bench's identities and Keycloak's clients."""

    def __init__(self, work: Path, identities: list[dict], clients: list[dict]):
        from provisioning.runtime.keycloak import free_port

        self.work = work
        (work / "mock-identities.json").write_text(json.dumps({"identities": identities}))
        (work / "mock-clients.json").write_text(json.dumps({"clients": clients}))
        self.auth_port, self.wallet_port = free_port(), free_port()
        self.issuer_origin = f"http://127.0.0.1:{self.auth_port}"
        self.wallet_origin = f"http://127.0.0.1:{self.wallet_port}"
        self.proc: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        from mockpsc.settings import REALM_PATH

        return f"{self.issuer_origin}{REALM_PATH}"

    def __enter__(self) -> "MockProcess":
        log = open(self.work / "mock-psc.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mockpsc", "--identities", str(self.work / "mock-identities.json"),
             "--clients", str(self.work / "mock-clients.json"), "--auth-port", str(self.auth_port),
             "--wallet-port", str(self.wallet_port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONPATH": str(REPO)})
        log.close()
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.issuer}/.well-known/wallet-openid-configuration", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"the mock PSC did not start: {(self.work / 'mock-psc.log').read_text()[-2000:]}")
            time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


@dataclass
class Regions:
    """A copy of the shipped regions, each realm renamed ``load-<region>``, with made-up secrets."""
    root: Path
    realms: dict[str, str]  # shipped realm name -> bench realm name
    secrets_env: dict[str, str]

    @classmethod
    def copy(cls, work: Path) -> "Regions":
        from fixtures.realms import all_secrets_env, copy_all_regions

        root = work / "regions"
        realms = copy_all_regions(root, REALM_PREFIX)
        return cls(root, realms, all_secrets_env(root / "realm"))

    def psc_clients(self, base_url: str, shipped: list[str]) -> list[dict]:
        """Each region's registration at the mock PSC, as DataPass makes it: the region file's default
        client id (``smur-<region>``), its secret, Keycloak's broker endpoint of the bench realm."""
        clients = []
        for name in shipped:
            suffix = name.removeprefix("smur-").upper().replace("-", "_")
            broker = f"{base_url}/realms/{self.realms[name]}/broker/psc/endpoint"
            clients.append({"client_id": name, "secret": self.secrets_env[f"PSC_CLIENT_SECRET_{suffix}"],
                            "redirect_uris": [broker], "post_logout_redirect_uris": [f"{broker}/logout_response"]})
        return clients

    def apply(self, stack, mock: "MockProcess", work: Path, shipped: list[str]) -> float:
        """`smur-iam apply` of the ``shipped`` regions through the balancer; returns seconds."""
        from fixtures.realms import run_cli

        env = {"PATH": os.environ.get("PATH", ""), "SMUR_IAM_PSC_ENVIRONMENT": "mock",
               "SMUR_IAM_CACHE": str(work / "smur-iam-cache"), "SMUR_IAM_MOCK_PSC_ISSUER": mock.issuer,
               **stack.admin_env(), **self.secrets_env}
        selection = [arg for name in shipped for arg in ("--realm", self.realms[name])]
        started = time.monotonic()
        result = run_cli("apply", str(self.root / "realm"), "--yes", *selection, env=env, timeout=1800)
        if result.returncode != 0:
            raise RuntimeError(f"smur-iam apply failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
        return time.monotonic() - started


def import_users(api, realm: str, users: list[dict]) -> None:
    from provisioning.keycloak_api import url
    from provisioning.links.apply import URLS as LINK_URLS

    endpoint = url(LINK_URLS["partial_import"], realm=realm)

    def post(start: int) -> None:
        api.post(endpoint, json={"ifResourceExists": "SKIP", "users": users[start:start + IMPORT_BATCH]})

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(post, range(0, len(users), IMPORT_BATCH)))


def link_professionals(api, realm: str, ids: list[str]) -> None:
    """Accounts as `smur-iam links apply` makes them: attributes, the PSC link by national id, a role."""
    from provisioning.links.staff import StaffMember
    from provisioning.resources.staff_account import from_staff_row

    import_users(api, realm, [from_staff_row(StaffMember(nid, "RPPS", f"Prenom{i}", f"NOM{i}", rpps=nid[1:],
                                                         groups=frozenset(), roles=frozenset({"medecin"})), "psc")
                              for i, nid in enumerate(ids)])


def make_password_realm(api, usernames: list[str], password: str) -> None:
    """A plain Keycloak realm with a public PKCE client and users whose passwords Keycloak hashes itself."""
    api.post("/admin/realms", json={"realm": PASSWORD_REALM, "enabled": True})
    api.post(f"/admin/realms/{PASSWORD_REALM}/clients", json={
        "clientId": PASSWORD_CLIENT, "publicClient": True, "standardFlowEnabled": True,
        "directAccessGrantsEnabled": False, "redirectUris": [REDIRECT_URI],
        "attributes": {"pkce.code.challenge.method": "S256"}})
    import_users(api, PASSWORD_REALM, [
        {"username": name, "enabled": True, "email": f"{name}@load.example", "emailVerified": True,
         "firstName": "Load", "lastName": name, "credentials": [{"type": "password", "value": password,
                                                                  "temporary": False}]}
        for name in usernames])


def password_hashing(api, realm: str, username: str) -> str:
    """The algorithm and iterations Keycloak stored ``username``'s password with (its default policy)."""
    user = api.get(f"/admin/realms/{realm}/users", params={"username": username, "exact": "true"})[0]
    credential = api.get(f"/admin/realms/{realm}/users/{user['id']}/credentials")[0]
    data = json.loads(credential.get("credentialData", "{}"))
    return f"{data.get('algorithm', '?')}, {data.get('hashIterations', '?')} iteration(s)"


def make_sessions_realm(api, usernames: list[str], password: str) -> None:
    """A realm for session memory: a direct-grant client, users whose password is hashed cheaply."""
    api.post("/admin/realms", json={"realm": SESSIONS_REALM, "enabled": True, "passwordPolicy": CHEAP_HASH_POLICY})
    api.post(f"/admin/realms/{SESSIONS_REALM}/clients", json={
        "clientId": SESSIONS_CLIENT, "publicClient": True, "standardFlowEnabled": False,
        "directAccessGrantsEnabled": True})
    import_users(api, SESSIONS_REALM, [
        {"username": name, "enabled": True, "email": f"{name}@sessions.example", "emailVerified": True,
         "firstName": "Session", "lastName": name,
         "credentials": [{"type": "password", "value": password, "temporary": False}]}
        for name in usernames])


# -- memory per active sessions ------------------------------------------------------------------------------------

@dataclass
class MemoryResult:
    sessions: int
    active_after: int
    seconds: float
    errors: int
    heap_before: dict[str, int]
    heap_after: dict[str, int]

    def lines(self) -> list[str]:
        out = [f"| node | heap used after full GC, before | after {self.sessions:,} sessions | growth "
               f"| per 10,000 sessions |", "|---|---|---|---|---|"]
        for node in self.heap_before:
            growth = self.heap_after[node] - self.heap_before[node]
            out.append(f"| {node} | {self.heap_before[node] / 2**20:.0f} MiB | {self.heap_after[node] / 2**20:.0f} MiB "
                       f"| {growth / 2**20:+.1f} MiB | {growth / 2**20 * 10_000 / max(self.sessions, 1):+.1f} MiB |")
        total = sum(self.heap_after.values()) - sum(self.heap_before.values())
        out.append(f"| both | {sum(self.heap_before.values()) / 2**20:.0f} MiB | {sum(self.heap_after.values()) / 2**20:.0f} MiB "
                   f"| {total / 2**20:+.1f} MiB | {total / 2**20 * 10_000 / max(self.sessions, 1):+.1f} MiB |")
        return out


def active_sessions(api, realm: str) -> int:
    stats = api.get(f"/admin/realms/{realm}/client-session-stats")
    return sum(int(entry.get("active", 0)) for entry in stats)


def session_memory(cluster: Cluster, api, nodes: dict[str, int], jcmd: Path, count: int, workers: int) -> MemoryResult:
    """Heap after a full GC on each node, before and after ``count`` password-grant sessions (both nodes)."""
    password = secrets.token_urlsafe(12)
    usernames = [f"s{i:06d}" for i in range(count)]
    progress(f"memory: {SESSIONS_REALM} with {count:,} users")
    make_sessions_realm(api, usernames, password)
    before = {name: heap_used_after_gc(jcmd, pid) for name, pid in nodes.items()}
    progress("memory: heap before " + ", ".join(f"{n} {b / 2**20:.0f} MiB" for n, b in before.items()))
    errors = 0
    lock = threading.Lock()
    token_url = f"{cluster.base_url}/realms/{SESSIONS_REALM}/protocol/openid-connect/token"

    def sign_in(share: list[str]) -> None:
        nonlocal errors
        with requests.Session() as http:  # one kept-alive connection per worker: the sessions cost, not TLS
            trust_the_run_ca(http, cluster)
            for name in share:
                try:
                    answer = http.post(token_url, data={"grant_type": "password", "client_id": SESSIONS_CLIENT,
                                                        "username": name, "password": password, "scope": "openid"},
                                       timeout=60)
                    ok = answer.status_code == 200
                except requests.RequestException:
                    ok = False
                if not ok:
                    with lock:
                        errors += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(sign_in, [usernames[w::workers] for w in range(workers)]))
    seconds = time.monotonic() - started
    active = active_sessions(api, SESSIONS_REALM)
    progress(f"memory: {count - errors:,} sessions made in {seconds:.0f}s ({errors} errors); Keycloak counts "
             f"{active:,} active")
    after = {name: heap_used_after_gc(jcmd, pid) for name, pid in nodes.items()}
    return MemoryResult(count, active, seconds, errors, before, after)


# -- the run ---------------------------------------------------------------------------------------------------------

def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=8, help="closed-loop workers per phase (default 8)")
    parser.add_argument("--duration", type=float, default=45.0, help="measured seconds per phase (default 45)")
    parser.add_argument("--warm-up", type=float, default=10.0,
                        help="unmeasured seconds before each phase's window (default 10)")
    parser.add_argument("--per-worker", type=int, default=25,
                        help="distinct professionals (and password users) per worker, signed in in turn (default 25)")
    parser.add_argument("--regions", type=int, default=18, help="how many shipped regions to provision (default 18)")
    parser.add_argument("--shift-change", action=argparse.BooleanOptionalAction, default=None,
                        help="the shift-change phase (default: on, off with --quick)")
    parser.add_argument("--professionals", type=int, default=3000,
                        help="professionals of the shift change, across the regions (default 3000)")
    parser.add_argument("--shift-rate", type=float, default=5.0,
                        help="shift-change arrivals per second, open loop (default 5 = 3,000 in 10 minutes)")
    parser.add_argument("--shift-concurrency", type=int, default=64,
                        help="at most this many shift-change sign-ins in flight (default 64)")
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions made for the memory figure "
                                                                     "(default 10,000; 0 = skip)")
    parser.add_argument("--heap", default="1g", help="each Keycloak node's maximum heap (default 1g)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run of ~3 minutes once the cluster is up: 1 region, 3+10 s phases, 4 workers, "
                             "no shift change unless asked (then 60 professionals), 500 sessions")
    parser.add_argument("--cache-dir", type=Path,
                        help="Keycloak distribution cache (default: one in the work directory, built once per run)")
    parser.add_argument("--work-dir", type=Path, help="where the cluster's files go (default: a new temporary one)")
    args = parser.parse_args(argv)
    given_flags = argv if argv is not None else sys.argv[1:]
    if args.quick:
        quick = {"duration": 10.0, "warm_up": 3.0, "workers": 4, "regions": 1, "professionals": 60,
                 "sessions": 500, "per_worker": 10}
        for name, value in quick.items():  # what the command line sets explicitly wins
            flag = f"--{name.replace('_', '-')}"
            if not any(given == flag or given.startswith(flag + "=") for given in given_flags):
                setattr(args, name, value)
    if args.shift_change is None:
        args.shift_change = not args.quick
    if not 1 <= args.regions <= 18:
        parser.error("--regions: between 1 and 18 (the shipped regions)")
    if args.workers < 1 or args.per_worker < 1:
        parser.error("--workers and --per-worker: at least 1")
    return args


def shipped_regions(count: int) -> list[str]:
    names = sorted(path.stem for path in (REPO / "realm").glob("smur-*.yaml"))
    names.remove(CLOSED_LOOP_REGION)
    return [CLOSED_LOOP_REGION] + names[:count - 1]


def set_rotation(balancer, both: bool) -> None:
    """Node B in HAProxy's rotation or not, waiting (bounded) until HAProxy says so."""
    balancer.set_node_state("node-b", "ready" if both else "maint")
    wanted = {"node-a": "UP", "node-b": "UP" if both else "MAINT"}
    deadline = time.monotonic() + 30
    while balancer.server_states() != wanted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"HAProxy shows {balancer.server_states()}, expected {wanted}")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from provisioning.keycloak_api import KeycloakAdmin, PasswordCredentials
    from provisioning.runtime.stack import LocalStack, StackSpec

    load_at_start = uptime()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="smur-iam-login-load-"))
    work.mkdir(parents=True, exist_ok=True)
    regions_wanted = shipped_regions(args.regions)
    pool_size = args.workers * args.per_worker
    progress(f"login load: {args.workers} workers, phases of {args.warm_up:g}+{args.duration:g} s, {pool_size} "
             f"professionals and password users in the closed loop, {plural(len(regions_wanted), 'region')}, shift change "
             f"{'%d professionals at %g/s' % (args.professionals, args.shift_rate) if args.shift_change else 'off'}, "
             f"{args.sessions:,} sessions for memory; work dir {work}")
    progress(f"uptime at start: {load_at_start}")
    results: dict[str, PhaseResult] = {}
    shift = memory = None
    with ExitStack() as stack_exit:
        stack = stack_exit.enter_context(LocalStack(StackSpec(
            data_dir=work / "cluster", topology="cluster", mock_psc=False, heap=args.heap,
            cache_dir=args.cache_dir or work / "cache"), progress=progress))
        keycloak = stack.keycloak
        jvms = {name: jvm_pid(node) for name, node in zip(("node-a", "node-b"), keycloak.nodes)}
        jcmd = keycloak.nodes[0].java.home / "bin" / "jcmd"
        cpu = KeycloakCpu(jvms)
        progress(f"Keycloak JVMs: {jvms} ({jcmd})")

        pool = national_ids(pool_size, 60_000_000)
        shift_ids = national_ids(args.professionals if args.shift_change else 0, 70_000_000)
        regions = Regions.copy(work)
        identities = [identity(nid, i) for i, nid in enumerate(pool + shift_ids)]
        mock = stack_exit.enter_context(MockProcess(work, identities,
                                                    regions.psc_clients(keycloak.base_url, regions_wanted)))
        progress(f"mock PSC (own process) at {mock.issuer}, {len(identities)} identities, each with a phone")
        cluster = Cluster(keycloak.base_url, str(keycloak.ca_bundle), mock.wallet_origin)

        seconds = regions.apply(stack, mock, work, regions_wanted)
        progress(f"smur-iam apply of {plural(len(regions_wanted), 'region')} through the balancer: {seconds:.0f}s")
        api = KeycloakAdmin(keycloak.base_url, PasswordCredentials(keycloak.admin_username, keycloak.admin_password),
                            verify=str(keycloak.ca_bundle), timeout=600)
        closed_realm = regions.realms[CLOSED_LOOP_REGION]
        link_professionals(api, closed_realm, pool)
        shift_plan = [(regions.realms[regions_wanted[i % len(regions_wanted)]], nid) for i, nid in enumerate(shift_ids)]
        for realm in {realm for realm, _ in shift_plan}:
            link_professionals(api, realm, [nid for r, nid in shift_plan if r == realm])
        password = secrets.token_urlsafe(12)
        usernames = [f"user{i:05d}" for i in range(pool_size)]
        started = time.monotonic()
        make_password_realm(api, usernames, password)
        progress(f"linked {len(pool) + len(shift_ids)} professionals; {PASSWORD_REALM} with {pool_size} users "
                 f"({time.monotonic() - started:.0f}s, Keycloak's default password hashing)")

        def brokered(worker: int, turn: int) -> None:
            brokered_login(cluster, closed_realm, pool[worker + args.workers * (turn % args.per_worker)])

        def by_password(worker: int, turn: int) -> None:
            password_login(cluster, usernames[worker + args.workers * (turn % args.per_worker)], password)

        hashing = password_hashing(api, PASSWORD_REALM, usernames[0])
        idle = cpu.idle_rate(10.0)
        progress(f"password hashing of {PASSWORD_REALM}: {hashing}; idle Keycloak CPU "
                 + ", ".join(f"{name} {rate:.3f} s/s" for name, rate in idle.items()))
        progress("warm-up: both journeys on both nodes (not measured)")
        set_rotation(keycloak.balancer, both=True)
        for journey in (brokered, by_password):
            closed_loop("warm-up", args.workers, 0.0, args.warm_up * 2, journey, cpu)

        phases = [("1 node", False, (("brokered", brokered), ("password", by_password))),
                  ("2 nodes", True, (("password", by_password), ("brokered", brokered)))]
        for label, both, journeys in phases:
            set_rotation(keycloak.balancer, both)
            for kind, journey in journeys:
                name = f"{kind}, {label}"
                progress(f"phase {name}: {args.workers} workers, {args.warm_up:g}+{args.duration:g} s")
                result = results[name] = closed_loop(name, args.workers, args.warm_up, args.duration, journey, cpu)
                progress(f"  {result.logins} logins, {result.rate:.1f}/s, p50 {result.p(0.5) * 1000:.0f} ms, "
                         f"p95 {result.p(0.95) * 1000:.0f} ms, {result.errors} errors, Keycloak CPU "
                         f"{result.cpu_per_login * 1000:.1f} ms/login ({cpu_split(result)})")
                for message in result.first_errors:
                    progress(f"  error: {message}")
        set_rotation(keycloak.balancer, both=True)

        if args.shift_change:
            progress(f"shift change: {len(shift_plan)} professionals across {plural(len(regions_wanted), 'region')}, "
                     f"open loop at {args.shift_rate:g}/s ({len(shift_plan) / args.shift_rate:.0f}s), both nodes")
            shift = open_loop("shift change, 2 nodes", shift_plan, args.shift_rate,
                              lambda arrival: brokered_login(cluster, *arrival), cpu, args.shift_concurrency)
            progress(f"  {shift.logins} signed in, {shift.errors} errors, p95 {shift.p(0.95) * 1000:.0f} ms")
            for message in shift.first_errors:
                progress(f"  error: {message}")
        if args.sessions:
            # Many in flight: each new session is a committed row in PostgreSQL (persistent sessions).
            memory = session_memory(cluster, api, jvms, jcmd, args.sessions, max(2 * args.workers, 16))
    load_at_end = uptime()

    print()
    print(f"## Login load, {time.strftime('%Y-%m-%d')}: PostgreSQL + 2 Keycloak nodes + HAProxy (TLS), "
          f"{os.cpu_count()} cores shared by everything")
    print(f"uptime at start: {load_at_start}")
    print(f"uptime at end:   {load_at_end}")
    print()
    print(table(list(results.values()) + ([shift] if shift else [])))
    print("\nKeycloak CPU is both JVMs' utime+stime over the measured window; idle (no sign-in) they spent "
          + ", ".join(f"{name} {rate:.3f}" for name, rate in idle.items()) + " CPU s/s. Per node:")
    for result in list(results.values()) + ([shift] if shift else []):
        print(f"  {result.name}: {cpu_split(result)}")
    print(f"Password logins: Keycloak's default hashing ({hashing}).")
    if shift:
        print(f"\nshift change: open loop, {shift.logins + shift.errors} arrivals at {args.shift_rate:g}/s over "
              f"{shift.seconds:.0f}s, at most {args.shift_concurrency} in flight; latency from each scheduled arrival")
        for message in shift.first_errors:
            print(f"  shift-change error: {message}")
    for result in results.values():
        for message in result.first_errors:
            print(f"  {result.name} error: {message}")
    print()
    verdicts = goals(results, shift)
    for met, line in verdicts:
        print(f"{mark(met)} {line}")
    if memory:
        print()
        print(f"memory: {memory.sessions:,} password-grant sessions in {memory.seconds:.0f}s ({memory.errors} errors), "
              f"{memory.active_after:,} active in {SESSIONS_REALM} per Keycloak; persistent sessions: the sessions "
              "live in PostgreSQL, the nodes keep a bounded cache of them")
        for line in memory.lines():
            print(line)
    return 0 if all(met for met, _ in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
