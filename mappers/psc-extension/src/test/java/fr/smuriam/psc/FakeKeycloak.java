package fr.smuriam.psc;

import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * In-memory stand-ins for the few Keycloak model methods the mapper calls. Keycloak's model
 * interfaces have dozens of methods; a dynamic proxy implements the ones used here and fails
 * loudly on any other, so a test notices when the mapper starts depending on something new.
 */
final class FakeKeycloak {

    private FakeKeycloak() {
    }

    /** A realm holding the given realm roles. */
    static final class Realm {
        final Map<String, RoleModel> roles = new LinkedHashMap<>();
        final RealmModel model;

        Realm(String... roleNames) {
            for (String name : roleNames) {
                roles.put(name, role(name));
            }
            model = proxy(RealmModel.class, (method, args) -> switch (method.getName()) {
                case "getRole" -> roles.get((String) args[0]);
                case "getName" -> "t-realm";
                default -> unsupported(method);
            });
        }
    }

    /** A user whose attributes, role mappings and write count can be inspected. */
    static final class User {
        final Map<String, List<String>> attributes = new LinkedHashMap<>();
        final Set<RoleModel> roles = new LinkedHashSet<>();
        int writes;
        final UserModel model;

        User(RoleModel... directRoles) {
            roles.addAll(List.of(directRoles));
            model = proxy(UserModel.class, (method, args) -> switch (method.getName()) {
                case "getUsername" -> "899700245667";
                case "setSingleAttribute" -> write(() -> attributes.put((String) args[0], List.of((String) args[1])));
                case "setAttribute" -> write(() -> attributes.put((String) args[0], copy(args[1])));
                case "removeAttribute" -> write(() -> attributes.remove((String) args[0]));
                case "getFirstAttribute" -> attributes.getOrDefault((String) args[0], List.of()).stream()
                        .findFirst().orElse(null);
                case "getAttributeStream" -> attributes.getOrDefault((String) args[0], List.of()).stream();
                case "hasDirectRole", "hasRole" -> roles.contains((RoleModel) args[0]);
                case "grantRole" -> write(() -> roles.add((RoleModel) args[0]));
                case "deleteRoleMapping" -> write(() -> roles.remove((RoleModel) args[0]));
                default -> unsupported(method);
            });
        }

        List<String> attribute(String name) {
            return attributes.getOrDefault(name, List.of());
        }

        Set<String> roleNames() {
            Set<String> names = new LinkedHashSet<>();
            roles.forEach(role -> names.add(role.getName()));
            return names;
        }

        private Object write(Runnable change) {
            writes++;
            change.run();
            return null;
        }

        @SuppressWarnings("unchecked")
        private static List<String> copy(Object value) {
            return new ArrayList<>((List<String>) value);
        }
    }

    /** An authentication session that records the user-session notes set on it. */
    static final class AuthSession {
        final Map<String, String> userSessionNotes = new LinkedHashMap<>();
        final AuthenticationSessionModel model = proxy(AuthenticationSessionModel.class, (method, args) -> {
            if (method.getName().equals("setUserSessionNote")) {
                userSessionNotes.put((String) args[0], (String) args[1]);
                return null;
            }
            return unsupported(method);
        });
    }

    static RoleModel role(String name) {
        return proxy(RoleModel.class, (method, args) -> method.getName().equals("getName") ? name : unsupported(method));
    }

    private interface Handler {
        Object handle(Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, Handler handler) {
        InvocationHandler invocation = (self, method, args) -> switch (method.getName()) {
            case "equals" -> self == args[0];
            case "hashCode" -> System.identityHashCode(self);
            case "toString" -> type.getSimpleName() + "@fake";
            default -> handler.handle(method, args);
        };
        return type.cast(Proxy.newProxyInstance(FakeKeycloak.class.getClassLoader(), new Class<?>[]{type}, invocation));
    }

    private static Object unsupported(Method method) {
        throw new UnsupportedOperationException("the fake does not implement " + method);
    }
}
