package fr.smuriam.psc;

import java.util.List;
import java.util.Set;

/**
 * What one PSC login says about the professional, collected over ALL exercices and activities.
 *
 * @param nationalId           SubjectNameID (or its fallbacks), classified; null when PSC sent none
 * @param firstName            the first exercice's prenomDexercice when that exercice also has a
 *                             nomDexercice, else the given_name claim; null when PSC sent neither
 * @param lastName             likewise nomDexercice, else family_name
 * @param authMode             CARD or MOBILE (upper-cased as PSC sent it); null when absent
 * @param medicalRegulation    Acces_Regulation_Medicale: whether the professional has access to medical
 *                             regulation (SAMU centre 15); false when PSC says FAUX, leaves it out or sends
 *                             something else; null only when there was no userinfo to read it from
 * @param professionCodes      TRE_G15 codeProfession of every exercice
 * @param categoryCodes        TRE_R09 codeCategorieProfessionnelle of every exercice
 * @param specialtyCodes       TRE_R38 (and other savoir-faire) codeSavoirFaire of every exercice
 * @param roleCodes            TRE_R85 codeRole of every activity
 * @param structureIds         "FINESS:…", "FINESS_EJ:…", "SIRET:…", "ID_STRUCTURE:…" of every activity
 * @param professionalDataRead true only when at least one exercice could be read: otherwise the
 *                             multi-valued attributes and the roles are left as they are
 * @param problems             what could not be read, for the log
 */
public record PscProfile(
        NationalId nationalId,
        String firstName,
        String lastName,
        String authMode,
        Boolean medicalRegulation,
        Set<String> professionCodes,
        Set<String> categoryCodes,
        Set<String> specialtyCodes,
        Set<String> roleCodes,
        Set<String> structureIds,
        boolean professionalDataRead,
        List<String> problems) {
}
