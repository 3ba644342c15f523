package fr.smuriam.links;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.userprofile.AttributeContext;
import org.keycloak.userprofile.AttributeMetadata;
import org.keycloak.userprofile.Attributes;
import org.keycloak.userprofile.UserProfileContext;
import org.keycloak.userprofile.UserProfileProvider;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the realm's user profile lets an administrator see the attributes a caller asks for.
 *
 * <p>The staff-state endpoint reads attribute rows straight from the database, below the user
 * profile; without this check it would hand a {@code view-users} admin attributes that the admin
 * API itself hides from her. The decision is Keycloak's own: the attribute metadata of the admin
 * context ({@link UserProfileContext#USER_API}), which covers the attribute's
 * {@code permissions} and, for an attribute the profile does not declare, the realm's
 * unmanaged-attribute policy (only {@code ADMIN_VIEW}, {@code ADMIN_EDIT} and {@code ENABLED}
 * show undeclared attributes to admins).
 */
final class AttributeVisibility {
    // Columns of the user, not attributes: every line of the answer carries them anyway.
    static final Set<String> USER_FIELDS = Set.of(UserModel.USERNAME, UserModel.EMAIL, UserModel.FIRST_NAME,
            UserModel.LAST_NAME);

    private AttributeVisibility() {
    }

    /** Why some of {@code names} may not be returned to an administrator, or empty when all may. */
    static Optional<String> refusal(KeycloakSession session, RealmModel realm, Collection<String> names) {
        if (names.isEmpty()) {
            return Optional.empty();
        }
        // A profile of no user, holding one value per asked name: an undeclared name only gets its
        // (unmanaged) metadata when it has a value and the policy lets admins see it.
        Map<String, List<String>> probe = new LinkedHashMap<>();
        names.forEach(name -> probe.put(name, List.of("-")));
        Attributes attributes = session.getProvider(UserProfileProvider.class)
                .create(UserProfileContext.USER_API, probe).getAttributes();
        List<String> reasons = new ArrayList<>();
        for (String name : names) {
            AttributeMetadata metadata = attributes.getMetadata(name);
            if (metadata == null) {
                reasons.add("attribute '" + name + "' is not declared in the user profile and the realm's "
                        + "unmanaged-attribute policy does not show undeclared attributes to administrators");
                continue;
            }
            AttributeContext context = new AttributeContext(UserProfileContext.USER_API, session,
                    Map.entry(name, probe.get(name)), null, metadata, attributes);
            if (!metadata.canView(context) || !metadata.isSelected(context)) {
                reasons.add("the user profile does not let administrators view attribute '" + name
                        + "' (its permissions.view and permissions.edit leave out 'admin')");
            }
        }
        return reasons.isEmpty() ? Optional.empty()
                : Optional.of("realm '" + realm.getName() + "': " + String.join("; ", reasons));
    }
}
