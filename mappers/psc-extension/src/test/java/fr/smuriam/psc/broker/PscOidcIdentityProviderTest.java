package fr.smuriam.psc.broker;

import fr.smuriam.psc.PageMessage;
import org.junit.jupiter.api.Test;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityProviderFactory;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.representations.JsonWebToken;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OIDC broker override: its registration, the accepted acr path, and the token request's client auth. */
class PscOidcIdentityProviderTest {

    private static PscOidcIdentityProvider provider(String... config) {
        IdentityProviderModel model = new IdentityProviderModel();
        model.setAlias("psc");
        model.setProviderId("oidc");
        model.setEnabled(true);
        model.getConfig().put("clientId", "smur-grand-est");
        model.getConfig().put("defaultScope", "openid scope_all");
        for (int i = 0; i < config.length; i += 2) {
            model.getConfig().put(config[i], config[i + 1]);
        }
        return new PscOidcIdentityProvider(null, new OIDCIdentityProviderConfig(model));
    }

    private static SimpleHttpRequest tokenRequest() {
        return SimpleHttp.create((org.apache.http.client.HttpClient) null).doPost("https://psc.example/token")
                .param("grant_type", "authorization_code");
    }

    @Test
    void registeredUnderKeycloaksOwnOidcIdSoExistingBrokersKeepTheirProviderId() {
        IdentityProviderFactory<?> found = ServiceLoader.load(IdentityProviderFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f instanceof PscOidcIdentityProviderFactory)
                .findFirst().orElseThrow();
        assertEquals("oidc", found.getId());
        assertEquals(OIDCIdentityProviderFactory.PROVIDER_ID, found.getId());
        // Picked over Keycloak's factory of the same id: same order, and ours is not in org.keycloak.
        assertEquals(new OIDCIdentityProviderFactory().order(), found.order());
        assertFalse(found.getClass().getPackage().getName().startsWith("org.keycloak"));
        IdentityProviderModel model = new IdentityProviderModel();
        model.getConfig().put("defaultScope", "openid");
        assertInstanceOf(PscOidcIdentityProvider.class, found.create(null, model));
    }

    @Test
    void anAcceptableAcrGoesThrough() {
        PscOidcIdentityProvider provider = provider(PscOidcIdentityProvider.MINIMUM_ACR, "eidas1");
        for (String acr : List.of("eidas1", "eidas2", "eidas3")) {
            JsonWebToken token = new JsonWebToken();
            token.setOtherClaims("acr", acr);
            BrokeredIdentityContext identity = new BrokeredIdentityContext("f:0:899700245667",
                    provider.getConfig());
            identity.getContextData().put(OIDCIdentityProvider.VALIDATED_ID_TOKEN, token);
            assertDoesNotThrow(() -> provider.requireAcr(identity, "eidas1"), acr);
        }
    }

    @Test
    void theEventDescribesWhatPscSent() {
        assertEquals("(absent)", PscOidcIdentityProvider.describe(false, null));
        assertEquals("(empty)", PscOidcIdentityProvider.describe(true, ""));
        assertEquals("eidas0", PscOidcIdentityProvider.describe(true, "eidas0"));
        assertEquals("[\"eidas0\",\"eidas2\"]", PscOidcIdentityProvider.describe(true, List.of("eidas0", "eidas2")));
        assertEquals("2", PscOidcIdentityProvider.describe(true, 2));
        assertEquals("null", PscOidcIdentityProvider.describe(true, null));
        assertEquals("eidas1?<script>", LoginRefusal.printable("eidas1\n<script>"));
        assertEquals(64, LoginRefusal.printable("x".repeat(500)).length());
    }

    @Test
    void theRefusalShowsTheThemesLevelPageWithTheRequiredLevel() {
        PageMessage message = PscOidcIdentityProvider.message(AcrLevel.Refusal.ACR_INSUFFICIENT, " eidas2 ");
        assertEquals(PageMessage.of(PageMessage.ACR_INSUFFICIENT, "smurAcrInsufficient", "eidas2"), message);
        assertEquals(PageMessage.of(PageMessage.ACR_INSUFFICIENT, "smurAcrMisconfigured"),
                PscOidcIdentityProvider.message(AcrLevel.Refusal.MINIMUM_MISCONFIGURED, "eidas9"));
    }

    @Test
    void aLockedEcpsIsToldFromPscsErrorDescription() {
        assertTrue(CallbackPages.saysLocked("e-CPS verrouillée"));
        assertTrue(CallbackPages.saysLocked("E-CPS LOCKED: too many wrong PINs"));
        for (String other : new String[] {null, "", "Code PIN e-CPS erroné", "Demande d'authentification refusée"}) {
            assertFalse(CallbackPages.saysLocked(other), other);
        }
    }

    @Test
    void tlsClientAuthSendsTheClientIdAndNoSecret() {
        SimpleHttpRequest request = provider("clientAuthMethod", "tls_client_auth", "clientSecret", "not-sent")
                .authenticateTokenRequest(tokenRequest());
        assertEquals(Map.of("grant_type", "authorization_code", "client_id", "smur-grand-est"), request.getParams());
        assertTrue(request.getHeaders() == null || !request.getHeaders().containsKey("Authorization"),
                () -> "no Authorization header: " + request.getHeaders());
    }
}
