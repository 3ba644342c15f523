"""A stand-in for SMUR-T@b: the tablet app's login, done as any app team would do it.

Plain OIDC against the region's Keycloak realm (authorization code + PKCE,
`kc_idp_hint=psc` to go straight to Pro Santé Connect). Nothing here knows PSC:
the app only reads the claims Keycloak puts in its tokens.
"""
