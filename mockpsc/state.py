"""Everything one running mock knows, shared by both origins' endpoints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockpsc.clients import Client, ClientRegistry
from mockpsc.clock import Clock
from mockpsc.eventlog import EventLog
from mockpsc.faults import UNSET, ArmedFault, FaultBoard
from mockpsc.identities import Identity, IdentityStore
from mockpsc.keys import KeyRing
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
    pushes: PushBook
    sessions: SessionBook
    faults: FaultBoard
    log: EventLog
    auth_origin: str = ""  # set once the sockets are bound
    wallet_origin: str = ""

    @classmethod
    def create(cls, settings: Settings, clock: Clock) -> "MockState":
        log = EventLog(clock.now, settings.log_capacity)
        identities = IdentityStore(settings.pin_attempts)
        return cls(
            settings=settings,
            clock=clock,
            keys=KeyRing(),
            clients=ClientRegistry(),
            identities=identities,
            pushes=PushBook(identities, clock.now, settings.push_lifetime, log.event),
            sessions=SessionBook(clock.now),
            faults=FaultBoard(),
            log=log,
        )

    @property
    def issuer(self) -> str:
        return self.auth_origin + REALM_PATH

    def oidc_url(self, name: str) -> str:
        """Absolute URL of ``<issuer>/protocol/openid-connect/<name>``."""
        return f"{self.auth_origin}{OIDC_PATH}/{name}"

    @property
    def authorization_endpoint(self) -> str:
        return self.wallet_origin + "/auth"

    # -- the operations tests and admins perform (Python and /__mock share them) --
    def register_client(self, client: Client) -> None:
        self.clients.put(client)
        self.log.event("client.registered", **client.public_view())  # no secret

    def add_identity(self, identity: Identity) -> None:
        self.identities.put(identity)
        self.log.event("identity.added", national_id=identity.national_id)

    def arm_fault(self, fault: str, value: Any = UNSET, client_id: str | None = None,
                  times: int | None = 1) -> ArmedFault:
        armed = self.faults.arm(fault, value, client_id, times)
        self.log.event("fault.armed", **armed.view())
        return armed

    def clear_faults(self) -> None:
        self.faults.clear()
        self.log.event("fault.cleared")
