"""Throughput of the mock PSC's token endpoint on this machine (127.0.0.1 only).

Prints, for one in-process MockPSC:
* refresh_token grants per second (each answer: new access, ID and refresh tokens,
  two RS256 signatures), sequential and with 4 client threads;
* authorization_code grants per second (codes minted straight into the mock, so
  only the token endpoint is measured: client auth, PKCE S256, signing);
* whole logins per second (authorize page, national id, phone approval, code
  exchange: what one Keycloak broker login costs the mock), sequential.

Every loop is bounded in count and in time. Usage:
    .venv/bin/python bench/mock_psc_throughput.py [--requests 2000] [--seconds 20]
"""
from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockpsc.pkce import s256  # noqa: E402
from mockpsc.server import MockPSC  # noqa: E402
from mockpsc.sessions import AuthCode, new_code_value  # noqa: E402
from mockpsc.testing import Phone, wallet_login  # noqa: E402

NATIONAL_ID = "899700218896"
REDIRECT = "http://127.0.0.1:9/cb"


def timed_loop(count: int, seconds: float, one: callable) -> tuple[int, float]:
    """Run ``one()`` up to ``count`` times or ``seconds``; (done, elapsed)."""
    started = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - started < seconds:
        one()
        done += 1
    return done, time.perf_counter() - started


def threaded(threads: int, count: int, seconds: float, make_one: callable) -> tuple[int, float]:
    results: list[int] = []
    started = time.perf_counter()

    def worker() -> None:
        results.append(timed_loop(count // threads, seconds, make_one())[0])

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(results), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement (default 2000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per measurement (default 20)")
    args = parser.parse_args()

    with MockPSC() as psc:
        psc.register_client("bench", "bench-secret", [REDIRECT])
        state = psc.state
        token_url = psc.endpoint("token")

        def tokens_for_refresh() -> str:
            session = state.sessions.open_session(NATIONAL_ID, "bench")
            code = mint_code(session.sid, "v" * 43)
            answer = requests.post(token_url, data={"grant_type": "authorization_code", "code": code,
                                                    "redirect_uri": REDIRECT, "code_verifier": "v" * 43},
                                   auth=("bench", "bench-secret"), timeout=10)
            answer.raise_for_status()
            return answer.json()["refresh_token"]

        def mint_code(sid: str, verifier: str) -> str:
            value = new_code_value()
            state.sessions.add_code(AuthCode(value=value, client_id="bench", redirect_uri=REDIRECT, sid=sid,
                                             national_id=NATIONAL_ID, scope="openid scope_all", nonce="n",
                                             code_challenge=s256(verifier), code_challenge_method="S256",
                                             auth_time=int(state.clock.now()),
                                             expires_at=state.clock.now() + 3600))
            return value

        def refresh_caller():
            http, refresh_token = requests.Session(), tokens_for_refresh()

            def one() -> None:
                answer = http.post(token_url, data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                                   auth=("bench", "bench-secret"), timeout=10)
                assert answer.status_code == 200, answer.text
            return one

        def code_caller():
            http = requests.Session()
            session = state.sessions.open_session(NATIONAL_ID, "bench")

            def one() -> None:
                verifier = secrets.token_urlsafe(48)
                answer = http.post(token_url, data={"grant_type": "authorization_code",
                                                    "code": mint_code(session.sid, verifier),
                                                    "redirect_uri": REDIRECT, "code_verifier": verifier},
                                   auth=("bench", "bench-secret"), timeout=10)
                assert answer.status_code == 200, answer.text
            return one

        def login_caller():
            phone = Phone(psc)

            def one() -> None:
                browser = requests.Session()
                verifier = secrets.token_urlsafe(48)
                page = browser.get(psc.authorization_endpoint, params={
                    "client_id": "bench", "redirect_uri": REDIRECT, "response_type": "code",
                    "scope": "openid scope_all", "acr_values": "eidas1", "state": "s", "nonce": "n",
                    "code_challenge": s256(verifier), "code_challenge_method": "S256"}, timeout=10)
                back = wallet_login(browser, page, NATIONAL_ID, phone=phone)
                code = back.headers["Location"].split("code=")[1].split("&")[0]
                answer = requests.post(token_url, data={"grant_type": "authorization_code", "code": code,
                                                        "redirect_uri": REDIRECT, "code_verifier": verifier},
                                       auth=("bench", "bench-secret"), timeout=10)
                assert answer.status_code == 200, answer.text
            return one

        print(f"mock PSC token endpoint on 127.0.0.1 (bounded: {args.requests} requests or {args.seconds:.0f} s "
              "per line)")
        rows = [
            ("refresh_token grant, 1 client", lambda: timed_loop(args.requests, args.seconds, refresh_caller())),
            ("refresh_token grant, 4 clients", lambda: threaded(4, args.requests, args.seconds, refresh_caller)),
            ("authorization_code grant (PKCE S256), 1 client",
             lambda: timed_loop(args.requests, args.seconds, code_caller())),
            ("authorization_code grant (PKCE S256), 4 clients",
             lambda: threaded(4, args.requests, args.seconds, code_caller)),
            ("whole login (page + phone + code exchange), 1 user",
             lambda: timed_loop(max(args.requests // 10, 10), args.seconds, login_caller())),
        ]
        for label, measure in rows:
            done, elapsed = measure()
            print(f"  {label:<52} {done:5d} in {elapsed:6.2f} s = {done / elapsed:8.1f} /s "
                  f"({1000 * elapsed / done:6.2f} ms each)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
