package fr.smuriam.psc.broker;

import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;

/**
 * Replaces Keycloak's own {@code oidc} identity-provider factory with one that creates
 * {@link PscOidcIdentityProvider}.
 *
 * <p>Same provider id on purpose: existing brokers keep {@code providerId: oidc}, so no account
 * link, mapper or config has to move. Keycloak keeps one factory per id and, when a deployed
 * provider and one of its own (package org.keycloak) share an id and an order, picks the deployed
 * one (ProviderManager#compareFactories). Brokers without the {@code smurIam.*} keys and with a
 * stock client-authentication method behave exactly as before.
 */
public class PscOidcIdentityProviderFactory extends OIDCIdentityProviderFactory {

    @Override
    public String getName() {
        return "OpenID Connect v1.0";
    }

    @Override
    public OIDCIdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new PscOidcIdentityProvider(session, new OIDCIdentityProviderConfig(model));
    }
}
