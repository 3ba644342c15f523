package fr.smuriam.links;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaffStateWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void writesAHeaderThenOneLineOfEightJsonValuesPerUser() throws Exception {
        StaffRecord linked = new StaffRecord("id-1", "899700218896", true, "Camille", "Durand", "c@example.fr");
        linked.attributes.put("rpps", List.of("99700218896"));
        linked.attributes.put("idnat", List.of("899700218896"));
        linked.link = "899700218896";
        linked.groups.add("/SMUR 67 Strasbourg");
        linked.groups.add("/SMUR 67 Haguenau");
        linked.roles.add("medecin");
        linked.credentials.add("password");
        linked.credentials.add("otp");
        StaffRecord bare = new StaffRecord("id-2", "hand-made", false, null, "Tab\tNew\nLine \"quoted\"", null);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StaffStateWriter.write(out, "smur-grand-est", "psc", List.of(linked, bare));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"));
        String[] lines = text.split("\n");
        assertEquals(3, lines.length);

        JsonNode header = MAPPER.readTree(lines[0]);
        assertEquals(StaffStateWriter.FORMAT, header.get("format").asText());
        assertEquals("smur-grand-est", header.get("realm").asText());
        assertEquals(2, header.get("count").asInt());
        assertEquals(8, header.get("fields").size());

        // Exact text: the staff tool compares it with the line it expects for a user in sync.
        // The names come last, out of the part the tool compares (PSC owns them once the account exists).
        assertEquals("\"899700218896\"\t\"id-1\"\t"
                + "[true,{\"idnat\":[\"899700218896\"],\"rpps\":[\"99700218896\"]},\"899700218896\"]"
                + "\t\"c@example.fr\"\t[\"/SMUR 67 Haguenau\",\"/SMUR 67 Strasbourg\"]\t[\"medecin\"]"
                + "\t[\"otp\",\"password\"]\t[\"Camille\",\"Durand\"]", lines[1]);

        String[] fields = lines[2].split("\t");
        assertEquals(8, fields.length, "tabs and newlines inside values are escaped");
        JsonNode core = MAPPER.readTree(fields[2]);
        assertFalse(core.get(0).asBoolean());
        assertEquals(0, core.get(1).size());
        assertTrue(core.get(2).isNull(), "no link");
        assertTrue(MAPPER.readTree(fields[3]).isNull(), "no email");
        assertEquals(0, MAPPER.readTree(fields[4]).size());
        assertEquals("[]", fields[6], "no credential");
        JsonNode names = MAPPER.readTree(fields[7]);
        assertTrue(names.get(0).isNull());
        assertEquals("Tab\tNew\nLine \"quoted\"", names.get(1).asText());
    }

    @Test
    void attributeNamesMayBeRepeatedOrCommaSeparated() {
        assertEquals(List.of("idnat", "rpps", "provisioned_by"),
                StaffStateReader.parseNames(List.of("idnat,rpps", " provisioned_by ", "")));
        assertEquals(List.of(), StaffStateReader.parseNames(null));
    }
}
