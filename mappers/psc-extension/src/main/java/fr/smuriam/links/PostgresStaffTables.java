package fr.smuriam.links;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;

/**
 * The per-user tables of one realm's staff on PostgreSQL, production's database: links, credential
 * types, attributes, group memberships and realm-role mappings, as plain rows.
 *
 * <p>None of these tables has an indexed realm column, so each is read for the realm's own keys: the
 * user ids the first query found (one array parameter, {@code user_id = any(?)}), and for memberships
 * and role mappings the realm's group and realm-role ids, the first column of those tables' primary
 * keys. Each key is then one probe of a user-id index or one short range of a primary key, and what a
 * call costs grows with its own realm's rows, not with the other realms'.
 *
 * <p>The planner does not always see it that way, so each read says how it is to be planned, on a
 * connection of its own, for that read only (session settings put back before the connection goes
 * back to Keycloak's pool):
 * <ul>
 * <li>per-user tables of a realm that holds a minority of the server's users: a generic plan
 * ({@code plan_cache_mode = force_generic_plan}), made without looking at the ids, so always the
 * user-id index. Planned with a few thousand ids in hand, PostgreSQL spends milliseconds estimating
 * them, then reads and hashes the whole table (attributes of 5,000 of 105,000 users in psql: 157 ms
 * as a hash join, 20 ms probed); for a realm that holds most of the users, a plan made with the ids
 * in hand ({@code force_custom_plan}), that whole-table read, then the cheaper one (its 100,000
 * users: 0.5 s against 1.3 s probed, in psql);</li>
 * <li>memberships and role mappings: a plan made with the realm's few group (role) ids in hand
 * ({@code force_custom_plan}), so an index-only scan of their ranges next to a big realm (under 1 ms
 * in psql) and a sequential read of a small table. pgjdbc turns a statement run five times on a
 * connection into a prepared one, and PostgreSQL then keeps a generic plan for it if that looks
 * cheaper: for an array it cannot see, a sequential read of the whole table (30-40 ms there).</li>
 * </ul>
 * The three connections read at once: links, attributes, then credentials and the memberships.
 */
final class PostgresStaffTables {
    /** Rows of one read: strings, column by column as each query selects them. */
    record Rows(List<String[]> links, List<String[]> credentials, List<String[]> attributes,
                List<String[]> groups, List<String[]> roles) {
    }

    private static final String GENERIC = "force_generic_plan";
    private static final String CUSTOM = "force_custom_plan";

    private final EntityManagerFactory factory;
    private final String schema; // "schema." when Keycloak's tables have a schema of their own, else ""
    private final Map<String, Long> millis;

    PostgresStaffTables(EntityManagerFactory factory, String schema, Map<String, Long> millis) {
        this.factory = factory;
        this.schema = schema;
        this.millis = millis;
    }

    /**
     * Reads the tables for the realm's {@code userIds}; {@code probe}: whether the realm holds a minority of
     * the server's users (its per-user rows then probed by user id); {@code withAttributes}: whether any
     * attribute was asked for.
     */
    Rows read(String realmId, String[] userIds, boolean probe, boolean withAttributes) {
        String perUserPlan = probe ? GENERIC : CUSTOM;
        FutureTask<List<String[]>> links = StaffStateReader.beside("links", () -> onOwnConnection(perUserPlan, connection ->
                byArray(connection, "links", "select user_id, federated_user_id, identity_provider from %sfederated_identity"
                        + " where user_id = any(?)", userIds, 3)));
        FutureTask<List<String[]>> attributes = !withAttributes ? null
                : StaffStateReader.beside("attributes", () -> onOwnConnection(perUserPlan, connection ->
                // Values over 255 characters are kept in the long-value column.
                byArray(connection, "attributes", "select user_id, name, value, long_value from %suser_attribute"
                        + " where user_id = any(?)", userIds, 4)));
        List<String[]> credentials = onOwnConnection(perUserPlan, connection ->
                byArray(connection, "credentials", "select user_id, type from %scredential where user_id = any(?)",
                        userIds, 2));
        List<String[]>[] memberships = onOwnConnection(CUSTOM, connection -> new List[] {
                byArray(connection, "groups", "select user_id, group_id from %suser_group_membership where group_id = any(?)",
                        ids(connection, "select id from %skeycloak_group where realm_id = ?", realmId), 2),
                byArray(connection, "roles", "select user_id, role_id from %suser_role_mapping where role_id = any(?)",
                        ids(connection, "select id from %skeycloak_role where realm_id = ? and client_role = false",
                                realmId), 2)});
        return new Rows(StaffStateReader.await(links), credentials,
                attributes == null ? List.of() : StaffStateReader.await(attributes),
                memberships[0], memberships[1]);
    }

    private interface JdbcRead<T> {
        T read(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code read} on a connection of Keycloak's pool, outside the request's transaction, with
     * {@code plan} as that connection's plan-cache mode until it returns.
     */
    private <T> T onOwnConnection(String plan, JdbcRead<T> read) {
        try (EntityManager em = factory.createEntityManager()) {
            return em.callWithConnection((Connection connection) -> {
                try (Statement settings = connection.createStatement()) {
                    settings.execute("set plan_cache_mode = " + plan); // one of two constants
                    try {
                        return read.read(connection);
                    } finally {
                        settings.execute("reset plan_cache_mode");
                    }
                }
            });
        }
    }

    private List<String[]> byArray(Connection connection, String step, String sql, String[] keys, int columns)
            throws SQLException {
        long start = System.nanoTime();
        List<String[]> rows;
        try (PreparedStatement query = connection.prepareStatement(sql.formatted(schema))) {
            query.setArray(1, connection.createArrayOf("varchar", keys));
            rows = rows(query, columns);
        }
        millis.put(step, (System.nanoTime() - start) / 1_000_000);
        return rows;
    }

    private String[] ids(Connection connection, String sql, String realmId) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql.formatted(schema))) {
            query.setString(1, realmId);
            return rows(query, 1).stream().map(row -> row[0]).toArray(String[]::new);
        }
    }

    /** The rows {@code query} answers, its first {@code columns} columns as strings. */
    private static List<String[]> rows(PreparedStatement query, int columns) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (ResultSet result = query.executeQuery()) {
            while (result.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = result.getString(i + 1);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
