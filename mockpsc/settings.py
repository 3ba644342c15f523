"""Tunable behaviour of the mock, with PSC's observed values as defaults.

Lifetimes follow ANS's guide (access token 2 min, refresh token 30 min, PSC
session 4 h or 30 min idle) and sandbox tokens (ID token 120 s); see
shared/reference/pro-sante-connect.md §4, §11, §12. Each is a field so a test can
shorten or stretch one without touching code. ``MockPSC.settings`` is this
object: changing a field takes effect on the next request.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from mockpsc.acr import ACR_LEVELS

REALM = "esante-wallet"
REALM_PATH = f"/auth/realms/{REALM}"
OIDC_PATH = f"{REALM_PATH}/protocol/openid-connect"


@dataclass
class Settings:
    id_token_lifetime: int = 120  # sandbox samples: exp - iat = 120
    access_token_lifetime: int = 120  # ANS's guide: 2 min (2021 sandbox samples showed 60 s)
    refresh_token_lifetime: int = 1800  # ANS's guide: 30 min
    code_lifetime: int = 60  # Keycloak's default authorization code lifespan
    session_max_lifetime: int = 4 * 3600  # PSC session cookie: 4 h ...
    session_idle_timeout: int = 1800  # ... or 30 min without activity
    push_lifetime: int = 120  # CIBA ack says expires_in 120: same budget for a push
    pin_attempts: int = 3  # e-CPS: not public; 3 like a CPS card
    card_pin_attempts: int = 3  # CPS card: blocked after 3 wrong PINs
    # e-CPS activation (not public; reference §11 choices): link 15 min, SMS 10 min, 3 tries.
    activation_link_lifetime: int = 900
    sms_code_lifetime: int = 600
    sms_code_attempts: int = 3
    # CIBA acknowledgement as ANS's proxy shows it: {expires_in: 120, interval: 1}.
    ciba_lifetime: int = 120
    ciba_interval: int = 1
    # After a rotation the retired key stays in the JWKS this long, then disappears.
    key_grace_period: int = 600
    # The acr a login returns is what its method achieved (reference §2, 2026): e-CPS
    # (authMode MOBILE) eidas1, CPS card (CARD) eidas2. Identities and the next login of
    # one identity can say otherwise (mockpsc/acr.py).
    ecps_acr: str = "eidas1"
    card_acr: str = "eidas2"
    # Keycloak adds its default scopes to whatever the client asked for:
    # sandbox access tokens read "openid profile email scope_all".
    default_scopes: tuple[str, ...] = ("profile", "email")
    # Published as PSC publishes it (sic); a strict consumer must cope.
    acr_values_supported: list[str] = field(default_factory=lambda: ["0", "0"])
    # PSC sometimes comes back from logout without `state` (ANS's plugin has a flag
    # to tolerate it); True does that for every client (clients have their own switch).
    logout_omits_state: bool = False
    log_capacity: int = 5000  # in-memory event log keeps the newest entries

    def view(self) -> dict[str, Any]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Change fields by name, type-checked; an unknown name or a bad type raises ValueError."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; known: {sorted(known)}")
            if name in CHOICES and value not in CHOICES[name]:
                raise ValueError(f"setting {name!r} must be one of {list(CHOICES[name])}, got {value!r}")
            current = getattr(self, name)
            expected = type(current)
            if expected is tuple and isinstance(value, list):
                value = tuple(value)
            if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"setting {name!r} must be a non-negative integer, got {value!r}")
            if not isinstance(value, expected):
                raise ValueError(f"setting {name!r} must be {expected.__name__}, got {value!r}")
        for name, value in changes.items():
            setattr(self, name, tuple(value) if isinstance(getattr(self, name), tuple) else value)


# Settings whose value is one of a few words.
CHOICES: dict[str, tuple[str, ...]] = {"ecps_acr": ACR_LEVELS, "card_acr": ACR_LEVELS}
