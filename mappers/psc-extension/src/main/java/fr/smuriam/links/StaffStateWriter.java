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
 * Writes the staff state as one JSON document, user by user, so that 100,000 users never exist
 * as one big string in Keycloak's heap. Field names follow Keycloak's user representation.
 */
public final class StaffStateWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private StaffStateWriter() {
    }

    public static void write(OutputStream out, String realm, String alias, Collection<StaffRecord> users)
            throws IOException {
        try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            json.writeStartObject();
            json.writeStringField("realm", realm);
            json.writeStringField("identityProvider", alias);
            json.writeNumberField("count", users.size());
            json.writeArrayFieldStart("users");
            for (StaffRecord user : users) {
                writeUser(json, user);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    private static void writeUser(JsonGenerator json, StaffRecord user) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", user.id);
        json.writeStringField("username", user.username);
        json.writeBooleanField("enabled", user.enabled);
        optional(json, "firstName", user.firstName);
        optional(json, "lastName", user.lastName);
        optional(json, "email", user.email);
        json.writeObjectFieldStart("attributes");
        for (Map.Entry<String, List<String>> attribute : user.attributes.entrySet()) {
            strings(json, attribute.getKey(), attribute.getValue());
        }
        json.writeEndObject();
        if (user.link == null) {
            json.writeNullField("link");
        } else {
            json.writeStringField("link", user.link);
        }
        strings(json, "groups", user.groups);
        strings(json, "realmRoles", user.roles);
        json.writeEndObject();
    }

    private static void optional(JsonGenerator json, String name, String value) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private static void strings(JsonGenerator json, String name, Collection<String> values) throws IOException {
        json.writeArrayFieldStart(name);
        for (String value : values) {
            json.writeString(value);
        }
        json.writeEndArray();
    }
}
