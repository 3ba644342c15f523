package fr.smuriam.psc.broker;

import fr.smuriam.psc.PageMessage;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A PSC login refused by this extension during the broker's callback: one stored event that says
 * why, and the smur theme's page for it ({@link PageMessage}).
 *
 * <p>Thrown as a {@link WebApplicationException} because the broker endpoint
 * (AbstractOAuth2IdentityProvider.Endpoint#authResponse) returns such an exception's response as
 * is. An IdentityBrokerException would instead get Keycloak's generic page and a second event
 * with no reason.
 */
public final class LoginRefusal {

    /** Event detail: the machine-readable cause (acr_insufficient, rpps_invalid, …). */
    public static final String REASON = Details.REASON;
    private static final int MAX_DETAIL_LENGTH = 64;

    private final String error;
    private final String reason;
    private final Map<String, String> details = new LinkedHashMap<>();

    private LoginRefusal(String error, String reason) {
        this.error = error;
        this.reason = reason;
    }

    /**
     * @param error  the event's error (e.g. psc_acr_insufficient)
     * @param reason the event's {@code reason} detail (e.g. acr_insufficient)
     */
    public static LoginRefusal of(String error, String reason) {
        return new LoginRefusal(error, reason);
    }

    /** One more event detail; the value is made printable and cut to a short length. */
    public LoginRefusal detail(String key, String value) {
        details.put(key, printable(value));
        return this;
    }

    /**
     * Stores the event (IDENTITY_PROVIDER_LOGIN_ERROR) and returns the exception that carries the
     * error page showing {@code message}.
     */
    public WebApplicationException raise(KeycloakSession session, RealmModel realm, String identityProvider,
                                         PageMessage message) {
        record(session, realm, identityProvider);
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        LoginFormsProvider form = session.getProvider(LoginFormsProvider.class).setAuthenticationSession(authSession);
        Response page = message.errorPage(form, Response.Status.FORBIDDEN);
        return new WebApplicationException(error, page);
    }

    /**
     * Stores the event only (IDENTITY_PROVIDER_LOGIN_ERROR), for a refusal whose page Keycloak builds itself;
     * `smur-iam report` counts refusals by these errors and reasons.
     */
    public void record(KeycloakSession session, RealmModel realm, String identityProvider) {
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        EventBuilder event = new EventBuilder(realm, session, session.getContext().getConnection())
                .event(EventType.IDENTITY_PROVIDER_LOGIN)
                .detail(Details.IDENTITY_PROVIDER, identityProvider)
                .detail(REASON, reason);
        if (authSession != null && authSession.getClient() != null) {
            event.client(authSession.getClient());
        }
        details.forEach(event::detail);
        event.error(error); // the type becomes IDENTITY_PROVIDER_LOGIN_ERROR; stored at once
    }

    public String error() {
        return error;
    }

    public String reason() {
        return reason;
    }

    public Map<String, String> details() {
        return Map.copyOf(details);
    }

    /** What PSC sent, safe for an event store and a log line: printable ASCII, at most 64 characters. */
    static String printable(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        value.codePoints().limit(MAX_DETAIL_LENGTH + 1L).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return out.length() > MAX_DETAIL_LENGTH ? out.substring(0, MAX_DETAIL_LENGTH - 3) + "..." : out.toString();
    }
}
