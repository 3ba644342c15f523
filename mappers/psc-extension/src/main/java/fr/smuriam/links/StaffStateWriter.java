package fr.smuriam.links;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes the staff state as lines, user by user, so that 100,000 users never exist as one big
 * string in Keycloak's heap.
 *
 * <p>The first line is a JSON object naming the format, realm, provider and count. Then one line per
 * user, eight tab-separated JSON values:
 * <pre>username  id  [enabled, {attributes}, link]  email  [group paths]  [realm roles]
 *     [credential types]  [firstName, lastName]</pre>
 * JSON escapes tabs and newlines inside strings, so the separators are unambiguous. Lists are
 * sorted and attributes ordered by name: the same user always gives the same line, which lets the
 * staff tool recognise a user that already matches its file by comparing text, without parsing
 * the 99% of a re-sync that did not change. The names come last because the staff tool leaves
 * them out of that comparison: once an account exists, PSC owns its names (the PSC mapper
 * rewrites them at every login), a staff list only seeds them.
 */
public final class StaffStateWriter {
    public static final String FORMAT = "smur-staff-state/lines-2";
    static final List<String> FIELDS = List.of("username", "id", "[enabled,attributes,link]", "email", "groups",
            "realmRoles", "credentialTypes", "[firstName,lastName]");
    private static final JsonFactory JSON = new JsonFactory();

    private StaffStateWriter() {
    }

    public static void write(OutputStream out, String realm, String alias, Collection<StaffRecord> users)
            throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.setRootValueSeparator(null); // our own tabs and newlines instead of Jackson's spaces
            json.writeStartObject();
            json.writeStringField("format", FORMAT);
            json.writeStringField("realm", realm);
            json.writeStringField("identityProvider", alias);
            json.writeNumberField("count", users.size());
            strings(json, "fields", FIELDS);
            json.writeEndObject();
            json.writeRaw('\n');
            for (StaffRecord user : users) {
                writeUser(json, user);
            }
        }
    }

    private static void writeUser(JsonGenerator json, StaffRecord user) throws IOException {
        json.writeString(user.username);
        json.writeRaw('\t');
        json.writeString(user.id);
        json.writeRaw('\t');
        json.writeStartArray();
        json.writeBoolean(user.enabled);
        json.writeStartObject();
        for (Map.Entry<String, List<String>> attribute : user.attributes.entrySet()) {
            strings(json, attribute.getKey(), attribute.getValue());
        }
        json.writeEndObject();
        json.writeString(user.link); // null is written as null
        json.writeEndArray();
        json.writeRaw('\t');
        json.writeString(user.email);
        json.writeRaw('\t');
        strings(json, user.groups);
        json.writeRaw('\t');
        strings(json, user.roles);
        json.writeRaw('\t');
        strings(json, user.credentials);
        json.writeRaw('\t');
        json.writeStartArray();
        json.writeString(user.firstName);
        json.writeString(user.lastName);
        json.writeEndArray();
        json.writeRaw('\n');
    }

    private static void strings(JsonGenerator json, String name, Collection<String> values) throws IOException {
        json.writeFieldName(name);
        strings(json, values);
    }

    private static void strings(JsonGenerator json, Collection<String> values) throws IOException {
        json.writeStartArray();
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }
}
