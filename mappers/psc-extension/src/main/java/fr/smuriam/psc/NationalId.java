package fr.smuriam.psc;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A PSC national id (idNat_PS): a one-character type prefix (ANS TRE_G08) and the identifier,
 * e.g. {@code 899700218896} = {@code 8} (RPPS) + the 11-digit RPPS {@code 99700218896}.
 * Sandbox identities made with ANS's EDIT tool carry no prefix at all.
 *
 * <p>{@link #classify} takes what PSC sends as it is; {@link #parse} checks an id the way
 * {@code psc_ids/national_id.py} checks the files, with the same messages: digits are
 * ASCII 0-9 only ({@link Character#isDigit} also accepts fullwidth, Arabic-Indic and other
 * Unicode digits). {@code tests/vectors/national-ids.json} is checked against both.
 */
public record NationalId(String value, String type) {

    public static final String RPPS = "RPPS";
    public static final String EDIT = "EDIT";
    public static final String UNKNOWN = "UNKNOWN";
    static final int RPPS_LENGTH = 11;
    static final int ADELI_LENGTH = 9;
    private static final String ADELI = "ADELI";
    private static final String EXPECTED_PREFIXES =
            "0=ADELI, 1=ADELI_CABINET, 3=FINESS, 4=SIREN, 5=SIRET, 6=RPPS_CABINET, 8=RPPS";

    private static final Map<Character, String> TYPES_BY_PREFIX = Map.of(
            '0', ADELI,
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

    /** A national id PSC would never send; the message says what is wrong, as the Python side does. */
    public static final class InvalidNationalId extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidNationalId(String message) {
            super(message);
        }
    }

    /**
     * Parse and check a national id (surrounding spaces trimmed); {@code sandbox} also accepts EDIT
     * test identities. Positions in messages count characters (code points) from 1, prefix included.
     */
    public static NationalId parse(String value, boolean sandbox) {
        if (value == null) {
            throw new InvalidNationalId("no national id");
        }
        String text = strip(value);
        if (text.isEmpty()) {
            throw new InvalidNationalId("empty national id");
        }
        String shown = shown(text);
        if (text.length() == RPPS_LENGTH && isAsciiDigits(text)) {
            throw new InvalidNationalId("'" + shown + "' looks like a bare RPPS: a national id puts an '8' in front (8"
                    + shown + ")");
        }
        if (sandbox && EDIT_SANDBOX.matcher(text).matches()) {
            return new NationalId(text, EDIT);
        }
        int prefix = text.codePointAt(0);
        if (isInvisible(prefix)) {
            throw new InvalidNationalId("'" + shown + "' starts with " + describe(prefix)
                    + " before its type prefix: remove it");
        }
        String type = prefix < 0x80 ? TYPES_BY_PREFIX.get((char) prefix) : null;
        if (type == null) {
            String prefixShown = isPrintableAscii(prefix) ? "'" + (char) prefix + "'" : describe(prefix);
            throw new InvalidNationalId("'" + shown + "' has unknown type prefix " + prefixShown + " (expected one of "
                    + EXPECTED_PREFIXES + ")");
        }
        String rest = text.substring(1);
        boolean digitsOnly = RPPS.equals(type) || ADELI.equals(type);
        int position = 2;
        for (int i = 0; i < rest.length(); i += Character.charCount(rest.codePointAt(i)), position++) {
            int c = rest.codePointAt(i);
            if (digitsOnly ? !(c >= '0' && c <= '9') : !isPrintableAscii(c)) {
                throw new InvalidNationalId("'" + shown + "': character " + describe(c) + " at position " + position
                        + " is not " + (digitsOnly ? "a digit 0-9" : "allowed (printable ASCII only)"));
            }
        }
        // From here `rest` is ASCII: its length counts characters.
        if (RPPS.equals(type)) {
            if (rest.length() != RPPS_LENGTH) {
                throw new InvalidNationalId("'" + shown + "': an RPPS national id is '8' followed by " + RPPS_LENGTH
                        + " digits (got " + rest.length() + " characters after the 8)");
            }
            if (!luhnValid(rest)) {
                throw new InvalidNationalId("'" + shown + "': RPPS " + rest + " fails its Luhn check digit (typo?)");
            }
        } else if (ADELI.equals(type)) {
            if (rest.length() != ADELI_LENGTH) {
                throw new InvalidNationalId("'" + shown + "': an ADELI national id is '0' followed by " + ADELI_LENGTH
                        + " digits");
            }
        } else if (rest.isEmpty()) {
            throw new InvalidNationalId("'" + shown + "': nothing after the type prefix '" + (char) prefix + "'");
        }
        return new NationalId(text, type);
    }

    /** True when {@code text} is one or more ASCII digits 0-9 (unlike {@link Character#isDigit}). */
    public static boolean isAsciiDigits(String text) {
        return text != null && !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * A character a reader cannot see or tell from a space: a format character (the byte order mark
     * U+FEFF a spreadsheet leaves, zero-width spaces and joiners, direction marks) or any space or line
     * separator but the ASCII space (U+00A0 NO-BREAK SPACE...). Python's national_id.is_invisible.
     */
    static boolean isInvisible(int codePoint) {
        if (codePoint == ' ') {
            return false;
        }
        return switch (Character.getType(codePoint)) {
            case Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                 Character.PARAGRAPH_SEPARATOR -> true;
            default -> false;
        };
    }

    /**
     * {@code '１' (U+FF11 FULLWIDTH DIGIT ONE)}; an invisible one by code point and name,
     * {@code U+FEFF ZERO WIDTH NO-BREAK SPACE (invisible: a byte order mark, BOM)}; control, private-use
     * and unassigned characters by code point only.
     */
    static String describe(int codePoint) {
        String code = String.format(Locale.ROOT, "U+%04X", codePoint);
        String name = Character.getName(codePoint);
        if (isInvisible(codePoint)) {
            String why = codePoint == 0xFEFF ? ": a byte order mark, BOM" : "";
            return code + " " + name + " (invisible" + why + ")";
        }
        switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED -> {
                return code;
            }
            default -> {
                String character = new String(Character.toChars(codePoint));
                return "'" + character + "' (" + code + (name == null ? "" : " " + name) + ")";
            }
        }
    }

    /**
     * The text safe to print and to read: control and invisible characters (a terminal escape, a byte
     * order mark) as {@code \\u} and four hex digits.
     */
    static String shown(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.getType(c) == Character.CONTROL || isInvisible(c)) {
                out.append(String.format(Locale.ROOT, "\\u%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    private static boolean isPrintableAscii(int c) {
        return c >= 0x21 && c <= 0x7E;
    }

    /** Trims what Python's {@code str.strip()} trims: whitespace and space separators (no-break space too). */
    private static String strip(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isSpace(value.codePointAt(start))) {
            start += Character.charCount(value.codePointAt(start));
        }
        while (end > start && isSpace(value.codePointBefore(end))) {
            end -= Character.charCount(value.codePointBefore(end));
        }
        return value.substring(start, end);
    }

    private static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
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
