"""Mock Pro Santé Connect: an OIDC provider that a stock Keycloak ``oidc``
identity provider brokers exactly as it would the PSC sandbox.

Two origins like PSC: *wallet* (authorize page, e-CPS waiting page, headless
phone API) and *auth* (issuer, discovery, token, userinfo, JWKS, logout, and
the ``/__mock`` control API). Entry points: ``mockpsc.server.MockPSC`` and
``python -m mockpsc``; test helpers in ``mockpsc.testing``.
"""
