"""``python -m mockpsc``: run the mock PSC until Ctrl-C.

``main(argv)`` returns an exit code so ``smur-iam mock-psc`` can delegate to it.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading

from mockpsc.clients import ClientError
from mockpsc.identities import IdentityError
from mockpsc.server import MockPSC


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mockpsc", description="Mock Pro Santé Connect (OIDC provider).")
    parser.add_argument("--identities", metavar="FILE", help="identities YAML (default: the shipped demo identities)")
    parser.add_argument("--clients", metavar="FILE", help="clients YAML (client_id, secret, redirect_uris…)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--auth-port", type=int, default=8081, help="port of the auth origin (issuer, token…)")
    parser.add_argument("--wallet-port", type=int, default=8082,
                        help="port of the wallet origin (login page, phone API)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        psc = MockPSC(
            identities_file=args.identities,
            clients_file=args.clients,
            auth_port=args.auth_port,
            wallet_port=args.wallet_port,
            host=args.host,
        )
        psc.start()
    except (IdentityError, ClientError) as error:
        print(f"mockpsc: {error}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as error:
        print(f"mockpsc: cannot start: {error}", file=sys.stderr)
        return 1

    print(f"Issuer:        {psc.issuer}")
    print(f"Discovery URL: {psc.discovery_url}")
    print(f"Wallet URL:    {psc.authorization_endpoint}")
    print(f"Phone API:     {psc.wallet_origin}/phone/api/pushes?national_id=…")
    print(f"Control API:   {psc.auth_origin}/__mock/…   (Ctrl-C to stop)", flush=True)

    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        psc.stop()
        for sig, handler in previous.items():  # a caller embedding main() gets its handlers back
            signal.signal(sig, handler)
    return 0
