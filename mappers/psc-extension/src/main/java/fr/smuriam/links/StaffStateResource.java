package fr.smuriam.links;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /admin/realms/{realm}/smur-staff-state/users?idp=psc&attribute=idnat&attribute=rpps}: every
 * local user of the realm with the named attributes, its link to {@code idp}, group paths and realm
 * roles and credential types, in one answer, one line per user (format: {@link StaffStateWriter}).
 * Read-only; the caller needs the {@code view-users} right on the realm, and an attribute is only
 * returned when the realm's user profile lets administrators view it (otherwise 403 naming it, see
 * {@link AttributeVisibility}). Errors are JSON, as Keycloak's own.
 */
public class StaffStateResource {
    private static final Logger LOG = Logger.getLogger(StaffStateResource.class);
    static final int MAX_ATTRIBUTE_NAMES = 20;
    static final String LINES = "text/plain;charset=utf-8";
    // The provider type of user federation components (the interface lives in keycloak-model-storage).
    static final String USER_STORAGE_PROVIDER_TYPE = "org.keycloak.storage.UserStorageProvider";

    private final KeycloakSession session;
    private final RealmModel realm;
    private final AdminPermissionEvaluator auth;

    public StaffStateResource(KeycloakSession session, RealmModel realm, AdminPermissionEvaluator auth) {
        this.session = session;
        this.realm = realm;
        this.auth = auth;
    }

    // A sub-path, not the extension's root: a bare /{extension} GET is shadowed by the realm
    // resource's own one-segment methods (405).
    @GET
    @Path("users")
    @Produces({StaffStateResource.LINES, MediaType.APPLICATION_JSON})
    public Response get(@QueryParam("idp") String alias, @QueryParam("attribute") List<String> attribute) {
        auth.users().requireView();
        if (alias == null || alias.isBlank()) {
            return problem(Response.Status.BAD_REQUEST, "query parameter 'idp' (identity provider alias) is required");
        }
        if (session.identityProviders().getByAlias(alias) == null) {
            return problem(Response.Status.NOT_FOUND,
                    "realm '" + realm.getName() + "' has no identity provider '" + alias + "'");
        }
        List<String> names = StaffStateReader.parseNames(attribute);
        if (names.size() > MAX_ATTRIBUTE_NAMES) {
            return problem(Response.Status.BAD_REQUEST, "at most " + MAX_ATTRIBUTE_NAMES + " attribute names");
        }
        for (String name : names) {
            if (AttributeVisibility.USER_FIELDS.contains(name)) {
                return problem(Response.Status.BAD_REQUEST, "'" + name + "' is a field of the user, not an "
                        + "attribute: every line of the answer carries it");
            }
        }
        // Users of an LDAP/Kerberos/custom user store are not all in the local tables: a partial
        // answer would make the staff tool create duplicates, so refuse instead.
        if (realm.getComponentsStream(realm.getId(), USER_STORAGE_PROVIDER_TYPE).findAny().isPresent()) {
            return problem(Response.Status.CONFLICT, "realm '" + realm.getName()
                    + "' has a user federation provider; its users are not all stored locally, "
                    + "read them through the users API instead");
        }
        Optional<String> hidden = AttributeVisibility.refusal(session, realm, names);
        if (hidden.isPresent()) {
            return problem(Response.Status.FORBIDDEN, hidden.get());
        }
        long start = System.nanoTime();
        StaffStateReader reader = new StaffStateReader(session, realm);
        Collection<StaffRecord> users = reader.read(alias, new LinkedHashSet<>(names));
        LOG.infof("staff state of realm %s read for %s: %d users in %d ms %s (per-user tables %s)", realm.getName(),
                auth.adminAuth().getUser().getUsername(), users.size(), (System.nanoTime() - start) / 1_000_000,
                reader.millis(), reader.perUserFilter());
        StreamingOutput body = out -> StaffStateWriter.write(out, realm.getName(), alias, users);
        return Response.ok(body, LINES).build();
    }

    private static Response problem(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("error", status.getReasonPhrase(), "error_description", message)).build();
    }
}
