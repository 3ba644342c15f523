package fr.smuriam.psc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which realm roles a PSC profile earns: one rule per line, {@code KIND:CODE = role[, role…]}.
 *
 * <pre>
 * # comments and blank lines are ignored
 * profession:10  = medecin      # TRE_G15 codeProfession
 * role:314       = ambulancier  # TRE_R85 codeRole (RPPS+)
 * specialty:SM59 = urgentiste   # TRE_R38 codeSavoirFaire
 * category:E     = interne      # TRE_R09 codeCategorieProfessionnelle
 * regulation:VRAI = regulation  # Acces_Regulation_Medicale (VRAI or FAUX)
 * </pre>
 *
 * A rule matches when ANY exercice (or activity, for {@code role}) carries the code; a
 * {@code regulation} rule when PSC's flag has that value.
 * Malformed lines are reported in {@link #problems()} and skipped: a typo in the table must
 * not lock every professional out.
 */
public final class RoleTable {

    /** The shipped table (TRE codes verbatim, see shared/reference/rpps-directory-and-codes.md). */
    public static final String DEFAULT_TEXT = String.join("\n",
            "profession:10 = medecin",
            "profession:60 = infirmier",
            "profession:69 = infirmier",
            "profession:36 = ambulancier",
            "role:314 = ambulancier",
            "specialty:SM59 = urgentiste",
            "specialty:DSM220 = urgentiste",
            "category:E = interne",
            "regulation:VRAI = regulation");

    public enum Kind {
        PROFESSION(PscProfile::professionCodes),
        ROLE(PscProfile::roleCodes),
        SPECIALTY(PscProfile::specialtyCodes),
        CATEGORY(PscProfile::categoryCodes),
        REGULATION(RoleTable::regulationCodes);

        private final Function<PscProfile, Set<String>> codes;

        Kind(Function<PscProfile, Set<String>> codes) {
            this.codes = codes;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The regulation flag as the one code a regulation rule can match: VRAI, FAUX, or none when unknown. */
    private static Set<String> regulationCodes(PscProfile profile) {
        if (profile.medicalRegulation() == null) {
            return Set.of();
        }
        return Set.of(profile.medicalRegulation() ? "VRAI" : "FAUX");
    }

    private record Rule(Kind kind, String code, List<String> roles) {
    }

    private static final Pattern LINE = Pattern.compile(
            "^\\s*([A-Za-z]+)\\s*:\\s*([A-Za-z0-9_.-]+)\\s*=\\s*([^#]*?)\\s*(#.*)?$");
    private static final Pattern ROLE_NAME = Pattern.compile("^[A-Za-z0-9_.-]+$");

    private final List<Rule> rules;
    private final List<String> problems;

    private RoleTable(List<Rule> rules, List<String> problems) {
        this.rules = List.copyOf(rules);
        this.problems = List.copyOf(problems);
    }

    /** Parse a table; {@code null} means the shipped default, an empty text means no roles at all. */
    public static RoleTable parse(String text) {
        if (text == null) {
            text = DEFAULT_TEXT;
        }
        List<Rule> rules = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            String where = "role table line " + (i + 1) + " '" + line.strip() + "'";
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                problems.add(where + ": expected KIND:CODE = role[, role] with KIND one of " + kindKeys());
                continue;
            }
            Kind kind = kindOf(m.group(1));
            if (kind == null) {
                problems.add(where + ": unknown kind '" + m.group(1) + "', expected one of " + kindKeys());
                continue;
            }
            String code = m.group(2);
            if (kind == Kind.REGULATION) {
                code = code.toUpperCase(Locale.ROOT);
                if (!code.equals("VRAI") && !code.equals("FAUX")) {
                    problems.add(where + ": a regulation rule takes VRAI or FAUX, not '" + m.group(2) + "'");
                    continue;
                }
            }
            List<String> roles = new ArrayList<>();
            for (String role : m.group(3).split(",")) {
                role = role.strip();
                if (ROLE_NAME.matcher(role).matches()) {
                    roles.add(role);
                } else if (!role.isEmpty()) {
                    problems.add(where + ": '" + role + "' is not a role name (letters, digits, _ . -)");
                }
            }
            if (roles.isEmpty()) {
                problems.add(where + ": no role after '='");
                continue;
            }
            rules.add(new Rule(kind, code, roles));
        }
        return new RoleTable(rules, problems);
    }

    /** Roles earned by the profile, in table order, without duplicates. */
    public Set<String> rolesFor(PscProfile profile) {
        Set<String> roles = new LinkedHashSet<>();
        for (Rule rule : rules) {
            if (rule.kind().codes.apply(profile).contains(rule.code())) {
                roles.addAll(rule.roles());
            }
        }
        return roles;
    }

    /** Every role the table can grant: the roles this mapper owns. */
    public Set<String> allRoles() {
        Set<String> roles = new LinkedHashSet<>();
        rules.forEach(rule -> roles.addAll(rule.roles()));
        return roles;
    }

    /** Rule count per kind, for tests and logs. */
    public Map<Kind, Integer> ruleCounts() {
        Map<Kind, Integer> counts = new LinkedHashMap<>();
        rules.forEach(rule -> counts.merge(rule.kind(), 1, Integer::sum));
        return counts;
    }

    public List<String> problems() {
        return problems;
    }

    private static Kind kindOf(String key) {
        for (Kind kind : Kind.values()) {
            if (kind.key().equalsIgnoreCase(key)) {
                return kind;
            }
        }
        return null;
    }

    private static String kindKeys() {
        List<String> keys = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            keys.add(kind.key());
        }
        return String.join(", ", keys);
    }
}
