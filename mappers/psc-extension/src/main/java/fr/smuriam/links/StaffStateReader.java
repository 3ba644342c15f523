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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

/**
 * Reads the staff state of a realm with projection queries on Keycloak's own tables (users, chosen
 * attributes, links to one provider, group memberships, role mappings, credential types) instead of
 * one model lookup per user: the admin REST API costs 1.5 to 27 ms per user at 100,000 users, these
 * queries microseconds. Projections return plain values, so nothing is loaded into (or dirty-checked
 * by) the persistence context.
 *
 * <p>Every query is filtered by the realm, so what a call costs depends on the rows of its realm
 * only (bench/staff_state_isolation.py: 5,000 users in the realm read, 100,000 in another or none).
 * On the embedded H2 database, JPQL: group memberships and role mappings from the realm's groups and
 * realm roles (their primary keys start with the group or role id: one short index range each),
 * links, attributes and credentials, whose tables have no indexed realm column, for
 * {@code user.id in (the realm's users)}, which H2 runs as lookups in user-id order (22-36 ms on
 * the server, next to the other realm or not; 3.4-4.9 s for the earlier whole-table reads, loaded).
 * PostgreSQL's planner turns that query into a hash join over the whole per-user table (a call next
 * to a 100,000-user realm took 1.5x as long), so there {@link PostgresStaffTables} reads the same
 * tables natively, by the realm's own keys, each read planned as it says and three at once.
 *
 * <p>The provider alias and the attribute names are checked here rather than in SQL: a condition
 * on them lets H2 pick their server-wide index instead.
 */
public final class StaffStateReader {
    // The per-user tables are read for these users: the realm's, service accounts included (the rows
    // of a user not read by the first query are dropped).
    private static final String OF_THE_REALM =
            " where %s.user.id in (select u.id from UserEntity u where u.realmId = :realm)";
    // On PostgreSQL Keycloak's tables may live in a schema of their own (its db-schema option, which
    // Keycloak hands to Hibernate as this setting).
    private static final String DEFAULT_SCHEMA = "hibernate.default_schema";

    static final String BY_USER_IDS = "by user-id array";
    static final String BY_REALM_SUBQUERY = "by realm subquery";

    // Whether Keycloak's database is PostgreSQL: asked once, the server has one database.
    private static volatile Boolean onPostgres;
    private static volatile String schemaPrefix = ""; // "schema." when Keycloak's tables have a schema of their own

    private final KeycloakSession session;
    private final RealmModel realm;
    private final Map<String, Optional<String>> groupPaths = new HashMap<>();
    private final Map<String, Optional<String>> realmRoleNames = new HashMap<>();
    private final Map<String, Long> millis = Collections.synchronizedMap(new LinkedHashMap<>()); // several threads
    private String perUserFilter = BY_REALM_SUBQUERY;

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
        // Each row is a user's: [user id, ...] as each query selects it, plain values.
        Consumer<Object[]> link = row -> {
            if (alias.equals(row[2])) {
                ifRead(users, row, user -> user.link = (String) row[1]);
            }
        };
        Consumer<Object[]> credential = row -> ifRead(users, row, user -> user.credentials.add((String) row[1]));
        Consumer<Object[]> attribute = row -> {
            if (attributeNames.contains((String) row[1])) {
                ifRead(users, row, user -> user.attributes.computeIfAbsent((String) row[1], k -> new ArrayList<>())
                        .add(row[3] != null ? (String) row[3] : (String) row[2]));
            }
        };
        // Group paths and role names come from the request's session, on this thread.
        Consumer<Object[]> group = row -> ifRead(users, row, user -> groupPath((String) row[1]).ifPresent(user.groups::add));
        Consumer<Object[]> role = row -> ifRead(users, row, user -> realmRoleName((String) row[1]).ifPresent(user.roles::add));

        if (!users.isEmpty() && isPostgres(em)) {
            boolean probe = minority(em, users.size());
            perUserFilter = probe ? BY_USER_IDS + ", probed by index" : BY_USER_IDS;
            PostgresStaffTables.Rows rows = new PostgresStaffTables(em.getEntityManagerFactory(), schemaPrefix, millis)
                    .read(realm.getId(), users.keySet().toArray(String[]::new), probe, !attributeNames.isEmpty());
            rows.links().forEach(link);
            rows.credentials().forEach(credential);
            rows.attributes().forEach(attribute);
            rows.groups().forEach(group);
            rows.roles().forEach(role);
        } else {
            // Memberships and role mappings are read on a second thread beside the per-user tables.
            FutureTask<List<Object[]>[]> memberships = beside("memberships",
                    () -> readMemberships(em.getEntityManagerFactory()));
            perUserFilter = BY_REALM_SUBQUERY;
            timed(em, "links", "select f.user.id, f.userId, f.identityProvider from FederatedIdentityEntity f"
                    + OF_THE_REALM.formatted("f"), link);
            timed(em, "credentials", "select c.user.id, c.type from CredentialEntity c" + OF_THE_REALM.formatted("c"),
                    credential);
            if (!attributeNames.isEmpty()) {
                timed(em, "attributes", "select a.user.id, a.name, a.value, a.longValue from UserAttributeEntity a"
                        + OF_THE_REALM.formatted("a"), attribute);
            }
            List<Object[]>[] rows = await(memberships);
            rows[0].forEach(group);
            rows[1].forEach(role);
        }
        for (StaffRecord user : users.values()) {
            user.attributes.values().forEach(values -> values.sort(null)); // stable answers
        }
        return users.values();
    }

    /** How the last {@link #read} narrowed the per-user tables to the realm's users, for the server log. */
    public String perUserFilter() {
        return perUserFilter;
    }

    /** Milliseconds spent per query of the last {@link #read}, for the server log. */
    public Map<String, Long> millis() {
        return millis;
    }

    /**
     * Group memberships and realm-role mappings of the realm's users, on an entity manager of its own:
     * a plain read outside the request's transaction (a second Keycloak session cannot be opened from a
     * worker thread here, Quarkus has no request context outside the request). Both are found from the
     * realm's groups and realm roles: their primary keys start with the group (role) id, so each is one
     * short range of that index.
     */
    @SuppressWarnings("unchecked")
    private List<Object[]>[] readMemberships(EntityManagerFactory factory) {
        try (EntityManager em = factory.createEntityManager()) {
            List<Object[]> groups = new ArrayList<>();
            List<Object[]> roles = new ArrayList<>();
            timed(em, "groups", "select m.user.id, m.groupId from UserGroupMembershipEntity m where m.groupId in "
                    + "(select g.id from GroupEntity g where g.realm = :realm)", groups::add);
            timed(em, "roles", "select r.user.id, r.roleId from UserRoleMappingEntity r where r.roleId in "
                    + "(select k.id from RoleEntity k where k.realmId = :realm and k.clientRole = false)", roles::add);
            return new List[] {groups, roles};
        }
    }

    /** Starts {@code read} on a thread of its own, beside the request's. */
    static <T> FutureTask<T> beside(String step, Callable<T> read) {
        FutureTask<T> task = new FutureTask<>(read);
        Thread.ofPlatform().name("smur-staff-" + step).daemon().start(task);
        return task;
    }

    /** What a read started by {@link #beside} returned; its failure as this thread's. */
    static <T> T await(FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the staff state", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading the staff state failed", e.getCause());
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

    /**
     * Whether the realm holds a minority of the server's users (PostgreSQL's own row estimate of the
     * users table; unknown before its first analysis, then taken as a minority). A realm that holds
     * most of them is read with a plan made with its ids in hand: whole-table, which is then cheaper
     * than probing each user (PostgresStaffTables).
     */
    private static boolean minority(EntityManager em, int realmUsers) {
        Number estimate = (Number) em.createNativeQuery(
                "select reltuples from pg_class where oid = to_regclass(?1)")
                .setParameter(1, schemaPrefix + "user_entity").getResultStream()
                .findFirst().orElse(-1);
        return estimate.doubleValue() < 0 || realmUsers * 2L < estimate.doubleValue();
    }

    /** Asked of the JDBC driver the first time, through the entity manager's connection (JPA 3.2). */
    static boolean isPostgres(EntityManager em) {
        Boolean known = onPostgres;
        if (known == null) {
            String product = em.callWithConnection(
                    (java.sql.Connection connection) -> connection.getMetaData().getDatabaseProductName());
            known = "PostgreSQL".equalsIgnoreCase(product);
            Object schema = em.getEntityManagerFactory().getProperties().get(DEFAULT_SCHEMA);
            schemaPrefix = schema == null || schema.toString().isBlank() ? "" : schema.toString().strip() + ".";
            onPostgres = known;
        }
        return known;
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
