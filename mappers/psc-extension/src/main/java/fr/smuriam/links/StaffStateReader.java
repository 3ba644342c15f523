package fr.smuriam.links;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import org.keycloak.models.GroupModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.provider.Provider;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * Reads the staff state of a realm with six projection queries on Keycloak's own tables (users,
 * chosen attributes, links to one provider, group memberships, role mappings, credential types)
 * instead of one model lookup per user: the admin REST API costs 1.5 to 27 ms per user at 100,000
 * users, these queries microseconds. Projections return plain values, so nothing is loaded into
 * (or dirty-checked by) the persistence context.
 *
 * <p>Every query is filtered by the realm, so what a call costs depends on the rows of its realm
 * only. Group memberships and role mappings are read from the realm's groups and realm roles
 * (their primary keys start with the group or role id: one short index range each); links,
 * attributes and credentials, whose tables have no indexed realm column, for
 * {@code user.id in (the realm's users)}, which the embedded H2 database runs as lookups in
 * user-id order. Measured on H2 with 5,000 users in the realm and 100,000 in another: 22-36 ms on
 * the server, as with the other realm empty (bench/staff_state_isolation.py); in one run on a
 * loaded machine, 90-110 ms against 3.4-4.9 s for the earlier whole-table reads. The
 * 100,000-user realm itself: 3.0-4.1 s warm (9-14 s with a join on the user's realm, loaded).
 * PostgreSQL's planner turns the same query for 5,000 users into a hash join that reads the whole
 * per-user table, so there a call next to a 100,000-user realm took 1.5x as long (192 against
 * 125 ms); asking for slices of 1,000 users, which it looks up by index, measured worse (2.1x
 * there, and each call 4x slower on H2), and so did a native lateral subquery per user of the realm
 * ({@code offset 0} as a planner fence; chosen only when the realm holds a minority of the users):
 * 1.31x and 1.76x in two runs on a loaded machine, and the big realm's own read took 5.4-11 s
 * (about 3 s with this query). The provider alias and the attribute names are checked
 * here rather than in SQL: a condition on them lets H2 pick their server-wide index instead. The
 * attribute query, the longest, runs on a second thread beside the others.
 */
public final class StaffStateReader {
    // The per-user tables are read for these users: the realm's, service accounts included (the rows
    // of a user not read by the first query are dropped).
    private static final String OF_THE_REALM =
            " where %s.user.id in (select u.id from UserEntity u where u.realmId = :realm)";

    private final KeycloakSession session;
    private final RealmModel realm;
    private final Map<String, Optional<String>> groupPaths = new HashMap<>();
    private final Map<String, Optional<String>> realmRoleNames = new HashMap<>();
    private final Map<String, Long> millis = Collections.synchronizedMap(new LinkedHashMap<>()); // two threads

    public StaffStateReader(KeycloakSession session, RealmModel realm) {
        this.session = session;
        this.realm = realm;
    }

    public Collection<StaffRecord> read(String alias, Set<String> attributeNames) {
        Map<String, StaffRecord> users = new HashMap<>();
        EntityManager em = entityManager(session);
        // Service accounts are clients, not staff: left out, as the admin users listing does.
        timed(em, "users", "select u.id, u.username, u.enabled, u.firstName, u.lastName, u.email from UserEntity u "
                        + "where u.realmId = :realm and u.serviceAccountClientLink is null",
                row -> users.put((String) row[0], new StaffRecord((String) row[0], (String) row[1],
                        (Boolean) row[2], (String) row[3], (String) row[4], (String) row[5])));
        // The attribute query is the longest: it runs on a second thread beside the other ones.
        // The two threads write different fields of the records and never resize the map.
        FutureTask<Void> attributes = new FutureTask<>(() -> {
            readAttributes(em.getEntityManagerFactory(), users, attributeNames);
            return null;
        });
        if (!attributeNames.isEmpty()) {
            Thread.ofPlatform().name("smur-staff-attributes-" + realm.getName()).daemon().start(attributes);
        }
        timed(em, "links", "select f.user.id, f.userId, f.identityProvider from FederatedIdentityEntity f"
                + OF_THE_REALM.formatted("f"), row -> {
                    if (alias.equals(row[2])) {
                        ifRead(users, row, user -> user.link = (String) row[1]);
                    }
                });
        // Memberships and role mappings are found from the realm's groups and realm roles instead: their
        // primary keys start with the group (role) id, so each is one short range of that index.
        timed(em, "groups", "select m.user.id, m.groupId from UserGroupMembershipEntity m where m.groupId in "
                        + "(select g.id from GroupEntity g where g.realm = :realm)",
                row -> ifRead(users, row, user -> groupPath((String) row[1]).ifPresent(user.groups::add)));
        timed(em, "roles", "select r.user.id, r.roleId from UserRoleMappingEntity r where r.roleId in "
                        + "(select k.id from RoleEntity k where k.realmId = :realm and k.clientRole = false)",
                row -> ifRead(users, row, user -> realmRoleName((String) row[1]).ifPresent(user.roles::add)));
        timed(em, "credentials", "select c.user.id, c.type from CredentialEntity c" + OF_THE_REALM.formatted("c"),
                row -> ifRead(users, row, user -> user.credentials.add((String) row[1])));
        if (!attributeNames.isEmpty()) {
            awaitAttributes(attributes);
        }
        return users.values();
    }

    /** Milliseconds spent per query of the last {@link #read}, for the server log. */
    public Map<String, Long> millis() {
        return millis;
    }

    /**
     * The named attributes, on an entity manager of its own: a plain read outside the request's
     * transaction (a second Keycloak session cannot be opened from a worker thread here, Quarkus
     * has no request context outside the request). Values are sorted for stable answers.
     */
    private void readAttributes(EntityManagerFactory factory, Map<String, StaffRecord> users, Set<String> names) {
        try (EntityManager em = factory.createEntityManager()) {
            // Values over 255 characters are kept in the long-value column.
            timed(em, "attributes", "select a.user.id, a.name, a.value, a.longValue from UserAttributeEntity a"
                    + OF_THE_REALM.formatted("a"), row -> {
                        if (names.contains((String) row[1])) {
                            ifRead(users, row, user -> user.attributes
                                    .computeIfAbsent((String) row[1], k -> new ArrayList<>())
                                    .add(row[3] != null ? (String) row[3] : (String) row[2]));
                        }
                    });
        }
        for (StaffRecord user : users.values()) {
            user.attributes.values().forEach(values -> values.sort(null));
        }
    }

    private static void awaitAttributes(FutureTask<Void> attributes) {
        try {
            attributes.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading user attributes", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading user attributes failed", e.getCause());
        }
    }

    /**
     * Keycloak's JPA connection provider, found by name: its artifact (keycloak-model-jpa) cannot be
     * resolved from Maven Central on its own (its parent POM is not published), and the server
     * always ships it.
     */
    static EntityManager entityManager(KeycloakSession session) {
        try {
            Class<? extends Provider> type = Class.forName("org.keycloak.connections.jpa.JpaConnectionProvider")
                    .asSubclass(Provider.class);
            Object provider = session.getProvider(type);
            return (EntityManager) type.getMethod("getEntityManager").invoke(provider);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Keycloak has no JPA store; the staff state cannot be read", e);
        }
    }

    private void timed(EntityManager em, String step, String jpql, Consumer<Object[]> onRow) {
        long start = System.nanoTime();
        em.createQuery(jpql, Object[].class).setParameter("realm", realm.getId()).getResultStream().forEach(onRow);
        millis.put(step, (System.nanoTime() - start) / 1_000_000);
    }

    private static void ifRead(Map<String, StaffRecord> users, Object[] row, Consumer<StaffRecord> action) {
        StaffRecord user = users.get((String) row[0]);
        if (user != null) {
            action.accept(user);
        }
    }

    private Optional<String> groupPath(String groupId) {
        return groupPaths.computeIfAbsent(groupId, id -> {
            GroupModel group = realm.getGroupById(id);
            return group == null ? Optional.empty() : Optional.of(KeycloakModelUtils.buildGroupPath(group));
        });
    }

    /** Direct realm roles only; client roles are not the staff tool's business. */
    private Optional<String> realmRoleName(String roleId) {
        return realmRoleNames.computeIfAbsent(roleId, id -> {
            RoleModel role = realm.getRoleById(id);
            return role == null || role.isClientRole() ? Optional.empty() : Optional.of(role.getName());
        });
    }

    /** Attribute names from repeated and/or comma-separated query parameters. */
    static List<String> parseNames(List<String> requested) {
        List<String> names = new ArrayList<>();
        for (String value : requested == null ? List.<String>of() : requested) {
            for (String name : value.split(",")) {
                if (!name.isBlank()) {
                    names.add(name.trim());
                }
            }
        }
        return names;
    }
}
