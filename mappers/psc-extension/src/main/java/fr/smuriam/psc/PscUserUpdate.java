package fr.smuriam.psc;

import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a {@link PscProfile} onto a Keycloak user: the names, the attributes this mapper owns
 * and the realm roles of the {@link RoleTable}.
 *
 * <p>Names: PSC owns them. They are rewritten at every login from the exercice names (else
 * given_name/family_name), whatever the account holds, so a name changed by hand (by an admin, or
 * by the user where the profile allowed it) lasts until the next PSC login only, and what a staff
 * list or a region file stated only seeded the account. A name PSC did not send is left as it is.
 *
 * Safety rules: nothing multi-valued, no role and not medical_regulation (so the regulation role
 * and its attribute agree) is touched when no exercice could be read (a PSC hiccup must not strip
 * a professional's rights); a role missing from the realm is reported, never fatal; attributes are
 * only written when their value changes.
 */
public final class PscUserUpdate {

    public static final String RPPS = "rpps";
    public static final String IDNAT = "idnat";
    public static final String IDNAT_TYPE = "idnat_type";
    public static final String PROFESSION_CODES = "profession_codes";
    public static final String SPECIALTY_CODES = "specialty_codes";
    public static final String STRUCTURE_IDS = "structure_ids";
    /** "true" or "false": PSC's Acces_Regulation_Medicale, rewritten at every login. */
    public static final String MEDICAL_REGULATION = "medical_regulation";

    /** What changed, for the log and the tests. */
    public record Outcome(Set<String> granted, Set<String> revoked, Set<String> missingRoles,
                          List<String> attributesWritten) {
    }

    private PscUserUpdate() {
    }

    public static Outcome apply(PscProfile profile, RoleTable table, boolean revokeUnmatchedRoles,
                                RealmModel realm, UserModel user, BrokeredIdentityContext context) {
        List<String> written = new ArrayList<>();
        if (profile.firstName() != null && !profile.firstName().equals(user.getFirstName())) {
            user.setFirstName(profile.firstName());
            written.add(UserModel.FIRST_NAME);
        }
        if (profile.lastName() != null && !profile.lastName().equals(user.getLastName())) {
            user.setLastName(profile.lastName());
            written.add(UserModel.LAST_NAME);
        }
        NationalId id = profile.nationalId();
        if (id != null) {
            setSingle(user, IDNAT, id.value(), written);
            setSingle(user, IDNAT_TYPE, id.type(), written);
            setSingle(user, RPPS, rppsDigits(id), written);
        }
        Set<String> granted = new LinkedHashSet<>();
        Set<String> revoked = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        if (!profile.professionalDataRead()) {
            return new Outcome(granted, revoked, missing, written);
        }
        setMulti(user, PROFESSION_CODES, profile.professionCodes(), written);
        setMulti(user, SPECIALTY_CODES, profile.specialtyCodes(), written);
        setMulti(user, STRUCTURE_IDS, profile.structureIds(), written);
        // Under the same guard as the roles, so the attribute and the regulation role never disagree.
        if (profile.medicalRegulation() != null) {
            setSingle(user, MEDICAL_REGULATION, profile.medicalRegulation().toString(), written);
        }

        Set<String> wanted = table.rolesFor(profile);
        for (String name : wanted) {
            RoleModel role = realm.getRole(name);
            if (role == null) {
                missing.add(name);
                continue;
            }
            // Tells the other mappers of this login (e.g. stock role mappers in FORCE mode)
            // that the role is justified, so none of them removes it again.
            context.addMapperGrantedRole(name);
            if (!user.hasDirectRole(role)) {
                user.grantRole(role);
                granted.add(name);
            }
        }
        if (revokeUnmatchedRoles) {
            for (String name : table.allRoles()) {
                if (wanted.contains(name) || context.hasMapperGrantedRole(name)) {
                    continue;
                }
                RoleModel role = realm.getRole(name);
                if (role != null && user.hasDirectRole(role)) {
                    user.deleteRoleMapping(role);
                    revoked.add(name);
                }
            }
        }
        return new Outcome(granted, revoked, missing, written);
    }

    /** The 11 ASCII digits after the {@code 8}; null (attribute removed) for any other id, and for other digits. */
    static String rppsDigits(NationalId id) {
        String rpps = id.rppsPart();
        return rpps != null && rpps.length() == NationalId.RPPS_LENGTH && NationalId.isAsciiDigits(rpps) ? rpps : null;
    }

    private static void setSingle(UserModel user, String name, String value, List<String> written) {
        if (value == null) {
            if (user.getFirstAttribute(name) != null) {
                user.removeAttribute(name);
                written.add(name);
            }
        } else if (!List.of(value).equals(current(user, name))) {
            user.setSingleAttribute(name, value);
            written.add(name);
        }
    }

    private static void setMulti(UserModel user, String name, Collection<String> values, List<String> written) {
        List<String> wanted = List.copyOf(values);
        if (wanted.equals(current(user, name))) {
            return;
        }
        if (wanted.isEmpty()) {
            user.removeAttribute(name);
        } else {
            user.setAttribute(name, wanted);
        }
        written.add(name);
    }

    private static List<String> current(UserModel user, String name) {
        return user.getAttributeStream(name).toList();
    }
}
