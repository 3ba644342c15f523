package fr.smuriam.links;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProvider;
import org.keycloak.services.resources.admin.ext.AdminRealmResourceProviderFactory;

/** Mounts {@link StaffStateResource} at {@code /admin/realms/{realm}/}{@value #ID}. */
public class StaffStateResourceProviderFactory implements AdminRealmResourceProviderFactory {
    public static final String ID = "smur-staff-state";

    private static final AdminRealmResourceProvider PROVIDER = new AdminRealmResourceProvider() {
        @Override
        public Object getResource(KeycloakSession session, org.keycloak.models.RealmModel realm,
                                  org.keycloak.services.resources.admin.fgap.AdminPermissionEvaluator auth,
                                  org.keycloak.services.resources.admin.AdminEventBuilder adminEvent) {
            return new StaffStateResource(session, realm, auth);
        }

        @Override
        public void close() {
        }
    };

    @Override
    public AdminRealmResourceProvider create(KeycloakSession session) {
        return PROVIDER;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return ID;
    }
}
