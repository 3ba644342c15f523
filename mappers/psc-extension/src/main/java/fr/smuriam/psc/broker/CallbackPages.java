package fr.smuriam.psc.broker;

import fr.smuriam.psc.PageMessage;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationProcessor;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.UserAuthenticationIdentityProvider;
import org.keycloak.broker.provider.UserAuthenticationIdentityProvider.AuthenticationCallback;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.services.Urls;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.net.URI;
import java.util.Locale;

/**
 * Keycloak's broker callback (PSC coming back to Keycloak), plus what the smur theme's pages need there.
 * Everything Keycloak does — its events, flows, the error page itself — stays Keycloak's: this sets
 * attributes on the request's form, which the error page renders, and stores the one event Keycloak lacks.
 * <ul>
 * <li>The sign-in to retry: {@value #RETRY_ATTRIBUTE}, Keycloak's restart URL for this very sign-in (the
 *   app's client_id, the browser tab, the app's request). Keycloak drops the sign-in from the page when PSC's
 *   token endpoint fails or is unreachable; a restart URL without it would only lead to a "timed out" page
 *   first.</li>
 * <li>A locked e-CPS: Keycloak reads only {@code error} and handles every {@code access_denied} alike
 *   (declined, wrong number, wrong PIN); only PSC's {@code error_description} says the e-CPS is locked
 *   (too many wrong PINs), which gets the "e-CPS locked" page instead of the plain "refused" one.</li>
 * <li>PSC's refusal as an event: Keycloak stores none for {@code access_denied}; this stores one
 *   IDENTITY_PROVIDER_LOGIN_ERROR, error {@value #PSC_REFUSED_ERROR}, reason {@value #REASON_ECPS_LOCKED} or
 *   {@value #REASON_ACCESS_DENIED}, so refusals at PSC can be counted ({@code smur-iam report}).</li>
 * </ul>
 */
final class CallbackPages implements AuthenticationCallback {

    /** Template attribute: the URL of the « Réessayer avec Pro Santé Connect » button (smur.ftl). */
    static final String RETRY_ATTRIBUTE = "smurRetryUrl";
    /** The event's error when PSC answers access_denied (declined, wrong number or PIN, e-CPS locked). */
    public static final String PSC_REFUSED_ERROR = "psc_refused";
    /** Event reasons of {@value #PSC_REFUSED_ERROR}: PSC said the e-CPS is locked, or refused without saying so. */
    public static final String REASON_ECPS_LOCKED = "ecps_locked";
    public static final String REASON_ACCESS_DENIED = "psc_access_denied";
    /** Event detail: PSC's error_description, as received (printable, cut short). */
    public static final String PSC_DESCRIPTION_DETAIL = "psc_error_description";

    private static final Logger LOG = Logger.getLogger(CallbackPages.class);

    private final AuthenticationCallback keycloak;
    private final KeycloakSession session;

    CallbackPages(AuthenticationCallback keycloak, KeycloakSession session) {
        this.keycloak = keycloak;
        this.session = session;
    }

    /** PSC's error_description for a locked e-CPS (the mock says "e-CPS verrouillée"; [I] real PSC's wording). */
    static boolean saysLocked(String errorDescription) {
        if (errorDescription == null) {
            return false;
        }
        String text = errorDescription.toLowerCase(Locale.ROOT);
        return text.contains("verrouill") || text.contains("locked");
    }

    @Override
    public Response cancelled(IdentityProviderModel idpConfig) {
        String description = session.getContext().getUri().getQueryParameters().getFirst("error_description");
        boolean locked = saysLocked(description);
        if (locked) {
            LOG.infof("PSC refused a login in realm %s: e-CPS locked (%s)", session.getContext().getRealm().getName(),
                    LoginRefusal.printable(description));
            session.getProvider(LoginFormsProvider.class).setAttribute(PageMessage.PAGE_ATTRIBUTE, PageMessage.ECPS_LOCKED);
        }
        // Keycloak stores no event for PSC's access_denied: without this one, refusals at PSC could not be counted.
        LoginRefusal.of(PSC_REFUSED_ERROR, locked ? REASON_ECPS_LOCKED : REASON_ACCESS_DENIED)
                .detail(PSC_DESCRIPTION_DETAIL, description)
                .record(session, session.getContext().getRealm(), idpConfig.getAlias());
        return keycloak.cancelled(idpConfig);
    }

    @Override
    public AuthenticationSessionModel getAndVerifyAuthenticationSession(String encodedCode) {
        AuthenticationSessionModel authSession = keycloak.getAndVerifyAuthenticationSession(encodedCode);
        if (authSession != null) {
            URI retry = Urls.realmLoginRestartPage(session.getContext().getUri().getBaseUri(),
                    session.getContext().getRealm().getName(), authSession.getClient().getClientId(),
                    authSession.getTabId(), AuthenticationProcessor.getClientData(session, authSession), false);
            session.getProvider(LoginFormsProvider.class).setAttribute(RETRY_ATTRIBUTE, retry.toString());
        }
        return authSession;
    }

    @Override
    public Response authenticated(BrokeredIdentityContext context) {
        return keycloak.authenticated(context);
    }

    @Override
    public Response retryLogin(UserAuthenticationIdentityProvider<?> identityProvider,
                               AuthenticationSessionModel authSession) {
        return keycloak.retryLogin(identityProvider, authSession);
    }

    @Override
    public Response error(IdentityProviderModel idpConfig, String message) {
        return keycloak.error(idpConfig, message);
    }
}
