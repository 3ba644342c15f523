package fr.smuriam.psc.broker;

import fr.smuriam.psc.PageMessage;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.OAuth2Constants;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Keycloak's OIDC broker plus three things PSC needs, so that every other {@code oidc} broker of the
 * server behaves as stock: the first and last only when the identity provider's config carries their key,
 * the second only sets page attributes, which only the smur login theme reads:
 * <ul>
 * <li>{@value #MINIMUM_ACR}: the ID token's {@code acr} must be exactly {@code eidas1},
 *   {@code eidas2} or {@code eidas3}, at or above the minimum ({@link AcrLevel}). Checked as soon
 *   as the token is validated, before any mapper runs and before Keycloak looks for the account,
 *   so a refused login creates and links nothing. Refusal: one event with the reason, our page.</li>
 * <li>the pages of PSC's return: the retry button of this sign-in, and the "e-CPS locked" page for a
 *   refusal from PSC that says so ({@link CallbackPages}).</li>
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

    /** Event reason: PSC's token endpoint gave no token (unreachable, too slow, or an error status). */
    public static final String TOKEN_REQUEST_FAILED = "psc_token_request_failed";
    /** Event reason: the token came, but its ID token, PSC's keys or userinfo could not be read or checked. */
    public static final String PSC_RESPONSE_UNUSABLE = "psc_response_unusable";

    private static final Logger LOG = Logger.getLogger(PscOidcIdentityProvider.class);

    /** The event of PSC's return to Keycloak (one provider instance per request): its reason, when it fails. */
    private EventBuilder callbackEvent;

    public PscOidcIdentityProvider(KeycloakSession session, OIDCIdentityProviderConfig config) {
        super(session, config);
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

    /** The page: the smur theme's level page, its text in the professional's language. */
    public static PageMessage message(AcrLevel.Refusal refusal, String minimum) {
        if (refusal == AcrLevel.Refusal.MINIMUM_MISCONFIGURED) {
            return PageMessage.of(PageMessage.ACR_INSUFFICIENT, "smurAcrMisconfigured");
        }
        return PageMessage.of(PageMessage.ACR_INSUFFICIENT, "smurAcrInsufficient",
                AcrLevel.parse(minimum.strip()).value());
    }

    /** Keycloak's callback endpoint, with what the smur pages need there ({@link CallbackPages}). */
    @Override
    public Object callback(RealmModel realm, AuthenticationCallback callback, EventBuilder event) {
        return new PscEndpoint(new CallbackPages(callback, session), realm, event, this);
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        BrokeredIdentityContext identity = readIdentity(response);
        String minimum = getConfig().getConfig().get(MINIMUM_ACR);
        if (minimum != null && !minimum.isBlank()) {
            requireAcr(identity, minimum);
        }
        return identity;
    }

    /**
     * PSC's token response read into an identity (ID token checked, userinfo fetched): what can fail now is PSC's
     * userinfo or keys, no longer the token request (the event's reason says which, {@link PscEndpoint}).
     */
    private BrokeredIdentityContext readIdentity(String tokenResponse) {
        if (callbackEvent != null) {
            callbackEvent.detail(LoginRefusal.REASON, PSC_RESPONSE_UNUSABLE);
        }
        BrokeredIdentityContext identity = super.getFederatedIdentity(tokenResponse);
        if (callbackEvent != null) {
            callbackEvent.removeDetail(LoginRefusal.REASON);
        }
        return identity;
    }

    @Override
    public SimpleHttpRequest authenticateTokenRequest(SimpleHttpRequest tokenRequest) {
        if (OIDCLoginProtocol.TLS_CLIENT_AUTH.equals(getConfig().getClientAuthMethod())) {
            // The TLS layer authenticates the client; RFC 8705 §2 still wants client_id in the request.
            return tokenRequest.param(OAUTH2_PARAMETER_CLIENT_ID, getConfig().getClientId());
        }
        return super.authenticateTokenRequest(tokenRequest);
    }

    /**
     * Keycloak's callback endpoint (PSC's redirect back to Keycloak), but a PSC that cannot be reached, answers
     * too late or answers with an error is a 502 page, never Keycloak's 500, and the stored event says why
     * ({@code reason}: {@value #TOKEN_REQUEST_FAILED} or {@value #PSC_RESPONSE_UNUSABLE}). Keycloak turns an
     * I/O error of the token request (connection refused, connect or read timeout) into a 500 page and an
     * event without a reason; its log has the exception.
     */
    protected static class PscEndpoint extends OIDCEndpoint {

        PscEndpoint(AuthenticationCallback callback, RealmModel realm, EventBuilder event,
                    PscOidcIdentityProvider provider) {
            super(callback, realm, event, provider);
            provider.callbackEvent = event;
        }

        @Override
        public SimpleHttpRequest generateTokenRequest(String authorizationCode) {
            // Cleared once PSC's token response is read (readIdentity): until then, a failure is this request's.
            event.detail(LoginRefusal.REASON, TOKEN_REQUEST_FAILED);
            return super.generateTokenRequest(authorizationCode);
        }

        @GET
        @Override
        public Response authResponse(@QueryParam(OAUTH2_PARAMETER_STATE) String state,
                                     @QueryParam(OAUTH2_PARAMETER_CODE) String authorizationCode,
                                     @QueryParam(OAuth2Constants.ERROR) String error,
                                     @QueryParam(OAuth2Constants.ERROR_DESCRIPTION) String errorDescription) {
            Response response = super.authResponse(state, authorizationCode, error, errorDescription);
            if (response.getStatus() == Response.Status.INTERNAL_SERVER_ERROR.getStatusCode()) {
                return Response.fromResponse(response).status(Response.Status.BAD_GATEWAY).build();
            }
            return response;
        }
    }
}
