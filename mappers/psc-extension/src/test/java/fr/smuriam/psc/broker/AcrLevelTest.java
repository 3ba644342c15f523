package fr.smuriam.psc.broker;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static fr.smuriam.psc.broker.AcrLevel.Refusal.ACR_INSUFFICIENT;
import static fr.smuriam.psc.broker.AcrLevel.Refusal.ACR_MISSING;
import static fr.smuriam.psc.broker.AcrLevel.Refusal.ACR_NOT_A_STRING;
import static fr.smuriam.psc.broker.AcrLevel.Refusal.ACR_UNKNOWN;
import static fr.smuriam.psc.broker.AcrLevel.Refusal.MINIMUM_MISCONFIGURED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The acr decision table: accepted at or above the minimum, exactly one of three strings. */
class AcrLevelTest {

    private static AcrLevel.Refusal check(Object acr, String minimum) {
        return AcrLevel.check(true, acr, minimum);
    }

    @Test
    void everyLevelAtOrAboveTheMinimumIsAccepted() {
        assertNull(check("eidas1", "eidas1"));
        assertNull(check("eidas2", "eidas1"), "a CPS card login (eidas2) where eidas1 was asked");
        assertNull(check("eidas3", "eidas1"));
        assertNull(check("eidas2", "eidas2"));
        assertNull(check("eidas3", "eidas2"));
        assertNull(check("eidas3", "eidas3"));
    }

    @Test
    void aLowerLevelIsInsufficient() {
        assertEquals(ACR_INSUFFICIENT, check("eidas1", "eidas2"));
        assertEquals(ACR_INSUFFICIENT, check("eidas1", "eidas3"));
        assertEquals(ACR_INSUFFICIENT, check("eidas2", "eidas3"));
    }

    @Test
    void aMissingOrNullAcrIsRefused() {
        assertEquals(ACR_MISSING, AcrLevel.check(false, null, "eidas1"));
        assertEquals(ACR_MISSING, AcrLevel.check(true, null, "eidas1"), "\"acr\": null");
    }

    @Test
    void anyOtherStringIsUnknown() {
        for (String acr : List.of("", " ", "eidas0", "0", "1", "substantial", "high", "EIDAS1", "Eidas2",
                " eidas1", "eidas1 ", "eidas1 eidas2", "eidas4", "eidas", "eidas1\u0000")) {
            assertEquals(ACR_UNKNOWN, check(acr, "eidas1"), () -> "acr '" + acr + "'");
        }
    }

    @Test
    void aListIsRefusedEvenWhenItHoldsAnAcceptableLevel() {
        // Keycloak's claim filter takes a list when ANY element matches: not here.
        assertEquals(ACR_NOT_A_STRING, check(List.of("eidas0", "eidas2"), "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(List.of("eidas1"), "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(List.of(), "eidas1"));
    }

    @Test
    void numbersBooleansAndObjectsAreRefused() {
        assertEquals(ACR_NOT_A_STRING, check(2, "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(0, "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(1.0, "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(true, "eidas1"));
        assertEquals(ACR_NOT_A_STRING, check(Map.of("level", "eidas2"), "eidas1"));
    }

    @Test
    void aMinimumThatIsNotALevelRefusesEveryLogin() {
        for (String minimum : new String[]{null, "", "eidas0", "EIDAS2", "substantial", "eidas4"}) {
            assertEquals(MINIMUM_MISCONFIGURED, check("eidas3", minimum), () -> "minimum " + minimum);
        }
        assertNull(check("eidas2", " eidas2 "), "blanks around the configured minimum are tolerated");
    }

    @Test
    void levelsAreOrderedAndSpelledAsPscDoes() {
        assertEquals(List.of("eidas1", "eidas2", "eidas3"), AcrLevel.names());
        assertEquals(AcrLevel.EIDAS2, AcrLevel.parse("eidas2"));
        assertNull(AcrLevel.parse("eidas2 "));
    }
}
