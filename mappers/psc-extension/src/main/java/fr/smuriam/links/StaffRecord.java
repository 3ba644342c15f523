package fr.smuriam.links;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the staff-links tool needs to know of one local user: identity fields, the few attributes it
 * manages, its link to the PSC identity provider, its group paths, its realm roles and the types of
 * the credentials it holds (a staff account should hold none: PSC is the only way in).
 */
public final class StaffRecord {
    final String id;
    final String username;
    final boolean enabled;
    final String firstName;
    final String lastName;
    final String email;
    final Map<String, List<String>> attributes = new TreeMap<>();
    String link; // PSC user id (the national id) of the user's link to the provider, or null
    final TreeSet<String> groups = new TreeSet<>();
    final TreeSet<String> roles = new TreeSet<>();
    final TreeSet<String> credentials = new TreeSet<>(); // credential types: password, otp, webauthn...

    public StaffRecord(String id, String username, boolean enabled, String firstName, String lastName, String email) {
        this.id = id;
        this.username = username;
        this.enabled = enabled;
        this.firstName = firstName;
        this.lastName = lastName;
        this.email = email;
    }
}
