package fr.smuriam.psc;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoleTableTest {

    @Test
    void theShippedTableParsesCleanly() {
        RoleTable table = RoleTable.parse(null);
        assertEquals(List.of(), table.problems());
        assertEquals(Set.of("medecin", "infirmier", "ambulancier", "urgentiste", "interne", "regulation"),
                table.allRoles());
        assertEquals(Map.of(RoleTable.Kind.PROFESSION, 4, RoleTable.Kind.ROLE, 1, RoleTable.Kind.SPECIALTY, 2,
                RoleTable.Kind.CATEGORY, 1, RoleTable.Kind.REGULATION, 1), table.ruleCounts());
    }

    @Test
    void rolesComeFromAllExercices() {
        RoleTable table = RoleTable.parse(RoleTable.DEFAULT_TEXT);
        assertEquals(List.of("medecin", "infirmier"), List.copyOf(table.rolesFor(Payloads.profile("two-exercices"))));
        // CAMILLE DURAND is a régulatrice in the mock (Acces_Regulation_Medicale VRAI).
        assertEquals(Set.of("medecin", "urgentiste", "regulation"), table.rolesFor(Payloads.profile("urgentiste")));
        assertEquals(Set.of("ambulancier"), table.rolesFor(Payloads.profile("rpps-plus-ambulancier")));
        assertEquals(Set.of("ambulancier"), table.rolesFor(Payloads.profile("adeli-ambulancier-card")));
        assertEquals(Set.of("medecin", "interne"), table.rolesFor(Payloads.profile("interne-no-activity")));
    }

    @Test
    void commentsSeveralRolesAndCaseOfTheKind() {
        RoleTable table = RoleTable.parse("""
                # SMUR Grand Est
                Profession:60 = infirmier, smur-soignant   # nurses
                specialty : SI07=iade

                """);
        assertEquals(List.of(), table.problems());
        assertEquals(List.of("infirmier", "smur-soignant", "iade"),
                List.copyOf(table.rolesFor(Payloads.profile("two-exercices"))));
    }

    @Test
    void badLinesAreReportedWithTheirNumberAndSkipped() {
        RoleTable table = RoleTable.parse("""
                profession:10 = medecin
                profesion:60 = infirmier
                role 314 = ambulancier
                category:E =
                specialty:SM59 = urgent iste, urgentiste
                """);
        assertEquals(4, table.problems().size(), table.problems()::toString);
        assertTrue(table.problems().get(0).startsWith("role table line 2 'profesion:60 = infirmier': unknown kind"));
        assertTrue(table.problems().get(1).startsWith("role table line 3"));
        assertTrue(table.problems().get(2).contains("no role after '='"));
        assertTrue(table.problems().get(3).contains("'urgent iste' is not a role name"));
        assertEquals(Set.of("medecin", "urgentiste"), table.allRoles(), "the good lines still count");
    }

    @Test
    void anEmptyTableGrantsNothing() {
        RoleTable table = RoleTable.parse("");
        assertEquals(Set.of(), table.rolesFor(Payloads.profile("two-exercices")));
        assertEquals(List.of(), table.problems());
    }
}
