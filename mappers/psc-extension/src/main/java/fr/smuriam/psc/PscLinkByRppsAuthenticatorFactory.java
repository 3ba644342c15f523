package fr.smuriam.psc;

import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

import java.util.List;

/** Registers {@link PscLinkByRppsAuthenticator} as the first-broker-login step {@value #PROVIDER_ID}. */
public class PscLinkByRppsAuthenticatorFactory implements AuthenticatorFactory {

    public static final String PROVIDER_ID = "psc-link-by-rpps";

    private static final PscLinkByRppsAuthenticator SINGLETON = new PscLinkByRppsAuthenticator();
    private static final AuthenticationExecutionModel.Requirement[] REQUIREMENTS = {
            AuthenticationExecutionModel.Requirement.REQUIRED,
            AuthenticationExecutionModel.Requirement.DISABLED,
    };
    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES;

    static {
        ProviderConfigProperty message = new ProviderConfigProperty();
        message.setName(PscLinkByRppsAuthenticator.NOT_REGISTERED_MESSAGE);
        message.setLabel("Message when no account holds the RPPS");
        message.setType(ProviderConfigProperty.STRING_TYPE);
        message.setHelpText("Shown on the error page when no account of the realm has the RPPS of the PSC "
                + "national id (e.g. who to contact). Other refusals have fixed French/English texts.");
        CONFIG_PROPERTIES = List.of(message);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "PSC: link existing account by RPPS";
    }

    @Override
    public String getHelpText() {
        return "First broker login: attach the PSC identity to the one account whose rpps attribute equals the "
                + "RPPS of its 8-type national id, never by e-mail or name. Refuses (error page, nothing linked) "
                + "when the id is not an RPPS, or when no account, several accounts, a disabled account, a staff-list "
                + "account whose link was removed, or an account already linked to this identity provider match.";
    }

    @Override
    public String getReferenceCategory() {
        return null;
    }

    @Override
    public boolean isConfigurable() {
        return true;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return REQUIREMENTS.clone();
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }

    @Override
    public Authenticator create(KeycloakSession session) {
        return SINGLETON;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }
}
