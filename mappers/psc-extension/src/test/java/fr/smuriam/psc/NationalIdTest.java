package fr.smuriam.psc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NationalIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"99700218896", "99700366240", "99700245667", "10001045367"})
    void sandboxAndDirectoryRppsPassLuhn(String rpps) {
        assertTrue(NationalId.luhnValid(rpps));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10003111463", "99700218897", "99700218869", "", "9970021889a"})
    void typosAndTheSeedsIllustrativeNumberFailLuhn(String rpps) {
        assertFalse(NationalId.luhnValid(rpps));
    }

    @ParameterizedTest
    @CsvSource({
            "899700218896, RPPS",
            "0670012345, ADELI",
            "30B0168811/CPET00001, FINESS",
            "500000001815646/CPAT00045, SIRET",
            "ANS20231122132732, EDIT",
            "x, UNKNOWN",
            "?abc, UNKNOWN",
    })
    void theTypeComesFromThePrefix(String value, String type) {
        assertEquals(type, NationalId.classify(value).type());
    }

    @Test
    void onlyAnEightTypeIdHasAnRpps() {
        NationalId rpps = NationalId.classify("899700218896");
        assertEquals("99700218896", rpps.rppsPart());
        assertEquals("99700218896", rpps.validRpps());
        assertNull(NationalId.classify("0670012345").rppsPart());
        assertNull(NationalId.classify("810003111463").validRpps(), "Luhn failure");
        assertNull(NationalId.classify("89970021889").validRpps(), "10 digits after the 8");
    }
}
