package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.keycloak.models.IdentityProviderMapperModel;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which names PSC gives an account, and that the mapper writes them at every login (PSC owns them). */
class PscNamesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A userinfo with the given claims and one exercice per {first, last} pair (null: field left out). */
    private static ObjectNode userinfo(Map<String, String> claims, String[]... exercices) {
        ObjectNode userinfo = JSON.createObjectNode().put("SubjectNameID", "899700245667").put("authMode", "MOBILE");
        claims.forEach(userinfo::put);
        ArrayNode list = userinfo.putObject("SubjectRefPro").putArray("exercices");
        for (String[] names : exercices) {
            ObjectNode exercice = list.addObject().put("codeProfession", "10");
            if (names[0] != null) {
                exercice.put("prenomDexercice", names[0]);
            }
            if (names[1] != null) {
                exercice.put("nomDexercice", names[1]);
            }
        }
        return userinfo;
    }

    private static final Map<String, String> CLAIMS = Map.of("given_name", "SOPHIE", "family_name", "LEROY");

    @Test
    void theExerciceNamesWinOverTheClaims() {
        PscProfile p = PscProfileReader.read(userinfo(CLAIMS, new String[]{"Sophie", "LEROY-MARTIN"}), null);
        assertEquals("Sophie", p.firstName());
        assertEquals("LEROY-MARTIN", p.lastName());
        assertEquals(List.of(), p.problems());
    }

    @Test
    void theFirstExerciceThatHasBothNamesIsUsed() {
        PscProfile p = PscProfileReader.read(userinfo(CLAIMS, new String[]{"", "  "}, new String[]{null, "SEUL"},
                new String[]{"Anne", "DUPRE"}, new String[]{"Autre", "NOM"}), null);
        assertEquals("Anne", p.firstName());
        assertEquals("DUPRE", p.lastName());
        assertEquals(List.of("SubjectRefPro.exercices[1] has a nomDexercice but no prenomDexercice: its names are "
                + "not used"), p.problems(), "never a first name from one source and the last name from another");
    }

    @Test
    void withoutExerciceNamesTheClaimsAreUsedUserinfoFirst() {
        JsonNode idToken = JSON.createObjectNode().put("given_name", "FROM-TOKEN").put("family_name", "TOKEN");
        PscProfile p = PscProfileReader.read(userinfo(Map.of("family_name", "LEROY"), new String[]{null, null}),
                idToken);
        assertEquals("FROM-TOKEN", p.firstName(), "given_name only in the ID token");
        assertEquals("LEROY", p.lastName(), "userinfo before the ID token");
        PscProfile noRefPro = PscProfileReader.read(JSON.createObjectNode().put("given_name", "PAUL")
                .put("family_name", "PETIT"), null);
        assertEquals(List.of("PAUL", "PETIT"), List.of(noRefPro.firstName(), noRefPro.lastName()));
    }

    @Test
    void noNamesAtAllLeavesTheAccountsNamesAsTheyAre() {
        PscProfile p = PscProfileReader.read(userinfo(Map.of(), new String[]{null, null}), null);
        assertNull(p.firstName());
        assertNull(p.lastName());
        assertTrue(p.problems().stream().anyMatch(line -> line.startsWith("no names from PSC")),
                p.problems()::toString);

        var user = new FakeKeycloak.User();
        user.firstName = "Kept";
        user.lastName = "AS-IS";
        PscUserUpdate.apply(p, RoleTable.parse(""), true, new FakeKeycloak.Realm().model, user.model,
                Payloads.context("two-exercices"));
        assertEquals(List.of("Kept", "AS-IS"), List.of(user.firstName, user.lastName));
    }

    @Test
    void namesChangedByHandAreRewrittenAtTheNextLoginAndOnlyWhenTheyDiffer() {
        PscProfileMapper mapper = new PscProfileMapper();
        IdentityProviderMapperModel model = new IdentityProviderMapperModel();
        model.setName("psc-profile");
        model.setConfig(Map.of());
        var realm = new FakeKeycloak.Realm("medecin", "infirmier");
        var user = new FakeKeycloak.User();
        user.firstName = "Sophie";  // seeded by a staff list
        user.lastName = "Leroy";
        mapper.updateBrokeredUser(null, realm.model, user.model, model, Payloads.context("two-exercices"));
        assertEquals(List.of("SOPHIE", "LEROY"), List.of(user.firstName, user.lastName), "PSC's exercice names");

        user.firstName = "Quelqu'un";  // a hand edit (admin console, account API where allowed)
        user.lastName = "D'AUTRE";
        mapper.updateBrokeredUser(null, realm.model, user.model, model, Payloads.context("two-exercices"));
        assertEquals(List.of("SOPHIE", "LEROY"), List.of(user.firstName, user.lastName));

        int writes = user.writes;
        mapper.updateBrokeredUser(null, realm.model, user.model, model, Payloads.context("two-exercices"));
        assertEquals(writes, user.writes, "the same names are not written again");
    }
}
