"""``python -m mockpsc``: run the mock PSC until Ctrl-C.

``main(argv)`` returns an exit code so ``smur-iam mock-psc`` can delegate to it.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from mockpsc.clients import ClientError
from mockpsc.control import TOKEN_ENV, checked_token
from mockpsc.identities import IdentityError
from mockpsc.server import MockPSC, public_origin


def _origin(value: str) -> str:
    try:
        return public_origin(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parser() -> argparse.ArgumentParser:
    """The mock's command line (docker-compose.yml's arguments are checked against it)."""
    parser = argparse.ArgumentParser(prog="mockpsc", description="Mock Pro Santé Connect (OIDC provider).")
    parser.add_argument("--identities", metavar="FILE", help="identities YAML (default: the shipped demo identities)")
    parser.add_argument("--clients", metavar="FILE", help="clients YAML (client_id, secret, redirect_uris…)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--auth-port", type=int, default=8081, help="port of the auth origin (issuer, token…)")
    parser.add_argument("--wallet-port", type=int, default=8082,
                        help="port of the wallet origin (login page, phone page and API, mailbox)")
    parser.add_argument("--tls-port", type=int, default=None,
                        help="also serve the auth origin over HTTPS on this port, with client certificates "
                             "(tls_client_auth); 0 = any free port")
    parser.add_argument("--tls-dir", metavar="DIR",
                        help="where the test CA and certificates go (default: a temporary directory)")
    parser.add_argument("--public-auth-origin", metavar="URL", type=_origin,
                        help="origin of the issuer and endpoints as relying parties and browsers reach them, "
                             "when not http://HOST:AUTH_PORT (e.g. in a container: http://psc-auth.localhost:8081)")
    parser.add_argument("--public-wallet-origin", metavar="URL", type=_origin,
                        help="origin of the login, phone and mailbox pages as browsers reach them, "
                             "when not http://HOST:WALLET_PORT")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    token = os.environ.get(TOKEN_ENV) or None
    if token is not None:
        try:
            checked_token(token)
        except ValueError as error:
            print(f"mockpsc: {TOKEN_ENV}: {error}", file=sys.stderr)
            return 2
    try:
        psc = MockPSC(
            identities_file=args.identities,
            clients_file=args.clients,
            auth_port=args.auth_port,
            wallet_port=args.wallet_port,
            host=args.host,
            tls_port=args.tls_port,
            tls_dir=args.tls_dir,
            public_auth_origin=args.public_auth_origin,
            public_wallet_origin=args.public_wallet_origin,
            control_token=token,
        )
        psc.start()
    except (IdentityError, ClientError) as error:
        print(f"mockpsc: {error}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError) as error:
        print(f"mockpsc: cannot start: {error}", file=sys.stderr)
        return 1

    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    # Print only now: a caller that reads these lines may signal us at once.
    print(f"Issuer:        {psc.issuer}")
    print(f"Discovery URL: {psc.discovery_url}")
    print(f"Wallet URL:    {psc.authorization_endpoint}")
    print(f"Phone page:    {psc.wallet_origin}/phone   (e-CPS app; mailbox {psc.wallet_origin}/mailbox, "
          f"SMS {psc.wallet_origin}/sms)")
    print(f"Phone API:     {psc.wallet_origin}/phone/api/pushes?national_id=…")
    if psc.mtls_origin:
        print(f"mTLS:          {psc.mtls_origin}   (test CA {psc.ca_path})")
    if token is not None:
        print(f"Control token: from {TOKEN_ENV}   (send it as 'Authorization: Bearer …')")
    elif psc.control_token:  # made up for this start: shown here only
        print(f"Control token: {psc.control_token}   (send it as 'Authorization: Bearer …'; {TOKEN_ENV} chooses it)")
    else:
        print("Control token: none required (loopback only)")
    print(f"Control API:   {psc.auth_origin}/__mock/…   (JSON bodies, same origin only; Ctrl-C to stop)", flush=True)

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
