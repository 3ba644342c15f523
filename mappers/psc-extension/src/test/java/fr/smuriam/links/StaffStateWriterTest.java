package fr.smuriam.links;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaffStateWriterTest {

    @Test
    void writesEveryFieldTheLinksToolReads() throws Exception {
        StaffRecord linked = new StaffRecord("id-1", "899700218896", true, "Camille", "Durand", "c@example.fr");
        linked.attributes.put("idnat", List.of("899700218896"));
        linked.link = "899700218896";
        linked.groups.add("/SMUR 67 Strasbourg");
        linked.roles.add("medecin");
        StaffRecord bare = new StaffRecord("id-2", "hand-made", false, null, null, null);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StaffStateWriter.write(out, "smur-grand-est", "psc", List.of(linked, bare));
        JsonNode doc = new ObjectMapper().readTree(out.toByteArray());

        assertEquals("smur-grand-est", doc.get("realm").asText());
        assertEquals(2, doc.get("count").asInt());
        JsonNode first = doc.get("users").get(0);
        assertEquals("899700218896", first.get("link").asText());
        assertEquals("899700218896", first.get("attributes").get("idnat").get(0).asText());
        assertEquals("/SMUR 67 Strasbourg", first.get("groups").get(0).asText());
        assertEquals("medecin", first.get("realmRoles").get(0).asText());
        JsonNode second = doc.get("users").get(1);
        assertTrue(second.get("link").isNull());
        assertFalse(second.get("enabled").asBoolean());
        assertFalse(second.has("email"), "absent fields are left out, as in Keycloak's representation");
        assertEquals(0, second.get("groups").size());
    }

    @Test
    void attributeNamesMayBeRepeatedOrCommaSeparated() {
        assertEquals(List.of("idnat", "rpps", "provisioned_by"),
                StaffStateReader.parseNames(List.of("idnat,rpps", " provisioned_by ", "")));
        assertEquals(List.of(), StaffStateReader.parseNames(null));
    }
}
