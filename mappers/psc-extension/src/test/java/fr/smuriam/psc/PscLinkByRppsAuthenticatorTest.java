package fr.smuriam.psc;

import org.junit.jupiter.api.Test;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.ExistingUserInfo;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.models.AuthenticationExecutionModel.Requirement;
import org.keycloak.models.IdentityProviderModel;

import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The link-by-rpps first-login step: who it links, and every case where it must refuse. */
class PscLinkByRppsAuthenticatorTest {

    private static final String CAMILLE = "899700218896";
    private static final String CAMILLE_RPPS = "99700218896";
    private static final String SOPHIE_RPPS = "99700245667";

    private final FakeKeycloak.Directory directory = new FakeKeycloak.Directory();

    private RppsAccountMatch decide(String nationalId) {
        return RppsAccountMatch.decide(nationalId,
                rpps -> directory.users.searchForUserByUserAttributeStream(null, "rpps", rpps).toList(),
                user -> directory.users.getFederatedIdentity(null, user, "psc") != null);
    }

    @Test
    void registeredAsAnAuthenticatorWithTheRegionMessageAsItsOnlySetting() {
        AuthenticatorFactory found = ServiceLoader.load(AuthenticatorFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.getId().equals(PscLinkByRppsAuthenticatorFactory.PROVIDER_ID))
                .findFirst().orElseThrow();
        assertTrue(found.create(null) instanceof AbstractIdpAuthenticator, "a first-broker-login step");
        assertEquals(List.of("notRegisteredMessage"), found.getConfigProperties().stream().map(p -> p.getName()).toList());
        assertArrayEquals(new Requirement[]{Requirement.REQUIRED, Requirement.DISABLED}, found.getRequirementChoices());
        assertFalse(found.isUserSetupAllowed());
    }

    @Test
    void theOneAccountWithTheRppsIsLinked() {
        directory.add("other", SOPHIE_RPPS);
        FakeKeycloak.Account camille = directory.add("camille", CAMILLE_RPPS);
        RppsAccountMatch match = decide(CAMILLE);
        assertSame(camille.model, match.user());
        assertNull(match.refusal());
        assertEquals(List.of("rpps=" + CAMILLE_RPPS), directory.searches, "looked up by the rpps attribute only");
    }

    @Test
    void theStepSetsTheAccountAsTheFlowUserSoKeycloakCreatesTheLink() {
        FakeKeycloak.Account camille = directory.add("camille-id", CAMILLE_RPPS);
        FakeKeycloak.FlowContext flow = new FakeKeycloak.FlowContext(directory);

        new PscLinkByRppsAuthenticator().authenticateImpl(flow.model, null, brokered(CAMILLE));

        assertSame(camille.model, flow.user);
        assertTrue(flow.succeeded);
        ExistingUserInfo info = ExistingUserInfo.deserialize(
                flow.authNotes.get(AbstractIdpAuthenticator.EXISTING_USER_INFO));
        assertEquals("camille-id", info.getExistingUserId());
        assertEquals("rpps", info.getDuplicateAttributeName());
        assertEquals(CAMILLE_RPPS, info.getDuplicateAttributeValue());
    }

    @Test
    void noAccountWithTheRppsIsRefusedWithTheRegionText() {
        directory.add("someone", SOPHIE_RPPS);
        RppsAccountMatch match = decide(CAMILLE);
        assertNull(match.user());
        assertEquals(RppsAccountMatch.Refusal.NO_ACCOUNT, match.refusal());
        assertEquals(PageMessage.of(PageMessage.NOT_REGISTERED, "Contactez le SAMU 67"),
                match.refusal().message(CAMILLE, match.rpps(), "Contactez le SAMU 67"));
        assertEquals(PageMessage.of(PageMessage.NOT_REGISTERED, "smurNoAccountWithRpps", CAMILLE_RPPS),
                match.refusal().message(CAMILLE, match.rpps(), null));
    }

    @Test
    void twoAccountsWithTheSameRppsAreRefused() {
        directory.add("first", CAMILLE_RPPS);
        directory.add("second", CAMILLE_RPPS);
        RppsAccountMatch match = decide(CAMILLE);
        assertNull(match.user());
        assertEquals(RppsAccountMatch.Refusal.SEVERAL_ACCOUNTS, match.refusal());
        assertEquals(PageMessage.of(PageMessage.NOT_REGISTERED, "smurSeveralAccountsWithRpps", CAMILLE_RPPS),
                match.refusal().message(CAMILLE, match.rpps(), "region text"));
    }

    @Test
    void aDisabledAccountIsRefused() {
        directory.add("camille", CAMILLE_RPPS).enabled = false;
        assertEquals(RppsAccountMatch.Refusal.ACCOUNT_DISABLED, decide(CAMILLE).refusal());
    }

    @Test
    void aStaffListAccountWhoseLinkWasRemovedIsNeverReLinked() {
        directory.add("leaver", CAMILLE_RPPS).attributes.put("provisioned_by", List.of("smur-iam-links"));
        assertEquals(RppsAccountMatch.Refusal.LEFT_STAFF_LIST, decide(CAMILLE).refusal());
        directory.accounts.clear();
        directory.add("by-hand", CAMILLE_RPPS).attributes.put("provisioned_by", List.of("hr-import"));
        assertNull(decide(CAMILLE).refusal(), "another mark is not the staff list's");
    }

    @Test
    void anAccountAlreadyLinkedToAnotherPscIdentityIsRefused() {
        directory.add("camille", CAMILLE_RPPS).linkedTo = "899700366240";
        assertEquals(RppsAccountMatch.Refusal.ALREADY_LINKED, decide(CAMILLE).refusal());
    }

    @Test
    void onlyAnEightTypeIdWithAValidRppsIsLookedUp() {
        directory.add("camille", CAMILLE_RPPS);
        // ADELI, RPPS cabinet, FINESS, sandbox EDIT, the RPPS digits bare or behind another prefix,
        // a Luhn-failing RPPS, a wrong length, PSC's internal sub: never looked up.
        for (String id : List.of("0670012345", "0" + CAMILLE_RPPS, "6" + CAMILLE_RPPS, "1" + CAMILLE_RPPS,
                "30B0168811/CPET00001", "ANS20231122132732", CAMILLE_RPPS, "810003111463", "89970021889",
                "f:0b3cc1e5-6d2b-4a38-a8fd-3f9a2bd0b8a1:" + CAMILLE, "", " " + CAMILLE)) {
            RppsAccountMatch match = decide(id);
            assertEquals(RppsAccountMatch.Refusal.NOT_AN_RPPS, match.refusal(), id);
            assertNull(match.user(), id);
        }
        assertEquals(List.of(), directory.searches, "no lookup for an id that holds no RPPS");
        assertEquals(List.of("0670012345"), RppsAccountMatch.Refusal.NOT_AN_RPPS.message("0670012345", null, "x").params());
    }

    @Test
    void anAccountTheStoreReturnsWithoutThatExactValueIsNotTrusted() {
        FakeKeycloak.Account near = new FakeKeycloak.Account("near", "99700218897");
        RppsAccountMatch match = RppsAccountMatch.decide(CAMILLE, rpps -> List.of(near.model), user -> false);
        assertEquals(RppsAccountMatch.Refusal.NO_ACCOUNT, match.refusal());
    }

    @Test
    void everyRefusalHasAPageOfTheTheme() {
        for (RppsAccountMatch.Refusal refusal : RppsAccountMatch.Refusal.values()) {
            PageMessage message = refusal.message(CAMILLE, CAMILLE_RPPS, null);
            String page = refusal == RppsAccountMatch.Refusal.ACCOUNT_DISABLED
                    ? PageMessage.ACCOUNT_DISABLED : PageMessage.NOT_REGISTERED;
            assertEquals(page, message.page(), refusal.name());
            assertTrue(ThemeMessagesTest.FRENCH.containsKey(message.key()), message.key());
        }
    }

    private static BrokeredIdentityContext brokered(String nationalId) {
        IdentityProviderModel idp = new IdentityProviderModel();
        idp.setAlias("psc");
        idp.setProviderId("oidc");
        idp.setEnabled(true);
        return new BrokeredIdentityContext(nationalId, idp);
    }
}
