"""PKCE (RFC 7636): plain and S256, the two methods PSC advertises."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

# 43-128 unreserved characters for both verifier and challenge.
PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_METHODS = ("plain", "S256")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(challenge: str, method: str | None, verifier: str) -> bool:
    if not PKCE_VALUE.match(verifier):
        return False
    derived = s256(verifier) if method == "S256" else verifier
    return hmac.compare_digest(derived, challenge)
