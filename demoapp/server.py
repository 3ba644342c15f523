"""Serve the demo app from a background thread (the demo command and the tests)."""
from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import create_app
from .oidc import OidcClient


class DemoApp:
    """Binds its port at construction, so the redirect URI is known before the realm is provisioned."""

    def __init__(self, issuer: str, client_id: str = "smurtab", host: str = "127.0.0.1", port: int = 0,
                 public_origin: str | None = None, ca_bundle: str | None = None):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        # public_origin: where browsers reach the app when it is not the bound address (a container on 0.0.0.0).
        self.origin = (public_origin or f"http://{host}:{self._sock.getsockname()[1]}").rstrip("/")
        self.redirect_uri = f"{self.origin}/callback"
        self.issuer, self.client_id = issuer, client_id
        self.ca_bundle = ca_bundle  # the CA of an HTTPS issuer no system CA vouches for (the cluster's)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> "DemoApp":
        app = create_app(OidcClient(self.issuer, self.client_id, self.redirect_uri, ca_bundle=self.ca_bundle),
                         self.origin)
        self._server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name="demoapp", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("demo app did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> "DemoApp":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
