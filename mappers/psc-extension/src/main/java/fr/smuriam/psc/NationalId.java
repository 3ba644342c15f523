package fr.smuriam.psc;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PSC national id (idNat_PS): a one-character type prefix (ANS TRE_G08) and the identifier,
 * e.g. {@code 899700218896} = {@code 8} (RPPS) + the 11-digit RPPS {@code 99700218896}.
 * Sandbox identities made with ANS's EDIT tool carry no prefix at all.
 */
public record NationalId(String value, String type) {

    public static final String RPPS = "RPPS";
    public static final String EDIT = "EDIT";
    public static final String UNKNOWN = "UNKNOWN";
    static final int RPPS_LENGTH = 11;

    private static final Map<Character, String> TYPES_BY_PREFIX = Map.of(
            '0', "ADELI",
            '1', "ADELI_CABINET",
            '3', "FINESS",
            '4', "SIREN",
            '5', "SIRET",
            '6', "RPPS_CABINET",
            '8', RPPS);
    private static final Pattern EDIT_SANDBOX = Pattern.compile("^[A-Z]{2,}[0-9A-Z]{4,}$");

    /** Type from the prefix; EDIT for sandbox ids; UNKNOWN when neither fits. */
    public static NationalId classify(String value) {
        if (value == null || value.length() < 2) {
            return new NationalId(value, UNKNOWN);
        }
        String type = TYPES_BY_PREFIX.get(value.charAt(0));
        if (type != null) {
            return new NationalId(value, type);
        }
        return new NationalId(value, EDIT_SANDBOX.matcher(value).matches() ? EDIT : UNKNOWN);
    }

    public NationalId withType(String newType) {
        return new NationalId(value, newType);
    }

    public boolean isRppsType() {
        return RPPS.equals(type);
    }

    /** The bare RPPS after the {@code 8}, whatever its shape; null for other types. */
    public String rppsPart() {
        return isRppsType() ? value.substring(1) : null;
    }

    /** The bare RPPS only when it is 11 digits with a correct Luhn check digit. */
    public String validRpps() {
        String rpps = rppsPart();
        return rpps != null && rpps.length() == RPPS_LENGTH && luhnValid(rpps) ? rpps : null;
    }

    /** True when the last digit of {@code digits} is its Luhn check digit. */
    public static boolean luhnValid(String digits) {
        if (digits == null || digits.isEmpty()) {
            return false;
        }
        int total = 0;
        for (int position = 0; position < digits.length(); position++) {
            char c = digits.charAt(digits.length() - 1 - position);
            if (c < '0' || c > '9') {
                return false;
            }
            int value = c - '0';
            if (position % 2 == 1) {
                value *= 2;
                if (value > 9) {
                    value -= 9;
                }
            }
            total += value;
        }
        return total % 10 == 0;
    }
}
