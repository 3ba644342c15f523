"""Mock Pro Santé Connect: an OIDC provider that a stock Keycloak ``oidc``
identity provider brokers exactly as it would the PSC sandbox, plus the e-CPS
phone (activation, pushes, PIN, number matching, CIBA).

Two origins like PSC: *wallet* (authorize page, phone page and API, mailbox)
and *auth* (issuer, discovery, token, userinfo, JWKS, logout, introspection,
CIBA, and the ``/__mock`` control API), optionally an mTLS port. Entry points:
``mockpsc.server.MockPSC`` and ``python -m mockpsc``; test helpers in
``mockpsc.testing``. See mockpsc/README.md.
"""
