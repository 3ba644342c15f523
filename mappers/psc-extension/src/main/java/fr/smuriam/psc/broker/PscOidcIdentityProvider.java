package fr.smuriam.psc.broker;

import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.events.Details;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Keycloak's OIDC broker plus two things PSC needs, each active only when the identity provider's
 * config carries its key, so every other {@code oidc} broker of the server behaves as stock:
 * <ul>
 * <li>{@value #MINIMUM_ACR}: the ID token's {@code acr} must be exactly {@code eidas1},
 *   {@code eidas2} or {@code eidas3}, at or above the minimum ({@link AcrLevel}). Checked as soon
 *   as the token is validated, before any mapper runs and before Keycloak looks for the account,
 *   so a refused login creates and links nothing. Refusal: one event with the reason, our page.</li>
 * <li>{@code clientAuthMethod = tls_client_auth}: the token request carries {@code client_id}
 *   only. Stock Keycloak treats any method it does not know as client_secret_post and would send
 *   an empty {@code client_secret}; with mTLS the client is authenticated by the TLS client
 *   certificate that Keycloak's outgoing HTTP client presents (a server-wide setting).</li>
 * </ul>
 */
public class PscOidcIdentityProvider extends OIDCIdentityProvider {

    /** Identity-provider config key: eidas1, eidas2 or eidas3. Absent: no check (stock behaviour). */
    public static final String MINIMUM_ACR = "smurIam.minimumAcr";
    /** The event's error for every acr refusal; the {@code reason} detail tells which. */
    public static final String ACR_ERROR = "psc_acr_insufficient";
    public static final String ACR_CLAIM = "acr";

    private static final Logger LOG = Logger.getLogger(PscOidcIdentityProvider.class);

    public PscOidcIdentityProvider(KeycloakSession session, OIDCIdentityProviderConfig config) {
        super(session, config);
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        BrokeredIdentityContext identity = super.getFederatedIdentity(response);
        String minimum = getConfig().getConfig().get(MINIMUM_ACR);
        if (minimum != null && !minimum.isBlank()) {
            requireAcr(identity, minimum);
        }
        return identity;
    }

    /** The validated ID token's acr against the minimum; throws the refusal (event stored, page built). */
    void requireAcr(BrokeredIdentityContext identity, String minimum) {
        JsonWebToken idToken = (JsonWebToken) identity.getContextData().get(VALIDATED_ID_TOKEN);
        // validateToken reads the token as a JsonWebToken, which has no acr field: it is raw JSON here.
        Map<String, Object> claims = idToken == null ? Map.of() : idToken.getOtherClaims();
        Object acr = claims.get(ACR_CLAIM);
        AcrLevel.Refusal refusal = AcrLevel.check(claims.containsKey(ACR_CLAIM), acr, minimum);
        if (refusal == null) {
            return;
        }
        RealmModel realm = session.getContext().getRealm();
        String alias = getConfig().getAlias();
        String received = describe(claims.containsKey(ACR_CLAIM), acr);
        LoginRefusal event = LoginRefusal.of(ACR_ERROR, refusal.reason())
                // PSC's preferred_username: the national id, so an admin sees who was refused.
                .detail(Details.IDENTITY_PROVIDER_USERNAME, identity.getUsername())
                .detail("acr", received)
                .detail("minimum_acr", minimum);
        LOG.warnf("PSC login refused in realm %s (identity provider %s): %s, acr %s, minimum %s",
                realm.getName(), alias, refusal.reason(), event.details().get("acr"), minimum);
        throw event.raise(session, realm, alias, message(refusal, minimum));
    }

    /** What PSC sent, for the event: a string as is, anything else as JSON, "(absent)" when missing. */
    static String describe(boolean present, Object acr) {
        if (!present) {
            return "(absent)";
        }
        if (acr instanceof String text) {
            return text.isEmpty() ? "(empty)" : text;
        }
        try {
            return JsonSerialization.writeValueAsString(acr);
        } catch (IOException e) {
            return String.valueOf(acr);
        }
    }

    /** The page: French first, English after (no ASCII apostrophe nor brace: MessageFormat). */
    static String message(AcrLevel.Refusal refusal, String minimum) {
        if (refusal == AcrLevel.Refusal.MINIMUM_MISCONFIGURED) {
            return "Connexion impossible : le niveau d’authentification exigé pour ce SMUR est mal configuré. "
                    + "Contactez l’administrateur de votre SMUR. / Sign-in impossible: the authentication level "
                    + "required for this SMUR is misconfigured. Contact your SMUR administrator.";
        }
        String level = AcrLevel.parse(minimum.strip()).value();
        return "Connexion refusée : le niveau d’authentification transmis par Pro Santé Connect est insuffisant "
                + "pour ce SMUR (niveau exigé : " + level + " ou plus). Connectez-vous avec votre carte CPS ; si "
                + "le refus persiste, contactez l’administrateur de votre SMUR. / Sign-in refused: the "
                + "authentication level sent by Pro Santé Connect is not sufficient for this SMUR (" + level
                + " or higher required). Sign in with your CPS card; if you are still refused, contact your "
                + "SMUR administrator.";
    }

    @Override
    public SimpleHttpRequest authenticateTokenRequest(SimpleHttpRequest tokenRequest) {
        if (OIDCLoginProtocol.TLS_CLIENT_AUTH.equals(getConfig().getClientAuthMethod())) {
            // The TLS layer authenticates the client; RFC 8705 §2 still wants client_id in the request.
            return tokenRequest.param(OAUTH2_PARAMETER_CLIENT_ID, getConfig().getClientId());
        }
        return super.authenticateTokenRequest(tokenRequest);
    }
}
