package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    // -- the test vectors shared with the Python side ----------------------------------------

    /** tests/vectors/national-ids.json, looked up from Maven's working directory (mappers/psc-extension). */
    static Path vectorsFile() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tests").resolve("vectors").resolve("national-ids.json");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @TestFactory
    Stream<DynamicTest> theSharedVectorsGiveTheSameOutcomeAsInPython() throws IOException {
        Path file = vectorsFile();
        Assumptions.assumeTrue(file != null,
                "tests/vectors/national-ids.json not found: the module is built outside the repository");
        JsonNode vectors = new ObjectMapper().readTree(file.toFile()).get("vectors");
        return StreamSupport.stream(vectors.spliterator(), false).map(vector -> DynamicTest.dynamicTest(
                "'" + NationalId.shown(vector.get("value").asText()) + "'", () -> check(vector)));
    }

    private static void check(JsonNode vector) {
        String value = vector.get("value").asText();
        boolean sandbox = vector.path("sandbox").asBoolean(false);
        if (vector.get("valid").asBoolean()) {
            NationalId id = NationalId.parse(value, sandbox);
            assertEquals(vector.get("type").asText(), id.type(), value);
            JsonNode rpps = vector.get("rpps");
            assertEquals(rpps.isNull() ? null : rpps.asText(), id.validRpps(), value);
        } else {
            NationalId.InvalidNationalId refused = assertThrows(NationalId.InvalidNationalId.class,
                    () -> NationalId.parse(value, sandbox), value);
            String fragment = vector.get("error").asText();
            assertTrue(refused.getMessage().contains(fragment),
                    "'" + fragment + "' not in '" + refused.getMessage() + "'");
        }
    }

    @Test
    void characterIsDigitWouldAcceptAFullwidthDigitButParseDoesNot() {
        assertTrue(Character.isDigit('\uFF19'));
        assertFalse(NationalId.isAsciiDigits("\uFF199700218896"));
        assertFalse(NationalId.luhnValid("9\uFF19700218896"));
    }
}
