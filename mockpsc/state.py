"""Everything one running mock knows, shared by both origins' endpoints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockpsc.activation import ActivationBook
from mockpsc.ciba import CibaBook
from mockpsc.clients import Client, ClientError, ClientRegistry, with_changes
from mockpsc.clock import Clock
from mockpsc.ecps import EcpsBook
from mockpsc.eventlog import EventLog
from mockpsc.faults import UNSET, ArmedFault, FaultBoard
from mockpsc.identities import Identity, IdentityStore
from mockpsc.keys import KeyRing
from mockpsc.outbox import Mailbox, SmsOutbox
from mockpsc.pushes import PushBook
from mockpsc.sessions import SessionBook
from mockpsc.settings import OIDC_PATH, REALM_PATH, Settings


@dataclass
class MockState:
    settings: Settings
    clock: Clock
    keys: KeyRing
    clients: ClientRegistry
    identities: IdentityStore
    ecps: EcpsBook
    pushes: PushBook
    sessions: SessionBook
    activations: ActivationBook
    mailbox: Mailbox
    sms: SmsOutbox
    ciba: CibaBook
    faults: FaultBoard
    log: EventLog
    auth_origin: str = ""  # set once the sockets are bound
    wallet_origin: str = ""
    mtls_origin: str = ""  # https origin with client certificates, when TLS is on
    tls_ca: Any = None  # mockpsc.tlsca.TestCA when TLS is on
    control_token: str = ""  # required by /__mock when set (mockpsc/control.py)

    @classmethod
    def create(cls, settings: Settings, clock: Clock) -> "MockState":
        log = EventLog(clock.now, settings.log_capacity)
        now, event = clock.now, log.event
        keys = KeyRing(now, lambda: settings.key_grace_period)
        keys.on_change = event
        identities = IdentityStore()
        ecps = EcpsBook(now, lambda: settings.pin_attempts, event)
        pushes = PushBook(ecps, now, lambda: settings.push_lifetime, event)
        mailbox, sms = Mailbox(now, event), SmsOutbox(now, event)
        state: MockState

        def activation_link(token: str) -> str:
            return f"{state.wallet_origin}/ecps/activation?token={token}"

        state = cls(
            settings=settings,
            clock=clock,
            keys=keys,
            clients=ClientRegistry(),
            identities=identities,
            ecps=ecps,
            pushes=pushes,
            sessions=SessionBook(now, lambda: settings.session_max_lifetime, lambda: settings.session_idle_timeout),
            activations=ActivationBook(identities, ecps, pushes, mailbox, sms, now, settings, activation_link, event),
            mailbox=mailbox,
            sms=sms,
            ciba=CibaBook(pushes, now, event),
            faults=FaultBoard(),
            log=log,
        )
        return state

    @property
    def issuer(self) -> str:
        return self.auth_origin + REALM_PATH

    def oidc_url(self, name: str, origin: str | None = None) -> str:
        """Absolute URL of ``<issuer>/protocol/openid-connect/<name>``."""
        return f"{origin or self.auth_origin}{OIDC_PATH}/{name}"

    @property
    def authorization_endpoint(self) -> str:
        return self.wallet_origin + "/auth"

    # -- the operations tests and admins perform (Python and /__mock share them) --
    def register_client(self, client: Client) -> None:
        self.clients.put(client)
        self.log.event("client.registered", **client.public_view())  # no secret

    def add_identity(self, identity: Identity) -> None:
        self.identities.put(identity)
        self.ecps.seed(identity)  # replacing an identity counts as a fresh e-CPS activation
        self.log.event("identity.added", national_id=identity.national_id)

    def unlock_ecps(self, national_id: str) -> None:
        self.ecps.unlock(national_id)
        self.log.event("ecps.unlocked", national_id=national_id)

    def update_client(self, client_id: str, changes: dict[str, Any]) -> Client:
        """Change a registered client's settings (userinfo format, logout switch…); ClientError if bad."""
        current = self.clients.get(client_id)
        if current is None:
            raise ClientError(f"client '{client_id}' is not registered")
        updated = with_changes(current, changes)
        self.clients.put(updated)
        self.log.event("client.updated", **updated.public_view())
        return updated

    def arm_fault(self, fault: str, value: Any = UNSET, client_id: str | None = None,
                  times: int | None = 1) -> ArmedFault:
        armed = self.faults.arm(fault, value, client_id, times)
        self.log.event("fault.armed", **armed.view())
        return armed

    def clear_faults(self) -> None:
        self.faults.clear()
        self.log.event("fault.cleared")
