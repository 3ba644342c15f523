"""MockPSC: both origins served by uvicorn in background threads of this process
(plus, with ``tls_port``, an HTTPS port of the auth origin asking for client
certificates of the mock's own test CA: the mTLS endpoints).

    with MockPSC() as psc:                      # ports picked automatically
        psc.register_client("kc", "secret", ["http://127.0.0.1:8080/realms/r/broker/psc/endpoint"])
        print(psc.issuer, psc.discovery_url)
"""
from __future__ import annotations

import ipaddress
import socket
import ssl
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import uvicorn

from mockpsc.apps import auth_app, wallet_app
from mockpsc.clients import DEFAULT_AUTH_METHODS, load_clients_file, make_client
from mockpsc.clock import Clock, SystemClock
from mockpsc.control import checked_token, new_token
from mockpsc.faults import UNSET, ArmedFault
from mockpsc.identities import DEFAULT_FILE, Identity, identity_from_mapping, load_identities_file
from mockpsc.outbox import Email, Sms
from mockpsc.settings import REALM_PATH, Settings
from mockpsc.state import MockState
from mockpsc.tlsca import IssuedCertificate, TestCA
from mockpsc.tlsproto import TLSExtensionProtocol


def public_origin(value: str | None) -> str | None:
    """``http(s)://host[:port]``, no path: where browsers and relying parties reach an origin when
    that is not the bound address (a container listening on 0.0.0.0 behind a published port)."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ValueError(f"expected http(s)://host[:port] with no path, got {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: whoever resolves it may reach the mock


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections (Linux): without it the response body waits for the
    # client's delayed ACK of the headers (Nagle), ~40 ms per request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        tls_port: int | None = None,
        tls_dir: str | Path | None = None,
        public_auth_origin: str | None = None,
        public_wallet_origin: str | None = None,
        control_token: str | None = None,
    ) -> None:
        """``identities_file=None`` loads the shipped identities unless
        ``default_identities=False``; port 0 picks a free port at ``start()``.
        ``tls_port`` (0 = any free port) adds the mTLS port; its CA, server and
        client certificates go to ``tls_dir`` (a temporary directory by default).
        ``public_auth_origin`` / ``public_wallet_origin``: the URLs the issuer, the
        endpoints and the pages advertise instead of ``http://<host>:<port>``.
        ``control_token``: what ``/__mock`` requires as ``Authorization: Bearer``; when None, one
        is made up if the mock serves public origins or listens beyond loopback, else none is
        required (see mockpsc/control.py)."""
        try:
            self._public = {"auth": public_origin(public_auth_origin), "wallet": public_origin(public_wallet_origin)}
        except ValueError as error:
            raise ValueError(f"public origin: {error}") from None
        self.state = MockState.create(settings or Settings(), clock or SystemClock())
        if control_token is not None:
            self.state.control_token = checked_token(control_token)
        elif any(self._public.values()) or not _loopback(host):
            self.state.control_token = new_token()  # reachable by others: the control API needs a secret
        self._tls_port = tls_port
        self._tls_dir = tls_dir
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
        self.state.auth_origin = self._public["auth"] or f"http://{self._host}:{auth_sock.getsockname()[1]}"
        self.state.wallet_origin = self._public["wallet"] or f"http://{self._host}:{wallet_sock.getsockname()[1]}"
        apps = [("auth", auth_app(self.state), auth_sock, {}), ("wallet", wallet_app(self.state), wallet_sock, {})]
        if self._tls_port is not None:
            apps.append(self._tls_app())
        for name, app, sock, tls_options in apps:
            # log_config=None: leave the host process's logging configuration alone.
            # access_log=False: uvicorn would print codes and id_token_hints in URLs.
            config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                    timeout_graceful_shutdown=2, **tls_options)
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
        reachable = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        for sock in self._sockets:  # the bound ports, whatever origins they advertise
            socket.create_connection((reachable, sock.getsockname()[1]), timeout=timeout).close()
        self.state.log.event("mock.started", issuer=self.issuer, wallet_origin=self.wallet_origin,
                             mtls_origin=self.state.mtls_origin or None)
        return self

    def _tls_app(self) -> tuple:
        """The auth application again, on HTTPS, asking for (not requiring) a client certificate."""
        directory = Path(self._tls_dir) if self._tls_dir else Path(tempfile.mkdtemp(prefix="mockpsc-tls-"))
        ca = TestCA(directory)
        server_cert = ca.server_certificate((self._host, "localhost"))
        sock = _bind(self._host, self._tls_port or 0)
        self._sockets.append(sock)
        self.state.tls_ca = ca
        self.state.mtls_origin = f"https://{self._host}:{sock.getsockname()[1]}"
        options = {"ssl_certfile": str(server_cert.cert_path), "ssl_keyfile": str(server_cert.key_path),
                   "ssl_ca_certs": str(ca.ca_path), "ssl_cert_reqs": ssl.CERT_OPTIONAL, "http": TLSExtensionProtocol}
        return ("mtls", auth_app(self.state, "mtls"), sock, options)

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
    def mtls_origin(self) -> str:
        """``https://host:port`` of the mTLS port (empty when TLS is off)."""
        self._need_started()
        return self.state.mtls_origin

    def mtls_endpoint(self, name: str) -> str:
        """``token``, ``userinfo``… on the mTLS port."""
        if not self.mtls_origin:
            raise RuntimeError("TLS is off: MockPSC(tls_port=0) serves the mTLS port")
        return self.state.oidc_url(name, self.state.mtls_origin)

    @property
    def ca_path(self) -> Path:
        """The test CA (PEM) that signed the mTLS port's certificate and the client certificates."""
        if self.state.tls_ca is None:
            raise RuntimeError("TLS is off: MockPSC(tls_port=0) makes a test CA")
        return self.state.tls_ca.ca_path

    def issue_client_certificate(self, common_name: str, organization: str = "SMUR test") -> IssuedCertificate:
        """A client certificate of the test CA (for tls_client_auth); register its ``subject_dn``."""
        if self.state.tls_ca is None:
            raise RuntimeError("TLS is off: MockPSC(tls_port=0) makes a test CA")
        return self.state.tls_ca.client_certificate(common_name, organization)

    @property
    def control_token(self) -> str:
        """The bearer token ``/__mock`` requires ("" when none is: loopback only)."""
        return self.state.control_token

    def control_headers(self) -> dict[str, str]:
        """Headers for a request to the control API (the token, when there is one)."""
        return {"Authorization": f"Bearer {self.control_token}"} if self.control_token else {}

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def settings(self) -> Settings:
        """Live settings: a changed lifetime or switch applies to the next request."""
        return self.state.settings

    # -- test control --------------------------------------------------------------
    def register_client(
        self,
        client_id: str,
        secret: str,
        redirect_uris: Iterable[str],
        post_logout_redirect_uris: Iterable[str] = (),
        auth_methods: Iterable[str] = DEFAULT_AUTH_METHODS,
        **options: Any,
    ) -> None:
        """Register (or re-register) a relying party. ``options``: tls_client_auth_subject_dn,
        userinfo_format ("json" | "jwt"), claims_variant (a name of claims.VARIANTS or a mapping),
        logout_omits_state, ciba_enabled."""
        self.state.register_client(
            make_client(client_id, secret, list(redirect_uris), list(post_logout_redirect_uris), list(auth_methods),
                        **options)
        )

    def update_client(self, client_id: str, **changes: Any) -> None:
        """Change some settings of a registered client, e.g. ``update_client(cid, userinfo_format="jwt")``."""
        self.state.update_client(client_id, changes)

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
        email: str = "",
        mobile: str = "",
        cps: Mapping[str, Any] | None = None,
        ecps_acr: str | None = None,
        card_acr: str | None = None,
        regulation: bool = False,
    ) -> Identity:
        """Same fields as an identities.yaml entry; ``ecps={"pin": "1234"}`` = already activated
        (on phone ``demo-phone`` unless ``"device"`` says which); ``email``/``mobile`` = the
        contact details activation uses; ``cps={"pin": "1234"}`` = a CPS card for the wallet
        page's card reader; ``ecps_acr``/``card_acr`` = the acr this person's e-CPS / card
        logins return instead of the mock's default (eidas1 / eidas2), e.g. ``ecps_acr="eidas2"``;
        ``regulation=True`` = userinfo says ``Acces_Regulation_Medicale: "VRAI"``."""
        data: dict[str, Any] = {
            "national_id": national_id,
            "given_name": given_name,
            "family_name": family_name,
            "civilite": civilite,
            "exercices": list(exercices),
            "ecps": dict(ecps) if ecps is not None else None,
            "email": email,
            "mobile": mobile,
            "cps": dict(cps) if cps is not None else None,
            "ecps_acr": ecps_acr,
            "card_acr": card_acr,
            "regulation": regulation,
        }
        if sub_uuid is not None:
            data["sub_uuid"] = sub_uuid
        identity = identity_from_mapping(data, "add_identity")
        self.state.add_identity(identity)
        return identity

    def update_identity(self, national_id: str, **changes: Any) -> Identity:
        """Change ``regulation``, ``ecps_acr``, ``card_acr`` (None = the mock's default) or ``cps``
        ({"pin"} = a new card, None = no card) of a known identity, keeping its e-CPS as it is:
        e.g. ``update_identity(nid, regulation=False)`` before the login that must say FAUX."""
        return self.state.update_identity(national_id, changes)

    def set_next_login_acr(self, national_id: str, acr: str | None) -> None:
        """The acr the next login of ``national_id`` returns (eidas1, eidas2 or eidas3), whatever
        its method; later logins are back to the rules (None disarms). E.g. an e-CPS login
        returning eidas2: ``set_next_login_acr(nid, "eidas2")``."""
        self.state.set_next_login_acr(national_id, acr)

    def unblock_card(self, national_id: str) -> None:
        """Forget the wrong card PINs (what the card's unblocking code does at ANS)."""
        self.state.cards.unblock(national_id)

    def inject_fault(self, fault: str, value: Any = UNSET, *, client_id: str | None = None,
                     times: int | None = 1) -> ArmedFault:
        """Arm ``fault`` for the next ``times`` token responses of ``client_id``
        (any client when None; ``times=None`` until cleared)."""
        return self.state.arm_fault(fault, value, client_id, times)

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def unlock_ecps(self, national_id: str) -> None:
        """Forget failed PIN attempts (what re-activating the e-CPS would do)."""
        self.state.unlock_ecps(national_id)

    def rotate_keys(self, grace: float | None = None) -> dict[str, Any]:
        """A new key signs from now on; the old one stays in the JWKS ``grace`` seconds
        (default ``settings.key_grace_period``), then disappears."""
        return self.state.keys.rotate(grace)

    def emails(self, to: str | None = None) -> list[Email]:
        return self.state.mailbox.messages(to)

    def sms_messages(self, to: str | None = None) -> list[Sms]:
        return self.state.sms.messages(to)

    def log_entries(self, since: int = 0, event: str | None = None) -> list[dict[str, Any]]:
        return self.state.log.entries(since, event)
