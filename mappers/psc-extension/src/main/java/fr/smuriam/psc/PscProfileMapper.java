package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import fr.smuriam.psc.broker.LoginRefusal;
import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.broker.provider.AbstractIdentityProviderMapper;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.events.Details;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderSyncMode;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.util.JsonSerialization;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Identity-provider mapper for Pro Santé Connect: reads {@code SubjectRefPro.exercices[]} (which
 * stock claim paths cannot reach), writes the professional's names (the exercice's, else
 * given_name/family_name), ids, codes and regulation flag as user attributes, grants realm roles
 * from a table, and puts {@code auth_mode} in the user session.
 *
 * <p>When Keycloak calls it:
 * <ul>
 * <li>{@link #preprocessFederatedIdentity} on every PSC login, before the account is looked up:
 *   refuses an {@code 8}-type national id whose RPPS fails its Luhn check (nothing is created,
 *   the browser gets an error page, the realm an event with reason rpps_invalid) and sets the {@code auth_mode} session note (the only call
 *   an existing user gets when the sync mode is IMPORT);</li>
 * <li>{@link #importNewUser} when the first-broker-login flow creates the account (that flow
 *   clears the notes set during preprocessing, so the note is set again);</li>
 * <li>{@link #updateBrokeredUser} on every later login, but only when the mapper's effective
 *   sync mode is FORCE (or LEGACY): Keycloak skips it in IMPORT mode. The catalogue therefore
 *   sets this mapper to FORCE: it owns the names, its attributes and its table's roles, and
 *   rewrites them from PSC at each login.</li>
 * </ul>
 */
public class PscProfileMapper extends AbstractIdentityProviderMapper {

    public static final String PROVIDER_ID = "psc-profile-idp-mapper";
    public static final String ROLE_TABLE = "role.table";
    public static final String LUHN_CHECK = "rpps.luhn.check";
    public static final String REVOKE_UNMATCHED_ROLES = "roles.revoke.unmatched";
    public static final String AUTH_MODE_NOTE = "auth_mode";
    /** The event's error when the national id's RPPS fails its Luhn check (reason rpps_invalid). */
    public static final String RPPS_ERROR = "psc_rpps_invalid";

    private static final Logger LOG = Logger.getLogger(PscProfileMapper.class);
    private static final String[] COMPATIBLE_PROVIDERS = {OIDCIdentityProviderFactory.PROVIDER_ID};
    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = List.of(
            property(ROLE_TABLE, "Role table", ProviderConfigProperty.TEXT_TYPE, RoleTable.DEFAULT_TEXT,
                    "One rule per line, KIND:CODE = role[, role]. KIND: profession (TRE_G15 codeProfession), "
                            + "role (TRE_R85 codeRole), specialty (TRE_R38 codeSavoirFaire), category "
                            + "(TRE_R09), regulation (Acces_Regulation_Medicale: VRAI or FAUX). A rule matches "
                            + "when any exercice or activity has the code. Roles missing from the realm are "
                            + "logged and skipped."),
            property(LUHN_CHECK, "Refuse RPPS failing Luhn", ProviderConfigProperty.BOOLEAN_TYPE, "true",
                    "Refuse a login whose national id is 8 + an RPPS that is not 11 digits with a valid Luhn "
                            + "check digit. Turn off only against the PSC sandbox, whose test identities may "
                            + "carry invalid numbers."),
            property(REVOKE_UNMATCHED_ROLES, "Remove roles no longer justified", ProviderConfigProperty.BOOLEAN_TYPE,
                    "true",
                    "On each login, remove the table's roles that PSC no longer justifies (never when PSC's "
                            + "exercices could not be read). Turn off if another source also grants them."));

    // Parsed once per distinct table text, so a bad line is logged once, not at every login.
    private static final Map<String, RoleTable> TABLES = new ConcurrentHashMap<>();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String[] getCompatibleProviders() {
        return COMPATIBLE_PROVIDERS.clone();
    }

    @Override
    public String getDisplayCategory() {
        return "Pro Santé Connect";
    }

    @Override
    public String getDisplayType() {
        return "PSC professional profile (SubjectRefPro)";
    }

    @Override
    public String getHelpText() {
        return "Reads every exercice and activity of PSC's SubjectRefPro: writes firstName and lastName (the "
                + "first exercice's names, else given_name/family_name), rpps, idnat, idnat_type, "
                + "profession_codes, specialty_codes, structure_ids, medical_regulation (true/false, from "
                + "Acces_Regulation_Medicale), grants realm roles from the table, and "
                + "sets the auth_mode (CARD/MOBILE) user-session note. Use sync mode FORCE to refresh them "
                + "at every login.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }

    @Override
    public boolean supportsSyncMode(IdentityProviderSyncMode syncMode) {
        return true; // IMPORT: first login only; FORCE and LEGACY: every login
    }

    // -- Keycloak's calls ------------------------------------------------------------------------

    @Override
    public void preprocessFederatedIdentity(KeycloakSession session, RealmModel realm,
                                            IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        PscProfile profile = readProfile(context);
        if (!profile.problems().isEmpty()) {
            LOG.warnf("PSC login %s (realm %s): could not read everything: %s", describe(profile),
                    realm.getName(), String.join("; ", profile.problems()));
        }
        if (isEnabled(mapperModel, LUHN_CHECK)) {
            PageMessage refusal = invalidRppsMessage(profile, realm);
            if (refusal != null) {
                // One event with the reason and our page (LoginRefusal), before the account lookup.
                throw LoginRefusal.of(RPPS_ERROR, "rpps_invalid")
                        .detail(Details.IDENTITY_PROVIDER_USERNAME, profile.nationalId().value())
                        .raise(session, realm, context.getIdpConfig().getAlias(), refusal);
            }
        }
        setAuthModeNote(profile, context);
    }

    @Override
    public void importNewUser(KeycloakSession session, RealmModel realm, UserModel user,
                              IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        updateUser(realm, user, mapperModel, context);
    }

    @Override
    public void updateBrokeredUser(KeycloakSession session, RealmModel realm, UserModel user,
                                   IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        updateUser(realm, user, mapperModel, context);
    }

    @Override
    public void updateBrokeredUserLegacy(KeycloakSession session, RealmModel realm, UserModel user,
                                         IdentityProviderMapperModel mapperModel, BrokeredIdentityContext context) {
        updateUser(realm, user, mapperModel, context);
    }

    // -- the work --------------------------------------------------------------------------------

    private void updateUser(RealmModel realm, UserModel user, IdentityProviderMapperModel mapperModel,
                            BrokeredIdentityContext context) {
        PscProfile profile = readProfile(context);
        // Again here: the first-broker-login flow resets the notes set during preprocessing.
        setAuthModeNote(profile, context);
        RoleTable table = roleTable(mapperModel);
        PscUserUpdate.Outcome outcome = PscUserUpdate.apply(profile, table,
                isEnabled(mapperModel, REVOKE_UNMATCHED_ROLES), realm, user, context);
        if (!outcome.missingRoles().isEmpty()) {
            LOG.warnf("PSC mapper '%s' (realm %s): roles %s earned by user %s do not exist in the realm: skipped",
                    mapperModel.getName(), realm.getName(), outcome.missingRoles(), user.getUsername());
        }
        if (!profile.professionalDataRead()) {
            LOG.warnf("PSC login %s: no exercice could be read, so codes, structures and roles of user %s "
                    + "were left unchanged", describe(profile), user.getUsername());
        }
        LOG.debugf("PSC mapper updated user %s: attributes %s, roles granted %s, revoked %s",
                user.getUsername(), outcome.attributesWritten(), outcome.granted(), outcome.revoked());
    }

    private static void setAuthModeNote(PscProfile profile, BrokeredIdentityContext context) {
        if (profile.authMode() != null) {
            context.setSessionNote(AUTH_MODE_NOTE, profile.authMode());
        }
    }

    /** The profile from the userinfo JSON and the validated ID token the OIDC provider stored. */
    static PscProfile readProfile(BrokeredIdentityContext context) {
        Map<String, Object> data = context.getContextData();
        JsonNode userinfo = data.get(OIDCIdentityProvider.USER_INFO) instanceof JsonNode node ? node : null;
        // The whole token, not getOtherClaims(): IDToken keeps preferred_username etc. in fields.
        JsonNode idToken = data.get(OIDCIdentityProvider.VALIDATED_ID_TOKEN) instanceof JsonWebToken token
                ? JsonSerialization.mapper.valueToTree(token) : null;
        return PscProfileReader.read(userinfo, idToken);
    }

    /** The refusal page's text when the national id is 8 + an RPPS failing its Luhn check, else null. */
    static PageMessage invalidRppsMessage(PscProfile profile, RealmModel realm) {
        NationalId id = profile.nationalId();
        if (id == null || !id.isRppsType() || id.validRpps() != null) {
            return null;
        }
        LOG.warnf("PSC login refused in realm %s: national id %s is 8 + '%s', not an 11-digit RPPS with a "
                + "valid Luhn check digit", realm.getName(), id.value(), id.rppsPart());
        return PageMessage.of(PageMessage.RPPS_INVALID, "smurRppsInvalid", id.value());
    }

    static RoleTable roleTable(IdentityProviderMapperModel mapperModel) {
        String text = mapperModel.getConfig() == null ? null : mapperModel.getConfig().get(ROLE_TABLE);
        return TABLES.computeIfAbsent(text == null ? RoleTable.DEFAULT_TEXT : text, key -> {
            RoleTable table = RoleTable.parse(key);
            table.problems().forEach(problem ->
                    LOG.errorf("PSC mapper '%s': %s (line skipped)", mapperModel.getName(), problem));
            return table;
        });
    }

    private static boolean isEnabled(IdentityProviderMapperModel mapperModel, String key) {
        String value = mapperModel.getConfig() == null ? null : mapperModel.getConfig().get(key);
        return value == null || value.isBlank() || Boolean.parseBoolean(value.strip());
    }

    private static String describe(PscProfile profile) {
        return profile.nationalId() == null ? "(no national id)" : profile.nationalId().value();
    }

    private static ProviderConfigProperty property(String name, String label, String type, String defaultValue,
                                                   String help) {
        ProviderConfigProperty property = new ProviderConfigProperty();
        property.setName(name);
        property.setLabel(label);
        property.setType(type);
        property.setDefaultValue(defaultValue);
        property.setHelpText(help);
        return property;
    }
}
