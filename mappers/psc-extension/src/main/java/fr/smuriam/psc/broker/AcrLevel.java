package fr.smuriam.psc.broker;

import java.util.List;
import java.util.Locale;

/**
 * The eIDAS levels PSC may return in the ID token's {@code acr}, lowest first, and the decision
 * whether a returned {@code acr} meets a minimum.
 *
 * <p>PSC's {@code acr} is a floor, not an exact value: a professional asked at {@code eidas1} may
 * come back at {@code eidas2} (a CPS card). So a login is accepted at or above the minimum, and
 * only when {@code acr} is exactly one of these three strings: a missing or empty value,
 * {@code eidas0} (a level PSC does not certify), {@code 0}, {@code substantial}, a number, an
 * object and a JSON list are refused. A list is refused even when it holds an acceptable level,
 * because Keycloak's stock claim filter accepts a list as soon as ANY element matches, which
 * would let {@code ["eidas0","eidas2"]} through.
 */
public enum AcrLevel {
    EIDAS1, EIDAS2, EIDAS3;

    /** Why a login was refused, as written in the event's {@code reason} detail. */
    public enum Refusal {
        /** No {@code acr} claim, or JSON null. */
        ACR_MISSING("acr_missing"),
        /** A list, a number, a boolean or an object: never a level. */
        ACR_NOT_A_STRING("acr_not_a_string"),
        /** A string that is not one of eidas1, eidas2, eidas3 (empty, eidas0, 0, substantial…). */
        ACR_UNKNOWN("acr_unknown"),
        /** A known level below the realm's minimum. */
        ACR_INSUFFICIENT("acr_insufficient"),
        /** The identity provider's minimum is not a level: refuse rather than guess. */
        MINIMUM_MISCONFIGURED("minimum_acr_misconfigured");

        private final String reason;

        Refusal(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The level as PSC spells it: {@code eidas1}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The level named exactly {@code eidas1}, {@code eidas2} or {@code eidas3}; null for anything else. */
    public static AcrLevel parse(String text) {
        for (AcrLevel level : values()) {
            if (level.value().equals(text)) {
                return level;
            }
        }
        return null;
    }

    public static List<String> names() {
        return List.of(EIDAS1.value(), EIDAS2.value(), EIDAS3.value());
    }

    /**
     * @param claimPresent whether the token has an {@code acr} key at all
     * @param claim        its value as Jackson read it (String, Number, List, Map, Boolean or null)
     * @param minimum      the identity provider's configured minimum, as text
     * @return null when the login may go on, else why it is refused
     */
    public static Refusal check(boolean claimPresent, Object claim, String minimum) {
        AcrLevel floor = parse(minimum == null ? null : minimum.strip());
        if (floor == null) {
            return Refusal.MINIMUM_MISCONFIGURED;
        }
        if (!claimPresent || claim == null) {
            return Refusal.ACR_MISSING;
        }
        if (!(claim instanceof String text)) {
            return Refusal.ACR_NOT_A_STRING;
        }
        AcrLevel level = parse(text); // exact: no trimming, no case folding
        if (level == null) {
            return Refusal.ACR_UNKNOWN;
        }
        return level.compareTo(floor) >= 0 ? null : Refusal.ACR_INSUFFICIENT;
    }
}
