"""The fingerprint of a secret Keycloak cannot give back (the PSC client secret).

It is stored in the identity provider's config (and, inside digests, in the ownership
record), both readable with `view-identity-providers` / `view-realm`. A fast hash there
would let such an admin test guesses offline at billions per second, so it is scrypt,
memory-hard: ~0.1 s and 32 MiB per guess here. Not a keyed HMAC: that key would have to
reach every machine that runs `smur-iam`, and a lost or changed key would turn every
stored fingerprint into a spurious rotation. The parameters are part of the stored value,
so stronger ones later show as one `clientSecret` change per realm, like a rotation.

The salt is deterministic (realm/kind/key: the broker's stored value and its ownership
digest share one) so the desired representation is the same at every plan; each
(salt, secret) pair is computed once per process, so a plan pays one scrypt per secret
and realm (the PSC secret, the back-office client's), in parallel across realms.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # 128 * r * n = 32 MiB per evaluation
DKLEN = 32
PREFIX = f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}:"
# OpenSSL refuses scrypt above 32 MiB by default; the block needs exactly that, plus a little.
MAXMEM = 128 * SCRYPT_R * SCRYPT_N + 2 * 1024 * 1024


@lru_cache(maxsize=4096)
def secret_fingerprint(salt: str, secret: str) -> str:
    """``scrypt:n=32768,r=8,p=1:<64 hex>``. hashlib.scrypt releases the GIL: plans of
    several realms compute theirs in parallel on the plan's threads."""
    digest = hashlib.scrypt(secret.encode(), salt=salt.encode(), n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=MAXMEM, dklen=DKLEN)
    return PREFIX + digest.hex()
