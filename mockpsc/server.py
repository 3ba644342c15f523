"""MockPSC: both origins served by uvicorn in background threads of this process.

    with MockPSC() as psc:                      # ports picked automatically
        psc.register_client("kc", "secret", ["http://127.0.0.1:8080/realms/r/broker/psc/endpoint"])
        print(psc.issuer, psc.discovery_url)
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import uvicorn

from mockpsc.apps import auth_app, wallet_app
from mockpsc.clients import DEFAULT_AUTH_METHODS, load_clients_file, make_client
from mockpsc.clock import Clock, SystemClock
from mockpsc.faults import UNSET, ArmedFault
from mockpsc.identities import DEFAULT_FILE, Identity, identity_from_mapping, load_identities_file
from mockpsc.settings import REALM_PATH, Settings
from mockpsc.state import MockState


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class MockPSC:
    def __init__(
        self,
        identities_file: str | Path | None = None,
        clients_file: str | Path | None = None,
        auth_port: int = 0,
        wallet_port: int = 0,
        clock: Clock | None = None,
        *,
        host: str = "127.0.0.1",
        settings: Settings | None = None,
        default_identities: bool = True,
    ) -> None:
        """``identities_file=None`` loads the shipped identities unless
        ``default_identities=False``; port 0 picks a free port at ``start()``."""
        self.state = MockState.create(settings or Settings(), clock or SystemClock())
        if identities_file is not None:
            self._load_identities(identities_file)
        elif default_identities:
            self._load_identities(DEFAULT_FILE)
        if clients_file is not None:
            for client in load_clients_file(clients_file):
                self.state.register_client(client)
        self._host = host
        self._ports = {"auth": auth_port, "wallet": wallet_port}
        self._servers: list[uvicorn.Server] = []
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    def _load_identities(self, path: str | Path) -> None:
        for identity in load_identities_file(path):
            self.state.add_identity(identity)

    # -- lifecycle ---------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> "MockPSC":
        """Serve both origins; return once both accept connections."""
        if self._servers:
            raise RuntimeError("MockPSC already started")
        try:
            auth_sock = _bind(self._host, self._ports["auth"])
            self._sockets.append(auth_sock)
            wallet_sock = _bind(self._host, self._ports["wallet"])
            self._sockets.append(wallet_sock)
        except OSError:
            self._close_sockets()
            raise
        self.state.auth_origin = f"http://{self._host}:{auth_sock.getsockname()[1]}"
        self.state.wallet_origin = f"http://{self._host}:{wallet_sock.getsockname()[1]}"
        apps = (("auth", auth_app(self.state), auth_sock), ("wallet", wallet_app(self.state), wallet_sock))
        for name, app, sock in apps:
            # log_config=None: leave the host process's logging configuration alone.
            # access_log=False: uvicorn would print codes and id_token_hints in URLs.
            config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                    timeout_graceful_shutdown=2)
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                      name=f"mockpsc-{name}", daemon=True)
            self._servers.append(server)
            self._threads.append(thread)
            thread.start()
        deadline = time.monotonic() + timeout
        while not all(s.started for s in self._servers):
            if time.monotonic() > deadline or not all(t.is_alive() for t in self._threads):
                self.stop()
                raise RuntimeError("mock PSC servers did not start")
            time.sleep(0.01)
        for origin in (self.auth_origin, self.wallet_origin):
            port = int(origin.rsplit(":", 1)[1])
            socket.create_connection((self._host, port), timeout=timeout).close()
        self.state.log.event("mock.started", issuer=self.issuer, wallet_origin=self.wallet_origin)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=10)
        self._servers.clear()
        self._threads.clear()
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __enter__(self) -> "MockPSC":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where it lives ------------------------------------------------------------
    def _need_started(self) -> None:
        if not self.state.auth_origin:
            raise RuntimeError("MockPSC not started: call start() first")

    @property
    def auth_origin(self) -> str:
        self._need_started()
        return self.state.auth_origin

    @property
    def wallet_origin(self) -> str:
        self._need_started()
        return self.state.wallet_origin

    @property
    def issuer(self) -> str:
        return self.auth_origin + REALM_PATH

    @property
    def discovery_url(self) -> str:
        """PSC's own discovery path (the standard one is served too)."""
        return self.issuer + "/.well-known/wallet-openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return self.wallet_origin + "/auth"

    def endpoint(self, name: str) -> str:
        """``token``, ``userinfo``, ``certs``, ``logout``… under the issuer."""
        self._need_started()
        return self.state.oidc_url(name)

    @property
    def clock(self) -> Clock:
        return self.state.clock

    # -- test control --------------------------------------------------------------
    def register_client(
        self,
        client_id: str,
        secret: str,
        redirect_uris: Iterable[str],
        post_logout_redirect_uris: Iterable[str] = (),
        auth_methods: Iterable[str] = DEFAULT_AUTH_METHODS,
    ) -> None:
        self.state.register_client(
            make_client(client_id, secret, list(redirect_uris), list(post_logout_redirect_uris), list(auth_methods))
        )

    def add_identity(
        self,
        national_id: str,
        given_name: str,
        family_name: str,
        *,
        civilite: str = "",
        exercices: Iterable[Mapping[str, Any]] = (),
        ecps: Mapping[str, Any] | None = None,
        sub_uuid: str | None = None,
    ) -> Identity:
        """Same fields as an identities.yaml entry; ``ecps={"pin": "1234"}`` = activated."""
        data: dict[str, Any] = {
            "national_id": national_id,
            "given_name": given_name,
            "family_name": family_name,
            "civilite": civilite,
            "exercices": list(exercices),
            "ecps": dict(ecps) if ecps is not None else None,
        }
        if sub_uuid is not None:
            data["sub_uuid"] = sub_uuid
        identity = identity_from_mapping(data, "add_identity")
        self.state.add_identity(identity)
        return identity

    def inject_fault(self, fault: str, value: Any = UNSET, *, client_id: str | None = None,
                     times: int | None = 1) -> ArmedFault:
        """Arm ``fault`` for the next ``times`` token responses of ``client_id``
        (any client when None; ``times=None`` until cleared)."""
        return self.state.arm_fault(fault, value, client_id, times)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def unlock_ecps(self, national_id: str) -> None:
        """Forget failed PIN attempts (what re-activating the e-CPS would do)."""
        self.state.identities.unlock(national_id)
        self.state.log.event("ecps.unlocked", national_id=national_id)

    def log_entries(self, since: int = 0, event: str | None = None) -> list[dict[str, Any]]:
        return self.state.log.entries(since, event)
