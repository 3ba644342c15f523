package fr.smuriam.psc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads PSC's userinfo (and the ID token's claims) into a {@link PscProfile}.
 *
 * Never throws on content: PSC's shapes drift between samples (otherIds/otherIDs, codeCivilite
 * moving, authMode present or not, empty strings for absent values, one exercice sent as an
 * object instead of a list…), so every unexpected shape becomes a line in
 * {@link PscProfile#problems()} and the rest of the profile is still read.
 */
public final class PscProfileReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String MEDICAL_REGULATION = "Acces_Regulation_Medicale";

    /** Activity fields naming a structure, with the prefix each value gets in structure_ids. */
    private static final Map<String, String> STRUCTURE_FIELDS = orderedMap(
            "numeroFinessSite", "FINESS",
            "numeroFinessetablissementJuridique", "FINESS_EJ",
            "numeroSiretSite", "SIRET",
            "identifiantTechniqueDeLaStructure", "ID_STRUCTURE");

    private final List<String> problems = new ArrayList<>();

    private PscProfileReader() {
    }

    /**
     * @param userinfo     the userinfo JSON Keycloak fetched (may be null: userinfo disabled or failed)
     * @param idTokenClaims the validated ID token's claims as JSON (may be null)
     */
    public static PscProfile read(JsonNode userinfo, JsonNode idTokenClaims) {
        return new PscProfileReader().readProfile(orMissing(userinfo), orMissing(idTokenClaims));
    }

    private PscProfile readProfile(JsonNode userinfo, JsonNode idToken) {
        if (userinfo.isMissingNode()) {
            problems.add("no userinfo from PSC (is userinfo disabled on the identity provider?): "
                    + "professions, specialties and structures are left unchanged");
        } else if (!userinfo.isObject()) {
            problems.add("userinfo is a " + userinfo.getNodeType() + ", not a JSON object");
            userinfo = MissingNode.getInstance();
        }
        NationalId nationalId = readNationalId(userinfo, idToken);
        String authMode = readAuthMode(userinfo, idToken);
        Boolean medicalRegulation = userinfo.isMissingNode() ? null : readMedicalRegulation(userinfo);

        Set<String> professions = new LinkedHashSet<>();
        Set<String> categories = new LinkedHashSet<>();
        Set<String> specialties = new LinkedHashSet<>();
        Set<String> roles = new LinkedHashSet<>();
        Set<String> structures = new LinkedHashSet<>();
        int exercicesRead = 0;
        String[] exerciceNames = null; // {prenomDexercice, nomDexercice} of the first exercice that has both
        if (!userinfo.isMissingNode()) {
            JsonNode refPro = subjectRefPro(userinfo);
            List<JsonNode> exercices = listOf(refPro.path("exercices"), "SubjectRefPro.exercices");
            for (int i = 0; i < exercices.size(); i++) {
                String where = "SubjectRefPro.exercices[" + i + "]";
                JsonNode exercice = exercices.get(i);
                if (!exercice.isObject()) {
                    problems.add(where + " is a " + exercice.getNodeType() + ", not an object: skipped");
                    continue;
                }
                exercicesRead++;
                if (exerciceNames == null) {
                    exerciceNames = exerciceNames(exercice, where);
                }
                addCode(professions, exercice, "codeProfession", where);
                addCode(categories, exercice, "codeCategorieProfessionnelle", where);
                addCode(specialties, exercice, "codeSavoirFaire", where);
                List<JsonNode> activities = exercice.has("activities")
                        ? listOf(exercice.get("activities"), where + ".activities") : List.of();
                for (int j = 0; j < activities.size(); j++) {
                    String activityWhere = where + ".activities[" + j + "]";
                    JsonNode activity = activities.get(j);
                    if (!activity.isObject()) {
                        problems.add(activityWhere + " is a " + activity.getNodeType() + ", not an object: skipped");
                        continue;
                    }
                    addCode(roles, activity, "codeRole", activityWhere);
                    STRUCTURE_FIELDS.forEach((field, prefix) -> {
                        String id = text(activity, field, activityWhere);
                        if (id != null) {
                            structures.add(prefix + ":" + id);
                        }
                    });
                }
            }
        }
        String[] names = exerciceNames != null ? exerciceNames : claimNames(userinfo, idToken);
        return new PscProfile(nationalId, names[0], names[1], authMode, medicalRegulation, professions, categories,
                specialties, roles, structures, exercicesRead > 0, List.copyOf(problems));
    }

    // -- names ---------------------------------------------------------------------------------

    /**
     * The names the professional practises under, from one exercice: both or none, so that a first
     * name never comes from one source and the last name from another.
     */
    private String[] exerciceNames(JsonNode exercice, String where) {
        String first = text(exercice, "prenomDexercice", where);
        String last = text(exercice, "nomDexercice", where);
        if (first != null && last != null) {
            return new String[]{first, last};
        }
        if (first != null || last != null) {
            problems.add(where + " has " + (first != null ? "a prenomDexercice but no nomDexercice"
                    : "a nomDexercice but no prenomDexercice") + ": its names are not used");
        }
        return null;
    }

    /** given_name and family_name (userinfo first, then the ID token); a name PSC did not send is null. */
    private String[] claimNames(JsonNode userinfo, JsonNode idToken) {
        String first = firstText(userinfo, idToken, "given_name");
        String last = firstText(userinfo, idToken, "family_name");
        if (first == null && last == null) {
            problems.add("no names from PSC (no exercice with prenomDexercice and nomDexercice, no given_name "
                    + "nor family_name): the account's names are left as they are");
        }
        return new String[]{first, last};
    }

    // -- national id -------------------------------------------------------------------------

    private NationalId readNationalId(JsonNode userinfo, JsonNode idToken) {
        String subjectNameId = firstText(userinfo, idToken, "SubjectNameID");
        String preferredUsername = firstText(userinfo, idToken, "preferred_username");
        List<JsonNode> otherIds = otherIds(userinfo);
        String value = subjectNameId;
        if (value == null) {
            value = preferredUsername;
            if (value != null) {
                problems.add("no SubjectNameID: national id taken from preferred_username");
            }
        } else if (preferredUsername != null && !preferredUsername.equals(subjectNameId)) {
            problems.add("preferred_username " + preferredUsername + " differs from SubjectNameID "
                    + subjectNameId + ": SubjectNameID kept");
        }
        if (value == null) {
            for (JsonNode other : otherIds) {
                value = text(other, "identifiant", "otherIds[]");
                if (value != null) {
                    problems.add("no SubjectNameID nor preferred_username: national id taken from otherIds");
                    break;
                }
            }
        }
        if (value == null) {
            problems.add("no national id in SubjectNameID, preferred_username or otherIds");
            return null;
        }
        NationalId id = NationalId.classify(value);
        if (NationalId.UNKNOWN.equals(id.type())) {
            // PSC's own label for the id, when the prefix tells nothing (sandbox identities).
            for (JsonNode other : otherIds) {
                String origine = text(other, "origine", "otherIds[]");
                if (value.equals(text(other, "identifiant", "otherIds[]")) && origine != null) {
                    return id.withType(origine.toUpperCase(Locale.ROOT));
                }
            }
            problems.add("national id " + value + " has no known type prefix");
        }
        return id;
    }

    /** otherIds, spelt otherIds or otherIDs (both seen at PSC), as a list of objects. */
    private List<JsonNode> otherIds(JsonNode userinfo) {
        for (Map.Entry<String, JsonNode> field : userinfo.properties()) {
            if (field.getKey().equalsIgnoreCase("otherIds")) {
                List<JsonNode> objects = new ArrayList<>();
                for (JsonNode node : listOf(field.getValue(), field.getKey())) {
                    if (node.isObject()) {
                        objects.add(node);
                    }
                }
                return objects;
            }
        }
        return List.of();
    }

    private String readAuthMode(JsonNode userinfo, JsonNode idToken) {
        String authMode = firstText(idToken, userinfo, "authMode");
        if (authMode == null) {
            problems.add("no authMode in the ID token nor userinfo: no auth_mode session note");
            return null;
        }
        authMode = authMode.toUpperCase(Locale.ROOT);
        if (!authMode.equals("CARD") && !authMode.equals("MOBILE")) {
            problems.add("unexpected authMode '" + authMode + "' (expected CARD or MOBILE): kept as sent");
        }
        return authMode;
    }

    /**
     * Acces_Regulation_Medicale: "VRAI"/"FAUX" at PSC, read in any case, a JSON boolean too. Absent,
     * null or empty means no access; any other value is reported and also means no access (a
     * right is never granted on a value we do not understand).
     */
    private boolean readMedicalRegulation(JsonNode userinfo) {
        JsonNode value = userinfo.path(MEDICAL_REGULATION);
        if (value.isMissingNode() || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual()) {
            String text = value.asText().strip().toUpperCase(Locale.ROOT);
            if (text.equals("VRAI") || text.equals("FAUX") || text.isEmpty()) {
                return text.equals("VRAI");
            }
        }
        problems.add(MEDICAL_REGULATION + " is " + describe(value) + ", expected VRAI or FAUX: taken as FAUX");
        return false;
    }

    /** A value for a problem line: short, quoted when text. */
    private static String describe(JsonNode value) {
        String text = value.isTextual() ? "'" + value.asText() + "'" : value.getNodeType() + " " + value;
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }

    // -- SubjectRefPro ---------------------------------------------------------------------

    private JsonNode subjectRefPro(JsonNode userinfo) {
        JsonNode refPro = userinfo.path("SubjectRefPro");
        if (refPro.isTextual()) {
            // Some relying parties received it JSON-encoded inside a string.
            try {
                refPro = JSON.readTree(refPro.asText());
            } catch (JsonProcessingException e) {
                problems.add("SubjectRefPro is a string that is not JSON");
                return MissingNode.getInstance();
            }
        }
        if (refPro.isMissingNode() || refPro.isNull()) {
            problems.add("no SubjectRefPro in userinfo");
            return MissingNode.getInstance();
        }
        if (!refPro.isObject()) {
            problems.add("SubjectRefPro is a " + refPro.getNodeType() + ", not an object");
            return MissingNode.getInstance();
        }
        if (!refPro.has("exercices")) {
            problems.add("SubjectRefPro has no exercices");
        }
        return refPro;
    }

    /** A list whether PSC sent a list, a single object, or nothing. */
    private List<JsonNode> listOf(JsonNode node, String where) {
        List<JsonNode> items = new ArrayList<>();
        if (node == null || node.isMissingNode() || node.isNull()) {
            return items;
        }
        if (node.isArray()) {
            node.forEach(items::add);
        } else if (node.isObject()) {
            items.add(node);
        } else if (node.isTextual() && node.asText().isBlank()) {
            return items; // "" where a list is absent
        } else {
            problems.add(where + " is a " + node.getNodeType() + ", neither a list nor an object: ignored");
        }
        return items;
    }

    private void addCode(Set<String> codes, JsonNode object, String field, String where) {
        String code = text(object, field, where);
        if (code != null) {
            codes.add(code);
        }
    }

    /** A scalar field as trimmed text; null when absent, null or empty. Numbers are accepted. */
    private String text(JsonNode object, String field, String where) {
        JsonNode value = object.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isTextual() || value.isNumber()) {
            String text = value.asText().trim();
            return text.isEmpty() ? null : text;
        }
        problems.add(where + "." + field + " is a " + value.getNodeType() + ", not a text: ignored");
        return null;
    }

    private String firstText(JsonNode first, JsonNode second, String field) {
        String value = text(first, field, field);
        return value != null ? value : text(second, field, field);
    }

    private static JsonNode orMissing(JsonNode node) {
        return node == null || node.isNull() ? MissingNode.getInstance() : node;
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
