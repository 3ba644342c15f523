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
 * (about 3 s with this query).
 *
 * <p>So on PostgreSQL the per-user tables are read natively for the ids the first query found, as
 * one array parameter ({@code user_id = any(?)}): planned with the ids in hand, and for a realm that
 * holds a minority of the server's users with sequential scans off for the rest of the read, in the
 * request's transaction ({@code set_config(..., true)}, as SET LOCAL; the previous value is put
 * back after), so that each id is looked up in the table's user-id index. The array alone is not
 * enough: the planner still scans the whole table and filters it with the hashed array (measured
 * on 5,000 of 105,000 users: attributes 93-117 ms that way, 157 ms by hash join, 27-32 ms looked
 * up, under a load average of 7). A realm that holds most of the users keeps the planner's
 * whole-table read (its 100,000 users: 4.2-5.1 s on the server, loaded). Measured with
 * {@code bench/staff_state_isolation.py --database postgres} (5,000 users in the realm, 100,000 in
 * another) on a shared machine: 1.07x (142 against 133 ms, load average 8-10), 1.51x (234
 * against 155 ms, load average 10-22) and 1.15x (315 against 274 ms, load average 0.2 rising to 7
 * during the calls); on a quiet machine, 1.22x (170 against 139 ms). Still growing with the other realm there: memberships and
 * role mappings, read by the realm subquery as hash joins over the whole table (168 and 260 ms
 * cold in psql next to the 100,000-user realm; 5 against 20-31 ms on the server in the bench).
 * Read natively for the realm's group and realm-role ids with sequential scans off, psql answers
 * them in 3-6 ms; in one bench run of that variant the role-mapping read still took 52-481 ms on
 * the server (unexplained) and the call 1.69x, so it is not adopted. Nor is the same read moved into
 * the request's transaction after the per-user tables, where sequential scans are off (so looked up
 * for certain, but no longer beside them): on a quiet machine the call measured 1.65x (215 against
 * 130 ms), the memberships 16-25 ms and role mappings 13-38 ms on the server instead of 4-6 ms next
 * to an empty realm, and the per-user tables 2-3x their time there, the price of an index lookup per
 * user against one sequential read of a table that holds the realm alone.
 *
 * <p>The provider alias and the attribute names are checked here rather than in SQL: a condition
 * on them lets H2 pick their server-wide index instead. Group memberships and role mappings are
 * read on a second thread beside the per-user tables, whose PostgreSQL setting lives in the
 * request's transaction.
 */
public final class StaffStateReader {
    // The per-user tables are read for these users: the realm's, service accounts included (the rows
    // of a user not read by the first query are dropped).
    private static final String OF_THE_REALM =
            " where %s.user.id in (select u.id from UserEntity u where u.realmId = :realm)";
    // On PostgreSQL the same tables are read for the ids the first query found, given as one array
    // (Keycloak's Liquibase names, lower case there; in Keycloak's schema, %s: its db-schema option,
    // which Keycloak hands to Hibernate as this setting).
    private static final String OF_THESE_USERS = " where user_id = any(?1)";
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
    private final Map<String, Long> millis = Collections.synchronizedMap(new LinkedHashMap<>()); // two threads
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
        // Memberships and role mappings are read on a second thread beside the per-user tables (plain
        // rows: group paths and role names come from the request's session, on this thread).
        FutureTask<List<Object[]>[]> memberships = new FutureTask<>(() -> readMemberships(em.getEntityManagerFactory()));
        Thread.ofPlatform().name("smur-staff-memberships-" + realm.getName()).daemon().start(memberships);
        boolean byIds = !users.isEmpty() && isPostgres(em);
        // PostgreSQL's planner reads a whole per-user table even for a few thousand ids of a realm that
        // holds a minority of the users; told not to, it looks each one up in the table's user-id index.
        boolean lookUp = byIds && minority(em, users.size());
        perUserFilter = lookUp ? BY_USER_IDS + ", looked up by index" : byIds ? BY_USER_IDS : BY_REALM_SUBQUERY;
        String seqScan = lookUp ? setLocal(em, "enable_seqscan", "off") : null;
        try {
            perUser(em, byIds, "links", "select f.user.id, f.userId, f.identityProvider from FederatedIdentityEntity f"
                            + OF_THE_REALM.formatted("f"),
                    "select user_id, federated_user_id, identity_provider from %sfederated_identity" + OF_THESE_USERS,
                    users, row -> {
                        if (alias.equals(row[2])) {
                            ifRead(users, row, user -> user.link = (String) row[1]);
                        }
                    });
            perUser(em, byIds, "credentials",
                    "select c.user.id, c.type from CredentialEntity c" + OF_THE_REALM.formatted("c"),
                    "select user_id, type from %scredential" + OF_THESE_USERS,
                    users, row -> ifRead(users, row, user -> user.credentials.add((String) row[1])));
            if (!attributeNames.isEmpty()) {
                // Values over 255 characters are kept in the long-value column.
                perUser(em, byIds, "attributes",
                        "select a.user.id, a.name, a.value, a.longValue from UserAttributeEntity a"
                                + OF_THE_REALM.formatted("a"),
                        "select user_id, name, value, long_value from %suser_attribute" + OF_THESE_USERS,
                        users, row -> {
                            if (attributeNames.contains((String) row[1])) {
                                ifRead(users, row, user -> user.attributes
                                        .computeIfAbsent((String) row[1], k -> new ArrayList<>())
                                        .add(row[3] != null ? (String) row[3] : (String) row[2]));
                            }
                        });
                for (StaffRecord user : users.values()) {
                    user.attributes.values().forEach(values -> values.sort(null)); // stable answers
                }
            }
        } finally {
            if (seqScan != null) {
                setLocal(em, "enable_seqscan", seqScan);
            }
        }
        List<Object[]>[] rows = await(memberships);
        rows[0].forEach(row -> ifRead(users, row, user -> groupPath((String) row[1]).ifPresent(user.groups::add)));
        rows[1].forEach(row -> ifRead(users, row, user -> realmRoleName((String) row[1]).ifPresent(user.roles::add)));
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

    private static <T> T await(FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading group memberships and role mappings", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading group memberships and role mappings failed", e.getCause());
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
     * A per-user table: by {@code sql} for the ids of {@code users} (one array parameter) when
     * {@code byIds}, else by the {@code jpql} filtered by the realm.
     */
    private void perUser(EntityManager em, boolean byIds, String step, String jpql, String sql,
                         Map<String, StaffRecord> users, Consumer<Object[]> onRow) {
        if (!byIds) {
            timed(em, step, jpql, onRow);
            return;
        }
        long start = System.nanoTime();
        String[] ids = users.keySet().toArray(String[]::new);
        // Native rows of several columns come back as Object[].
        em.createNativeQuery(sql.formatted(schemaPrefix)).setParameter(1, ids).getResultStream().forEach(row -> onRow.accept((Object[]) row));
        millis.put(step, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Whether the realm holds a minority of the server's users (PostgreSQL's own row estimate of the
     * users table; unknown before its first analysis, then taken as a minority). A realm that holds
     * most of them is read whole-table, as the planner chooses, which is then cheaper than looking
     * each user up.
     */
    private static boolean minority(EntityManager em, int realmUsers) {
        Number estimate = (Number) em.createNativeQuery(
                "select reltuples from pg_class where oid = to_regclass(?1)")
                .setParameter(1, schemaPrefix + "user_entity").getResultStream()
                .findFirst().orElse(-1);
        return estimate.doubleValue() < 0 || realmUsers * 2L < estimate.doubleValue();
    }

    /**
     * Sets a planner setting for the rest of the request's transaction only; returns its value before.
     */
    private static String setLocal(EntityManager em, String setting, String value) {
        String before = (String) em.createNativeQuery("select current_setting(?1)").setParameter(1, setting)
                .getSingleResult();
        em.createNativeQuery("select set_config(?1, ?2, true)").setParameter(1, setting).setParameter(2, value)
                .getSingleResult();
        return before;
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
