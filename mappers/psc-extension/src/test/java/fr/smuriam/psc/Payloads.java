package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.representations.IDToken;
import org.keycloak.util.JsonSerialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The PSC payloads under src/test/resources/psc/: each file holds the ID token's claims and the
 * userinfo JSON of one login, as the OIDC broker receives them. They are generated from the mock
 * PSC's claims builder by {@code python -m mockpsc.contract --write} (mockpsc/contract.py, drifts
 * included): change the builder or the contract, never the files.
 */
final class Payloads {

    private Payloads() {
    }

    static JsonNode load(String name) {
        String path = "/psc/" + name + ".json";
        try (InputStream in = Payloads.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test payload " + path);
            }
            return JsonSerialization.mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PscProfile profile(String name) {
        JsonNode payload = load(name);
        return PscProfileReader.read(payload.get("userinfo"), payload.get("id_token_claims"));
    }

    /** {@link #context(String)} within an authentication session (where session notes go). */
    static BrokeredIdentityContext context(String name, FakeKeycloak.AuthSession auth) {
        BrokeredIdentityContext context = context(name);
        context.setAuthenticationSession(auth.model);
        return context;
    }

    /**
     * The payload {@code name} with one userinfo claim replaced ({@code value} null: removed), for
     * the variations of a claim without a file each.
     */
    static JsonNode withUserinfoClaim(String name, String claim, JsonNode value) {
        JsonNode payload = load(name);
        ObjectNode userinfo = (ObjectNode) payload.get("userinfo");
        if (value == null) {
            userinfo.remove(claim);
        } else {
            userinfo.set(claim, value);
        }
        return payload;
    }

    static PscProfile profile(JsonNode payload) {
        return PscProfileReader.read(payload.get("userinfo"), payload.get("id_token_claims"));
    }

    /** A brokered context holding what OIDCIdentityProvider stores: the IDToken and the userinfo node. */
    static BrokeredIdentityContext context(String name) {
        return context(load(name));
    }

    static BrokeredIdentityContext context(JsonNode payload) {
        IdentityProviderModel idp = new IdentityProviderModel();
        idp.setAlias("psc");
        idp.setProviderId("oidc");
        idp.setEnabled(true);
        BrokeredIdentityContext context = new BrokeredIdentityContext(
                payload.path("userinfo").path("SubjectNameID").asText("unknown"), idp);
        try {
            IDToken token = JsonSerialization.mapper.treeToValue(payload.get("id_token_claims"), IDToken.class);
            context.getContextData().put(OIDCIdentityProvider.VALIDATED_ID_TOKEN, token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        context.getContextData().put(OIDCIdentityProvider.USER_INFO, payload.get("userinfo"));
        return context;
    }
}
