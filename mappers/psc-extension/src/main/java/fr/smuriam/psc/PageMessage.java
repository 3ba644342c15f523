package fr.smuriam.psc;

import jakarta.ws.rs.core.Response;
import org.keycloak.forms.login.LoginFormsProvider;

import java.util.List;

/**
 * What a refusal of this extension shows: which page of the smur login theme
 * ({@code src/main/resources/theme/smur/login/error.ftl} reads the {@value #PAGE_ATTRIBUTE} attribute) and the
 * message, a key of the theme's {@code messages_fr.properties} / {@code messages_en.properties} with its
 * parameters, so the page is in the professional's language. A text that is not a key (the region's own
 * "not registered" message) is shown as it is.
 *
 * @param page   the page id: one of the constants below
 * @param key    a message key of the theme, or a region's text
 * @param params the key's {0}, {1}… (the national id, the RPPS, the level)
 */
public record PageMessage(String page, String key, List<String> params) {

    /** Template attribute naming the page (error.ftl: {@code smurPage}). */
    public static final String PAGE_ATTRIBUTE = "smurPage";

    public static final String ECPS_LOCKED = "ecps-locked";
    public static final String NOT_REGISTERED = "not-registered";
    public static final String RPPS_INVALID = "rpps-invalid";
    public static final String ACR_INSUFFICIENT = "acr-insufficient";
    public static final String ACCOUNT_DISABLED = "account-disabled";

    public PageMessage {
        params = List.copyOf(params);
    }

    public static PageMessage of(String page, String key, String... params) {
        return new PageMessage(page, key, List.of(params));
    }

    /** Names the page on the form and sets the message: the next page the form renders is this one. */
    public LoginFormsProvider applyTo(LoginFormsProvider form) {
        return form.setAttribute(PAGE_ATTRIBUTE, page).setError(key, params.toArray());
    }

    /** The error page, with {@code status}. */
    public Response errorPage(LoginFormsProvider form, Response.Status status) {
        return applyTo(form).createErrorPage(status);
    }
}
