"""Everything one running mock knows, shared by both origins' endpoints."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockpsc.acr import NextLoginAcr, achieved_acr
from mockpsc.activation import ActivationBook
from mockpsc.cards import CardBook
from mockpsc.ciba import CibaBook
from mockpsc.clients import Client, ClientError, ClientRegistry, with_changes
from mockpsc.clock import Clock
from mockpsc.ecps import EcpsBook
from mockpsc.eventlog import EventLog
from mockpsc.faults import UNSET, ArmedFault, FaultBoard
from mockpsc.identities import Identity, IdentityError, IdentityStore, identity_with_changes
from mockpsc.keys import KeyRing
from mockpsc.outbox import Mailbox, SmsOutbox
from mockpsc.pushes import PushBook
from mockpsc.sessions import LoginSession, SessionBook
from mockpsc.settings import OIDC_PATH, REALM_PATH, Settings


@dataclass
class MockState:
    settings: Settings
    clock: Clock
    keys: KeyRing
    clients: ClientRegistry
    identities: IdentityStore
    ecps: EcpsBook
    cards: CardBook
    next_login_acr: NextLoginAcr
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
            cards=CardBook(lambda: settings.card_pin_attempts, event),
            next_login_acr=NextLoginAcr(),
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
        self.cards.seed(identity)  # ... and a fresh card
        self.log.event("identity.added", national_id=identity.national_id)

    def update_identity(self, national_id: str, changes: Any) -> Identity:
        """Change an identity's card, acr levels or regulation flag, keeping its e-CPS as it is
        (IdentityError if unknown or bad). A new ``cps`` is a new card: not blocked."""
        current = self.identities.get(national_id)
        if current is None:
            raise IdentityError(f"identity {national_id!r} is not known")
        updated = identity_with_changes(current, changes)
        self.identities.put(updated)
        if "cps" in changes:
            self.cards.seed(updated)
        self.log.event("identity.updated", national_id=national_id, changed=sorted(changes))
        return updated

    def set_next_login_acr(self, national_id: str, acr: str | None) -> None:
        """The acr ``national_id``'s next login returns, whatever its method (None disarms)."""
        if self.identities.get(national_id) is None:
            raise IdentityError(f"identity {national_id!r} is not known")
        try:
            self.next_login_acr.set(national_id, acr)
        except ValueError as error:
            raise IdentityError(str(error)) from None
        self.log.event("acr.next_login_set", national_id=national_id, acr=acr)

    def open_login_session(self, national_id: str, client_id: str, auth_mode: str, via: str) -> LoginSession:
        """A professional has just authenticated (``via``: ecps, card, ciba): the PSC session,
        with the acr this authentication achieved (mockpsc/acr.py)."""
        identity = self.identities.get(national_id)
        assert identity is not None, "authenticated someone the mock does not know"
        acr = achieved_acr(identity, auth_mode, self.settings, self.next_login_acr.take(national_id))
        session = self.sessions.open_session(national_id, client_id, auth_mode, acr)
        self.log.event("session.opened", sid=session.sid, national_id=national_id, client_id=client_id,
                       via=via, auth_mode=auth_mode, acr=acr)
        return session

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
