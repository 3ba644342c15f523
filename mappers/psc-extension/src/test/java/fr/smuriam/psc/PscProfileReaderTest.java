package fr.smuriam.psc;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader over recorded PSC payloads, the well-formed ones and the observed shape drift. */
class PscProfileReaderTest {

    @Test
    void everyExerciceAndActivityIsRead() {
        PscProfile p = Payloads.profile("two-exercices");
        assertEquals("899700245667", p.nationalId().value());
        assertEquals("RPPS", p.nationalId().type());
        assertEquals("MOBILE", p.authMode());
        assertEquals(List.of("10", "60"), List.copyOf(p.professionCodes()));
        assertEquals(List.of("SM02", "SI07"), List.copyOf(p.specialtyCodes()));
        assertEquals(Set.of("C"), p.categoryCodes());
        // Three activities over two exercices, the SMUR one listed twice: deduplicated, in order.
        assertEquals(List.of("FINESS:679000011", "ID_STRUCTURE:R10000000000011", "SIRET:11122233300014",
                "ID_STRUCTURE:R10000000000029"), List.copyOf(p.structureIds()));
        assertTrue(p.professionalDataRead());
        assertEquals(List.of(), p.problems());
    }

    @Test
    void everyKindOfStructureIdIsKeptWithItsType() {
        PscProfile p = Payloads.profile("urgentiste");
        assertEquals(List.of("FINESS:679000011", "FINESS_EJ:679000003", "SIRET:26670000100011",
                "ID_STRUCTURE:R10000000000011"), List.copyOf(p.structureIds()));
        assertEquals(Set.of("SM59"), p.specialtyCodes());
    }

    @Test
    void adeliCardLogin() {
        PscProfile p = Payloads.profile("adeli-ambulancier-card");
        assertEquals("ADELI", p.nationalId().type());
        assertNull(p.nationalId().rppsPart());
        assertEquals("CARD", p.authMode());
        assertEquals(Set.of("36"), p.professionCodes());
        assertEquals(Set.of(), p.structureIds(), "an activity with no structure id gives none");
    }

    @Test
    void rppsPlusRoleCodeIsRead() {
        PscProfile p = Payloads.profile("rpps-plus-ambulancier");
        assertEquals(Set.of("314"), p.roleCodes());
        assertEquals(Set.of(), p.professionCodes(), "an empty codeProfession is no profession");
        assertTrue(p.professionalDataRead());
    }

    @Test
    void editSandboxIdentityHasNoPrefix() {
        PscProfile p = Payloads.profile("edit-sandbox");
        assertEquals("EDIT", p.nationalId().type());
        assertEquals(Set.of("10"), p.professionCodes());
        assertEquals(List.of(), p.problems());
    }

    @Test
    void interneWithoutActivity() {
        PscProfile p = Payloads.profile("interne-no-activity");
        assertEquals(Set.of("E"), p.categoryCodes());
        assertEquals(Set.of(), p.structureIds());
        assertTrue(p.professionalDataRead());
        assertEquals(List.of(), p.problems(), "no activities is normal, not a problem");
    }

    @Test
    void singleObjectsNumbersAndOtherIDsSpelling() {
        PscProfile p = Payloads.profile("drift-single-objects");
        assertEquals("899700218896", p.nationalId().value());
        assertEquals("CARD", p.authMode(), "authMode only in userinfo, lower case");
        assertEquals(Set.of("10"), p.professionCodes(), "a number where a string is expected");
        assertEquals(Set.of("SM59"), p.specialtyCodes());
        assertEquals(List.of("FINESS:679000011", "FINESS_EJ:679000003", "ID_STRUCTURE:R10000000000011"),
                List.copyOf(p.structureIds()), "empty SIRET skipped");
        assertEquals(Set.of(), p.roleCodes(), "empty codeRole skipped");
        assertEquals(List.of(), p.problems());
    }

    @Test
    void brokenPartsAreReportedAndTheRestIsRead() {
        PscProfile p = Payloads.profile("drift-broken-parts");
        assertEquals("899700245667", p.nationalId().value(), "from preferred_username");
        assertNull(p.authMode());
        assertEquals(List.of("10", "60"), List.copyOf(p.professionCodes()));
        assertEquals(Set.of("SM02"), p.specialtyCodes(), "the object-valued specialty is ignored");
        assertTrue(p.structureIds().contains("SIRET:11122233300014"));
        assertTrue(p.professionalDataRead());
        assertProblem(p, "no SubjectNameID");
        assertProblem(p, "no authMode");
        assertProblem(p, "SubjectRefPro.exercices[0].activities[2] is a NULL");
        assertProblem(p, "SubjectRefPro.exercices[1].codeSavoirFaire is a OBJECT");
        assertProblem(p, "SubjectRefPro.exercices[1].activities is a NUMBER");
        assertProblem(p, "SubjectRefPro.exercices[2] is a STRING");
    }

    @Test
    void subjectRefProJsonEncodedInAString() {
        PscProfile p = Payloads.profile("drift-refpro-as-string");
        assertEquals(Set.of("60"), p.professionCodes());
        assertEquals(List.of(), p.problems());
    }

    @Test
    void withoutSubjectRefProNothingProfessionalIsRead() {
        PscProfile p = Payloads.profile("drift-no-refpro");
        assertFalse(p.professionalDataRead());
        assertEquals("899700366240", p.nationalId().value(), "the ids are still read");
        assertProblem(p, "no SubjectRefPro");
    }

    @Test
    void anEmptyExercicesListIsNotTakenAsAuthoritative() {
        PscProfile p = Payloads.profile("drift-empty-exercices");
        assertFalse(p.professionalDataRead());
    }

    @Test
    void noUserinfoAtAllStillReadsTheIdToken() {
        PscProfile p = PscProfileReader.read(null, Payloads.load("two-exercices").get("id_token_claims"));
        assertEquals("899700245667", p.nationalId().value());
        assertEquals("MOBILE", p.authMode());
        assertFalse(p.professionalDataRead());
        assertProblem(p, "no userinfo from PSC");
    }

    @Test
    void nothingAtAllDoesNotThrow() {
        PscProfile p = PscProfileReader.read(null, null);
        assertNull(p.nationalId());
        assertFalse(p.professionalDataRead());
        assertProblem(p, "no national id");
    }

    private static void assertProblem(PscProfile profile, String start) {
        assertTrue(profile.problems().stream().anyMatch(problem -> problem.startsWith(start)),
                () -> "no problem starting with '" + start + "' in " + profile.problems());
    }
}
