package fr.smuriam.psc;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserProvider;
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
 * In-memory stand-ins for the few Keycloak model methods the mapper and the first-login step
 * call. Keycloak's model interfaces have dozens of methods; a dynamic proxy implements the ones
 * used here and fails loudly on any other, so a test notices when the code under test starts
 * depending on something new.
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

    /** A user whose names, attributes, role mappings and write count can be inspected. */
    static final class User {
        final Map<String, List<String>> attributes = new LinkedHashMap<>();
        final Set<RoleModel> roles = new LinkedHashSet<>();
        String firstName;
        String lastName;
        int writes;
        final UserModel model;

        User(RoleModel... directRoles) {
            roles.addAll(List.of(directRoles));
            model = proxy(UserModel.class, (method, args) -> switch (method.getName()) {
                case "getUsername" -> "899700245667";
                case "getFirstName" -> firstName;
                case "getLastName" -> lastName;
                case "setFirstName" -> write(() -> firstName = (String) args[0]);
                case "setLastName" -> write(() -> lastName = (String) args[0]);
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

    /** An account of the realm as the first-login step sees it: id, enabled flag, attributes, link. */
    static final class Account {
        final String id;
        final Map<String, List<String>> attributes = new LinkedHashMap<>();
        boolean enabled = true;
        String linkedTo; // national id of its PSC link, null when unlinked
        final UserModel model;

        Account(String id, String rpps) {
            this.id = id;
            if (rpps != null) {
                attributes.put("rpps", List.of(rpps));
            }
            model = proxy(UserModel.class, (method, args) -> switch (method.getName()) {
                case "getId", "getUsername" -> this.id;
                case "isEnabled" -> enabled;
                case "getAttributeStream" -> attributes.getOrDefault((String) args[0], List.of()).stream();
                default -> unsupported(method);
            });
        }
    }

    /**
     * A realm's users behind Keycloak's UserProvider: the attribute search (exact, like the JPA
     * store) and the link lookup; {@code searches} counts lookups by attribute.
     */
    static final class Directory {
        final List<Account> accounts = new ArrayList<>();
        final List<String> searches = new ArrayList<>();
        final UserProvider users = proxy(UserProvider.class, (method, args) -> switch (method.getName()) {
            case "searchForUserByUserAttributeStream" -> {
                searches.add(args[1] + "=" + args[2]);
                yield accounts.stream()
                        .filter(a -> a.attributes.getOrDefault((String) args[1], List.of()).contains((String) args[2]))
                        .map(a -> a.model);
            }
            case "getFederatedIdentity" -> accounts.stream()
                    .filter(a -> a.model == args[1] && a.linkedTo != null)
                    .findFirst()
                    .map(a -> new FederatedIdentityModel((String) args[2], a.linkedTo, a.linkedTo))
                    .orElse(null);
            default -> unsupported(method);
        });
        final KeycloakSession session = proxy(KeycloakSession.class, (method, args) ->
                method.getName().equals("users") ? users : unsupported(method));

        Account add(String id, String rpps) {
            Account account = new Account(id, rpps);
            accounts.add(account);
            return account;
        }
    }

    /** The flow context of one first-login step: records the user it sets, success and auth notes. */
    static final class FlowContext {
        final Map<String, String> authNotes = new LinkedHashMap<>();
        UserModel user;
        boolean succeeded;
        final AuthenticationSessionModel authSession = proxy(AuthenticationSessionModel.class, (method, args) -> {
            if (method.getName().equals("setAuthNote")) {
                authNotes.put((String) args[0], (String) args[1]);
                return null;
            }
            return unsupported(method);
        });
        final AuthenticationFlowContext model;

        FlowContext(Directory directory) {
            RealmModel realm = proxy(RealmModel.class, (method, args) ->
                    method.getName().equals("getName") ? "t-realm" : unsupported(method));
            model = proxy(AuthenticationFlowContext.class, (method, args) -> switch (method.getName()) {
                case "getSession" -> directory.session;
                case "getRealm" -> realm;
                case "getAuthenticationSession" -> authSession;
                case "setUser" -> {
                    user = (UserModel) args[0];
                    yield null;
                }
                case "success" -> {
                    succeeded = true;
                    yield null;
                }
                default -> unsupported(method);
            });
        }
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
