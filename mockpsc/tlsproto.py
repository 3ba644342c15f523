"""uvicorn's h11 protocol, plus the ASGI TLS extension: the endpoints of the mTLS
port read the client certificate from ``scope["extensions"]["tls"]``
(``client_cert_der``, ``client_cert_chain`` as PEM) — uvicorn itself does not
pass it on."""
from __future__ import annotations

import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def client_certificate_der(scope: dict) -> bytes | None:
    """DER of the client certificate of this request, if it came over mTLS with one."""
    return (scope.get("extensions") or {}).get("tls", {}).get("client_cert_der")


class TLSExtensionProtocol(H11Protocol):
    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        tls = {"server_cert": None, "client_cert_der": der,
               "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
               "client_cert_name": None, "client_cert_error": None, "tls_version": None, "cipher_suite": None}
        inner = self.app

        async def with_tls(scope: dict, receive: Any, send: Any) -> None:
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "tls": tls}}
            await inner(scope, receive, send)

        self.app = with_tls
