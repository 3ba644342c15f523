package fr.smuriam.psc;

import org.keycloak.models.UserModel;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which existing account a PSC identity with no link may be attached to: the one account whose
 * {@code rpps} attribute equals the RPPS of an {@code 8}-type national id. Nothing else is ever
 * compared (no e-mail, no name, no username), and any doubt is a refusal.
 *
 * @param user    the account to link, or null when refused
 * @param refusal why nothing is linked, or null when {@code user} is set
 * @param rpps    the 11-digit RPPS looked up (null when the national id holds none)
 */
public record RppsAccountMatch(UserModel user, Refusal refusal, String rpps) {

    public static final String RPPS_ATTRIBUTE = PscUserUpdate.RPPS;
    /**
     * Accounts {@code smur-iam links} creates carry this mark and always get their link from the
     * staff list; one without a link had it removed because the person left the list, so it is
     * never re-linked here (provisioning/links/realm_state.py: MARK_ATTRIBUTE, MANAGED_BY).
     */
    public static final String MARK_ATTRIBUTE = "provisioned_by";
    public static final String STAFF_LIST_MARK = "smur-iam-links";

    /** Why a first login is refused; each has its page of the smur theme. */
    public enum Refusal {
        NOT_AN_RPPS("not_an_rpps_national_id"),
        NO_ACCOUNT("no_account_with_rpps"),
        SEVERAL_ACCOUNTS("several_accounts_with_rpps"),
        ACCOUNT_DISABLED("account_disabled"),
        LEFT_STAFF_LIST("staff_list_account_unlinked"),
        ALREADY_LINKED("account_linked_to_another_identity");

        /** Short reason for the login event and the server log. */
        public final String eventReason;

        Refusal(String eventReason) {
            this.eventReason = eventReason;
        }

        /**
         * The page and its message (a key of the smur theme, the national id or the RPPS as its parameter).
         * {@code notRegistered} is the region's own text for NO_ACCOUNT, shown as it is.
         */
        public PageMessage message(String nationalId, String rpps, String notRegistered) {
            return switch (this) {
                case NOT_AN_RPPS -> PageMessage.of(PageMessage.NOT_REGISTERED, "smurNotAnRpps", nationalId);
                case NO_ACCOUNT -> notRegistered != null && !notRegistered.isBlank()
                        ? PageMessage.of(PageMessage.NOT_REGISTERED, notRegistered)
                        : PageMessage.of(PageMessage.NOT_REGISTERED, "smurNoAccountWithRpps", rpps);
                case SEVERAL_ACCOUNTS -> PageMessage.of(PageMessage.NOT_REGISTERED, "smurSeveralAccountsWithRpps", rpps);
                case ACCOUNT_DISABLED -> PageMessage.of(PageMessage.ACCOUNT_DISABLED, "smurAccountWithRppsDisabled", rpps);
                case LEFT_STAFF_LIST -> PageMessage.of(PageMessage.NOT_REGISTERED, "smurStaffListUnlinked", rpps);
                case ALREADY_LINKED -> PageMessage.of(PageMessage.NOT_REGISTERED, "smurAccountLinkedElsewhere", rpps);
            };
        }
    }

    /**
     * Decide for the national id Keycloak will store as the link (the brokered user id).
     *
     * @param nationalId    the PSC national id, e.g. {@code 899700218896}
     * @param usersWithRpps accounts whose {@code rpps} attribute is the given value
     * @param alreadyLinked true for an account that already has a link to this identity provider
     */
    public static RppsAccountMatch decide(String nationalId, Function<String, List<UserModel>> usersWithRpps,
                                          Predicate<UserModel> alreadyLinked) {
        String rpps = NationalId.classify(nationalId).validRpps();
        if (rpps == null) {
            return new RppsAccountMatch(null, Refusal.NOT_AN_RPPS, null);
        }
        // Re-check the value: the lookup is the storage's, the decision is ours.
        List<UserModel> found = usersWithRpps.apply(rpps).stream()
                .filter(user -> user.getAttributeStream(RPPS_ATTRIBUTE).anyMatch(rpps::equals))
                .toList();
        if (found.isEmpty()) {
            return new RppsAccountMatch(null, Refusal.NO_ACCOUNT, rpps);
        }
        if (found.size() > 1) {
            return new RppsAccountMatch(null, Refusal.SEVERAL_ACCOUNTS, rpps);
        }
        UserModel user = found.get(0);
        if (!user.isEnabled()) {
            return new RppsAccountMatch(null, Refusal.ACCOUNT_DISABLED, rpps);
        }
        if (user.getAttributeStream(MARK_ATTRIBUTE).anyMatch(STAFF_LIST_MARK::equals)) {
            return new RppsAccountMatch(null, Refusal.LEFT_STAFF_LIST, rpps);
        }
        if (alreadyLinked.test(user)) {
            return new RppsAccountMatch(null, Refusal.ALREADY_LINKED, rpps);
        }
        return new RppsAccountMatch(user, null, rpps);
    }
}
