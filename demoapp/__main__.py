"""`python -m demoapp --issuer http://127.0.0.1:8080/realms/smur-grand-est [--port 8090]`"""
from __future__ import annotations

import argparse
import signal
import threading

from .server import DemoApp


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="demoapp", description="SMUR-T@b stand-in: OIDC client of a region realm")
    parser.add_argument("--issuer", required=True, help="the realm URL, e.g. http://127.0.0.1:8080/realms/smur-grand-est")
    parser.add_argument("--client-id", default="smurtab")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--public-origin", metavar="URL",
                        help="where browsers reach the app when not http://HOST:PORT (its redirect URI is "
                             "URL/callback), e.g. http://smurtab.localhost:8090 in a container")
    parser.add_argument("--ca-bundle", metavar="PEM",
                        help="the CA that vouches for an HTTPS issuer no system CA does (a cluster's balancer)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with DemoApp(args.issuer, args.client_id, args.host, args.port, args.public_origin, args.ca_bundle) as app:
        print(f"SMUR-T@b demo: {app.origin}/ (redirect URI {app.redirect_uri}); Ctrl-C to stop", flush=True)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
