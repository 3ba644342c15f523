package fr.smuriam.psc;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.ExistingUserInfo;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.events.Errors;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

import java.util.List;
import java.util.Map;

/**
 * First-broker-login step of the {@code link-by-rpps} policy: a PSC identity Keycloak has no link
 * for is attached to the one existing account whose {@code rpps} attribute is the RPPS of its
 * {@code 8}-type national id, and signed in; otherwise the login is refused with a page and
 * nothing is linked or created.
 *
 * <p>Why not Keycloak's own steps: "detect existing broker user" matches on e-mail first, then
 * username, and "automatically set existing user" then links silently, so an e-mail or a
 * username that collides would hand over an account. Here the national id Keycloak stores as the
 * link (the brokered user id, which the catalogue's username mapper sets to SubjectNameID) is the
 * only input, and the account is found by attribute alone.
 *
 * <p>Setting the account as the flow's user is what makes Keycloak create the link when the flow
 * ends (IdentityBrokerService#afterFirstBrokerLogin), then run the mappers on it as on any later
 * login (the PSC profile mapper, in FORCE mode, writes attributes, roles and auth_mode).
 */
public class PscLinkByRppsAuthenticator extends AbstractIdpAuthenticator {

    /** Config key: the page text when no account holds the RPPS (the region's "not registered" text). */
    public static final String NOT_REGISTERED_MESSAGE = "notRegisteredMessage";
    /** At most this many matches are read: two already mean "refuse". */
    static final int LOOKUP_LIMIT = 10;

    private static final Logger LOG = Logger.getLogger(PscLinkByRppsAuthenticator.class);

    @Override
    protected void authenticateImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serializedCtx,
                                    BrokeredIdentityContext brokerContext) {
        KeycloakSession session = context.getSession();
        RealmModel realm = context.getRealm();
        String alias = brokerContext.getIdpConfig().getAlias();
        String nationalId = brokerContext.getId();

        RppsAccountMatch match = RppsAccountMatch.decide(nationalId,
                rpps -> usersWithAttribute(session, realm, rpps),
                user -> session.users().getFederatedIdentity(realm, user, alias) != null);

        if (match.user() == null) {
            refuse(context, match, nationalId);
            return;
        }
        UserModel user = match.user();
        LOG.infof("realm %s: PSC identity %s linked by RPPS %s to existing user %s (%s)", realm.getName(), nationalId,
                match.rpps(), user.getUsername(), user.getId());
        // Same note Keycloak's own steps leave for the existing account.
        context.getAuthenticationSession().setAuthNote(EXISTING_USER_INFO,
                new ExistingUserInfo(user.getId(), RppsAccountMatch.RPPS_ATTRIBUTE, match.rpps()).serialize());
        context.setUser(user);
        context.success();
    }

    @Override
    protected void actionImpl(AuthenticationFlowContext context, SerializedBrokeredIdentityContext serializedCtx,
                              BrokeredIdentityContext brokerContext) {
        // No form: nothing posts back here.
        authenticateImpl(context, serializedCtx, brokerContext);
    }

    private static List<UserModel> usersWithAttribute(KeycloakSession session, RealmModel realm, String rpps) {
        return session.users().searchForUserByUserAttributeStream(realm, RppsAccountMatch.RPPS_ATTRIBUTE, rpps)
                .limit(LOOKUP_LIMIT).toList();
    }

    private static void refuse(AuthenticationFlowContext context, RppsAccountMatch match, String nationalId) {
        RppsAccountMatch.Refusal refusal = match.refusal();
        LOG.warnf("realm %s: first PSC login of %s refused, nothing linked: %s", context.getRealm().getName(),
                nationalId, refusal.eventReason);
        context.getEvent().detail("reason", refusal.eventReason).error(Errors.ACCESS_DENIED);
        PageMessage message = refusal.message(nationalId, match.rpps(), configured(context, NOT_REGISTERED_MESSAGE));
        Response page = message.errorPage(context.form(), Response.Status.UNAUTHORIZED);
        context.failure(AuthenticationFlowError.ACCESS_DENIED, page);
    }

    private static String configured(AuthenticationFlowContext context, String key) {
        AuthenticatorConfigModel config = context.getAuthenticatorConfig();
        Map<String, String> values = config == null ? null : config.getConfig();
        return values == null ? null : values.get(key);
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return false;
    }
}
