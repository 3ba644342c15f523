package fr.smuriam.psc;

import org.junit.jupiter.api.Test;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.IdentityProviderSyncMode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mapper as Keycloak drives it, on recorded payloads and in-memory realm/user stand-ins. */
class PscProfileMapperTest {

    private static final String[] SHIPPED_ROLES = {"medecin", "infirmier", "ambulancier", "urgentiste", "interne"};
    private final PscProfileMapper mapper = new PscProfileMapper();

    private static IdentityProviderMapperModel mapperModel(String... config) {
        IdentityProviderMapperModel model = new IdentityProviderMapperModel();
        model.setName("psc-profile");
        model.setIdentityProviderMapper(PscProfileMapper.PROVIDER_ID);
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < config.length; i += 2) {
            map.put(config[i], config[i + 1]);
        }
        model.setConfig(map);
        return model;
    }

    @Test
    void registeredAsAnIdentityProviderMapperForOidc() {
        IdentityProviderMapper found = ServiceLoader.load(IdentityProviderMapper.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(m -> m.getId().equals(PscProfileMapper.PROVIDER_ID))
                .findFirst().orElseThrow();
        assertArrayEquals(new String[]{"oidc"}, found.getCompatibleProviders());
        assertEquals(List.of("role.table", "rpps.luhn.check", "roles.revoke.unmatched"),
                found.getConfigProperties().stream().map(p -> p.getName()).toList());
        for (IdentityProviderSyncMode mode : IdentityProviderSyncMode.values()) {
            assertTrue(found.supportsSyncMode(mode), mode::name);
        }
    }

    @Test
    void newUserGetsAttributesAndRolesFromAllExercices() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User();
        BrokeredIdentityContext context = Payloads.context("two-exercices");
        mapper.importNewUser(null, realm.model, user.model, mapperModel(), context);

        assertEquals(List.of("99700245667"), user.attribute("rpps"));
        assertEquals(List.of("899700245667"), user.attribute("idnat"));
        assertEquals(List.of("RPPS"), user.attribute("idnat_type"));
        assertEquals(List.of("10", "60"), user.attribute("profession_codes"));
        assertEquals(List.of("SM02", "SI07"), user.attribute("specialty_codes"));
        assertEquals(4, user.attribute("structure_ids").size());
        assertEquals(Set.of("medecin", "infirmier"), user.roleNames());
        assertTrue(context.hasMapperGrantedRole("medecin") && context.hasMapperGrantedRole("infirmier"));
    }

    @Test
    void aSecondLoginWithTheSameProfileWritesNothing() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User();
        mapper.importNewUser(null, realm.model, user.model, mapperModel(), Payloads.context("two-exercices"));
        int writes = user.writes;
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), Payloads.context("two-exercices"));
        assertEquals(writes, user.writes);
    }

    @Test
    void rolesMissingFromTheRealmAreSkippedNotFatal() {
        var realm = new FakeKeycloak.Realm("infirmier");
        var user = new FakeKeycloak.User();
        assertDoesNotThrow(() -> mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(),
                Payloads.context("two-exercices")));
        assertEquals(Set.of("infirmier"), user.roleNames());
        assertEquals(List.of("10", "60"), user.attribute("profession_codes"));
    }

    @Test
    void rolesNoLongerJustifiedAreRemovedButOtherRolesAreKept() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var unrelated = FakeKeycloak.role("regulateur");
        var user = new FakeKeycloak.User(realm.roles.get("interne"), realm.roles.get("urgentiste"), unrelated);
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), Payloads.context("two-exercices"));
        assertEquals(Set.of("regulateur", "medecin", "infirmier"), user.roleNames());
    }

    @Test
    void revocationCanBeTurnedOff() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User(realm.roles.get("interne"));
        mapper.updateBrokeredUser(null, realm.model, user.model,
                mapperModel(PscProfileMapper.REVOKE_UNMATCHED_ROLES, "false"), Payloads.context("two-exercices"));
        assertEquals(Set.of("interne", "medecin", "infirmier"), user.roleNames());
    }

    @Test
    void aRoleAnotherMapperGrantedInThisLoginIsNotRemoved() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User(realm.roles.get("urgentiste"));
        BrokeredIdentityContext context = Payloads.context("two-exercices");
        context.addMapperGrantedRole("urgentiste");
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), context);
        assertTrue(user.roleNames().contains("urgentiste"));
    }

    @Test
    void unreadableExercicesLeaveCodesAndRolesAlone() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User(realm.roles.get("infirmier"));
        user.attributes.put("profession_codes", List.of("60"));
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), Payloads.context("drift-no-refpro"));
        assertEquals(Set.of("infirmier"), user.roleNames());
        assertEquals(List.of("60"), user.attribute("profession_codes"));
        assertEquals(List.of("899700366240"), user.attribute("idnat"), "ids are still refreshed");
    }

    @Test
    void aCustomTableFromTheMapperConfig() {
        var realm = new FakeKeycloak.Realm("iade", "medecin");
        var user = new FakeKeycloak.User();
        mapper.importNewUser(null, realm.model, user.model,
                mapperModel(PscProfileMapper.ROLE_TABLE, "specialty:SI07 = iade\nnot a rule"),
                Payloads.context("two-exercices"));
        assertEquals(Set.of("iade"), user.roleNames());
    }

    @Test
    void adeliUserHasNoRpps() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User();
        user.attributes.put("rpps", List.of("99700245667"));
        mapper.importNewUser(null, realm.model, user.model, mapperModel(), Payloads.context("adeli-ambulancier-card"));
        assertEquals(List.of(), user.attribute("rpps"), "a stale rpps is removed");
        assertEquals(List.of("ADELI"), user.attribute("idnat_type"));
        assertEquals(List.of(), user.attribute("structure_ids"));
        assertEquals(Set.of("ambulancier"), user.roleNames());
    }

    @Test
    void driftedPayloadsNeverFailTheLogin() {
        for (String name : List.of("drift-single-objects", "drift-broken-parts", "drift-refpro-as-string",
                "drift-no-refpro", "drift-empty-exercices", "edit-sandbox", "interne-no-activity")) {
            var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
            var user = new FakeKeycloak.User();
            var auth = new FakeKeycloak.AuthSession();
            BrokeredIdentityContext context = Payloads.context(name, auth);
            assertDoesNotThrow(() -> {
                mapper.preprocessFederatedIdentity(null, realm.model, mapperModel(), context);
                mapper.importNewUser(null, realm.model, user.model, mapperModel(), context);
            }, name);
        }
    }

    @Test
    void authModeBecomesAUserSessionNote() {
        var realm = new FakeKeycloak.Realm();
        var auth = new FakeKeycloak.AuthSession();
        BrokeredIdentityContext context = Payloads.context("adeli-ambulancier-card", auth);
        mapper.preprocessFederatedIdentity(null, realm.model, mapperModel(), context);
        assertEquals(Map.of("auth_mode", "CARD"), auth.userSessionNotes);
    }

    @Test
    void authModeIsSetAgainWhenTheAccountIsCreated() {
        // The first-broker-login flow clears the notes set during preprocessing.
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var auth = new FakeKeycloak.AuthSession();
        BrokeredIdentityContext context = Payloads.context("two-exercices", auth);
        mapper.importNewUser(null, realm.model, new FakeKeycloak.User().model, mapperModel(), context);
        assertEquals(Map.of("auth_mode", "MOBILE"), auth.userSessionNotes);
    }

    @Test
    void anRppsFailingLuhnIsRefusedWithAClearMessage() {
        // The refusal itself (event, page, nothing created) runs in Keycloak: tests/mappers.
        var realm = new FakeKeycloak.Realm();
        PageMessage message = PscProfileMapper.invalidRppsMessage(Payloads.profile("luhn-failing-rpps"), realm.model);
        assertEquals(PageMessage.of(PageMessage.RPPS_INVALID, "smurRppsInvalid", "810003111463"), message);
        assertNull(PscProfileMapper.invalidRppsMessage(Payloads.profile("two-exercices"), realm.model));
        assertNull(PscProfileMapper.invalidRppsMessage(Payloads.profile("adeli-ambulancier-card"), realm.model),
                "not an 8-type id: no RPPS to check");
    }

    @Test
    void theLuhnCheckCanBeTurnedOffForTheSandbox() {
        var realm = new FakeKeycloak.Realm(SHIPPED_ROLES);
        var user = new FakeKeycloak.User();
        BrokeredIdentityContext context = Payloads.context("luhn-failing-rpps");
        IdentityProviderMapperModel model = mapperModel(PscProfileMapper.LUHN_CHECK, "false");
        assertDoesNotThrow(() -> mapper.preprocessFederatedIdentity(null, realm.model, model, context));
        mapper.importNewUser(null, realm.model, user.model, model, context);
        assertEquals(List.of("10003111463"), user.attribute("rpps"), "11 digits: kept as PSC sent it");
    }
}
