package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;
import org.keycloak.models.IdentityProviderMapperModel;

import java.util.HashMap;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PSC's Acces_Regulation_Medicale: how it is read, the regulation rule, the attribute and the role. */
class RegulationFlagTest {

    private static final String CLAIM = "Acces_Regulation_Medicale";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] ROLES = {"medecin", "infirmier", "regulation"};
    private final PscProfileMapper mapper = new PscProfileMapper();

    private static JsonNode payload(JsonNode flag) {
        return Payloads.withUserinfoClaim("two-exercices", CLAIM, flag);
    }

    private static PscProfile profile(JsonNode flag) {
        return Payloads.profile(payload(flag));
    }

    private static IdentityProviderMapperModel mapperModel() {
        IdentityProviderMapperModel model = new IdentityProviderMapperModel();
        model.setName("psc-profile");
        model.setIdentityProviderMapper(PscProfileMapper.PROVIDER_ID);
        model.setConfig(new HashMap<>());
        return model;
    }

    @Test
    void vraiAndFauxInAnyCaseAndJsonBooleans() {
        for (String vrai : List.of("VRAI", "vrai", "Vrai", " VRAI ")) {
            assertEquals(Boolean.TRUE, profile(JSON.textNode(vrai)).medicalRegulation(), vrai);
        }
        for (String faux : List.of("FAUX", "faux", "Faux")) {
            assertEquals(Boolean.FALSE, profile(JSON.textNode(faux)).medicalRegulation(), faux);
        }
        assertEquals(Boolean.TRUE, profile(JSON.booleanNode(true)).medicalRegulation());
        assertEquals(Boolean.FALSE, profile(JSON.booleanNode(false)).medicalRegulation());
        assertEquals(List.of(), profile(JSON.textNode("vrai")).problems());
    }

    @Test
    void absentNullOrEmptyMeansNoAccessWithoutAProblem() {
        for (JsonNode flag : new JsonNode[]{null, JSON.nullNode(), JSON.textNode(""), JSON.textNode("  ")}) {
            PscProfile p = profile(flag);
            assertEquals(Boolean.FALSE, p.medicalRegulation(), String.valueOf(flag));
            assertEquals(List.of(), p.problems(), String.valueOf(flag));
        }
    }

    @Test
    void anythingElseIsReportedAndMeansNoAccess() {
        for (JsonNode flag : new JsonNode[]{JSON.textNode("OUI"), JSON.textNode("TRUE"), JSON.numberNode(1),
                JSON.arrayNode().add("VRAI"), JSON.objectNode().put("value", "VRAI")}) {
            PscProfile p = profile(flag);
            assertEquals(Boolean.FALSE, p.medicalRegulation(), flag.toString());
            assertEquals(1, p.problems().size(), flag.toString());
            assertTrue(p.problems().get(0).startsWith(CLAIM + " is "), p.problems()::toString);
        }
    }

    @Test
    void withoutUserinfoTheFlagIsUnknown() {
        PscProfile p = PscProfileReader.read(null, Payloads.load("two-exercices").get("id_token_claims"));
        assertNull(p.medicalRegulation());
        assertEquals(Set.of(), RoleTable.parse(null).rolesFor(p));
    }

    @Test
    void theShippedTableGrantsRegulationOnVraiOnly() {
        RoleTable table = RoleTable.parse(null);
        assertTrue(table.rolesFor(profile(JSON.textNode("VRAI"))).contains("regulation"));
        assertFalse(table.rolesFor(profile(JSON.textNode("FAUX"))).contains("regulation"));
        assertFalse(table.rolesFor(profile(JSON.textNode("OUI"))).contains("regulation"));
    }

    @Test
    void aRegulationRuleTakesVraiOrFauxInAnyCase() {
        RoleTable table = RoleTable.parse("regulation:vrai = regulateur\nregulation:FAUX = sans-regulation\n"
                + "regulation:OUI = x");
        assertEquals(1, table.problems().size(), table.problems()::toString);
        assertTrue(table.problems().get(0).contains("a regulation rule takes VRAI or FAUX, not 'OUI'"));
        assertEquals(Set.of("regulateur"), table.rolesFor(profile(JSON.textNode("VRAI"))));
        assertEquals(Set.of("sans-regulation"), table.rolesFor(profile(JSON.textNode("FAUX"))));
    }

    @Test
    void aRegulatorGetsTheRoleAndAttributeThenLosesThemWhenPscSaysFaux() {
        var realm = new FakeKeycloak.Realm(ROLES);
        var user = new FakeKeycloak.User();
        mapper.importNewUser(null, realm.model, user.model, mapperModel(),
                Payloads.context(payload(JSON.textNode("VRAI"))));
        assertEquals(List.of("true"), user.attribute("medical_regulation"));
        assertEquals(Set.of("medecin", "infirmier", "regulation"), user.roleNames());

        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(),
                Payloads.context(payload(JSON.textNode("FAUX"))));
        assertEquals(List.of("false"), user.attribute("medical_regulation"));
        assertEquals(Set.of("medecin", "infirmier"), user.roleNames());
    }

    @Test
    void aFlagPscLeftOutRevokesTheRoleToo() {
        var realm = new FakeKeycloak.Realm(ROLES);
        var user = new FakeKeycloak.User(realm.roles.get("regulation"));
        user.attributes.put("medical_regulation", List.of("true"));
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), Payloads.context(payload(null)));
        assertEquals(List.of("false"), user.attribute("medical_regulation"));
        assertFalse(user.roleNames().contains("regulation"));
    }

    @Test
    void whenPscDataCannotBeReadTheRoleAndAttributeStay() {
        // No exercice readable: a PSC hiccup, not a decision; neither the role nor the flag changes.
        var realm = new FakeKeycloak.Realm(ROLES);
        var user = new FakeKeycloak.User(realm.roles.get("regulation"));
        user.attributes.put("medical_regulation", List.of("true"));
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(), Payloads.context("drift-no-refpro"));
        assertEquals(List.of("true"), user.attribute("medical_regulation"));
        assertEquals(Set.of("regulation"), user.roleNames());
    }

    @Test
    void theSameFlagAgainWritesNothing() {
        var realm = new FakeKeycloak.Realm(ROLES);
        var user = new FakeKeycloak.User();
        mapper.importNewUser(null, realm.model, user.model, mapperModel(),
                Payloads.context(payload(JSON.textNode("VRAI"))));
        int writes = user.writes;
        mapper.updateBrokeredUser(null, realm.model, user.model, mapperModel(),
                Payloads.context(payload(JSON.textNode("vrai"))));
        assertEquals(writes, user.writes);
    }
}
