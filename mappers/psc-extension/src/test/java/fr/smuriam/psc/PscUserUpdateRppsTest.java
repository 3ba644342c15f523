package fr.smuriam.psc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The `rpps` attribute holds ASCII digits only, even when the mapper's Luhn check is turned off (sandbox). */
class PscUserUpdateRppsTest {

    @Test
    void anRppsOfAsciiDigitsIsWritten() {
        assertEquals("99700245667", PscUserUpdate.rppsDigits(NationalId.classify("899700245667")));
    }

    @Test
    void fullwidthDigitsNeverBecomeAnRpps() {
        // "8" + "99700245667" with the first RPPS digit written as U+FF19 FULLWIDTH DIGIT NINE.
        assertNull(PscUserUpdate.rppsDigits(NationalId.classify("8\uFF199700245667")));
    }
}
