"""Which ``acr`` a login returns: what the professional's way of signing in achieved.

Since 2026 PSC returns ``acr: eidas2`` with ``authMode: CARD`` for CPS-card logins and
``eidas1`` for e-CPS (``MOBILE``) logins; some e-CPS logins are reported to return
``eidas2`` too (reference §2). Relying parties may ask for ``eidas1``, ``eidas2`` or
``eidas3`` in ``acr_values``; the answer is what the method achieved, never an echo of
the request: the relying party checks it as a minimum.

Decided once per authentication (when the PSC session opens), in this order:
1. a level set for the identity's next login only (``MockPSC.set_next_login_acr``);
2. the identity's own level for that method (``ecps_acr`` / ``card_acr`` in identities.yaml);
3. the mock's default for that method (``Settings.ecps_acr`` / ``Settings.card_acr``).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for annotations only: identities.py imports this module
    from mockpsc.identities import Identity

ACR_LEVELS = ("eidas1", "eidas2", "eidas3")  # what a relying party may request, lowest first
ECPS = "MOBILE"  # authMode of an e-CPS login (the phone app)
CARD = "CARD"  # authMode of a CPS-card login (card reader on the wallet page)
AUTH_MODES = (ECPS, CARD)


class AcrError(ValueError):
    """A level the mock does not know; the message lists the known ones."""


def checked_level(value: Any, where: str) -> str:
    if value not in ACR_LEVELS:
        raise AcrError(f"{where} must be one of {list(ACR_LEVELS)}, got {value!r}")
    return value


def achieved_acr(identity: "Identity", auth_mode: str, settings: Any, next_login: str | None = None) -> str:
    """The acr of an authentication of ``identity`` by ``auth_mode`` (rules in the module docstring)."""
    if next_login is not None:
        return next_login
    own = identity.card_acr if auth_mode == CARD else identity.ecps_acr
    if own:
        return own
    return settings.card_acr if auth_mode == CARD else settings.ecps_acr


class NextLoginAcr:
    """Levels armed for the next login of one identity each, consumed by that login."""

    def __init__(self) -> None:
        self._levels: dict[str, str] = {}
        self._lock = threading.Lock()

    def set(self, national_id: str, level: str | None) -> None:
        """Arm ``level`` for ``national_id``'s next login; None disarms."""
        with self._lock:
            if level is None:
                self._levels.pop(national_id, None)
            else:
                self._levels[national_id] = checked_level(level, "acr")

    def take(self, national_id: str) -> str | None:
        with self._lock:
            return self._levels.pop(national_id, None)

    def peek(self, national_id: str) -> str | None:
        with self._lock:
            return self._levels.get(national_id)
