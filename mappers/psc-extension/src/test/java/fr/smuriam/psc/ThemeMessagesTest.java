package fr.smuriam.psc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import fr.smuriam.psc.broker.AcrLevel;
import fr.smuriam.psc.broker.PscOidcIdentityProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smur login theme packaged in this JAR: Keycloak finds it, and each message this extension sends has its
 * French and English text, which Keycloak's MessageFormat renders with the parameters intact.
 */
class ThemeMessagesTest {

    static final Properties FRENCH = bundle("fr");
    static final Properties ENGLISH = bundle("en");
    private static final List<String> PAGES = List.of(PageMessage.ECPS_LOCKED, PageMessage.NOT_REGISTERED,
            PageMessage.RPPS_INVALID, PageMessage.ACR_INSUFFICIENT, PageMessage.ACCOUNT_DISABLED,
            // The pages error.ftl recognises from Keycloak's own messages, and the other templates.
            "psc-refused", "psc-unreachable", "expired", "refused", "info", "psc-redirect", "logout-confirm",
            "signed-out");

    private static Properties bundle(String language) {
        String path = "/theme/smur/login/messages/messages_" + language + ".properties";
        try (InputStream in = ThemeMessagesTest.class.getResourceAsStream(path)) {
            assertNotNull(in, path);
            Properties properties = new Properties();
            properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<PageMessage> everyExtensionMessage() {
        List<PageMessage> messages = new ArrayList<>();
        for (RppsAccountMatch.Refusal refusal : RppsAccountMatch.Refusal.values()) {
            messages.add(refusal.message("899700218896", "99700218896", null));
        }
        messages.add(PageMessage.of(PageMessage.RPPS_INVALID, "smurRppsInvalid", "810003111463"));
        for (AcrLevel.Refusal refusal : AcrLevel.Refusal.values()) {
            messages.add(PscOidcIdentityProvider.message(refusal, "eidas2"));
        }
        return messages;
    }

    @Test
    void keycloakFindsTheThemeInThisJar() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/keycloak-themes.json")) {
            JsonNode themes = new ObjectMapper().readTree(in).get("themes");
            assertEquals("smur", themes.get(0).get("name").asText());
            assertEquals("login", themes.get(0).get("types").get(0).asText());
        }
        assertNotNull(getClass().getResource("/theme/smur/login/theme.properties"));
        assertNotNull(getClass().getResource("/theme/smur/login/error.ftl"));
    }

    @Test
    void frenchAndEnglishHaveTheSameKeys() {
        assertEquals(new TreeSet<>(FRENCH.stringPropertyNames()), new TreeSet<>(ENGLISH.stringPropertyNames()));
    }

    @Test
    void everyPageHasItsTitleInBothLanguages() {
        for (String page : PAGES) {
            assertTrue(FRENCH.containsKey("smurTitle." + page), page);
            assertTrue(ENGLISH.containsKey("smurTitle." + page), page);
        }
    }

    @Test
    void everyMessageOfTheExtensionIsRenderedWithItsParameters() {
        for (PageMessage message : everyExtensionMessage()) {
            for (Properties bundle : List.of(FRENCH, ENGLISH)) {
                String pattern = bundle.getProperty(message.key());
                assertNotNull(pattern, message.key());
                String text = new MessageFormat(pattern, Locale.FRENCH).format(message.params().toArray());
                for (String param : message.params()) {
                    assertTrue(text.contains(param), () -> message.key() + ": " + text);
                }
                assertFalse(text.contains("{"), () -> message.key() + ": a parameter was not filled: " + text);
            }
        }
    }

    @Test
    void noAsciiApostropheThatMessageFormatWouldSwallow() {
        Set<String> offending = new TreeSet<>();
        for (Properties bundle : List.of(FRENCH, ENGLISH)) {
            bundle.forEach((key, value) -> {
                if (value.toString().contains("'")) {
                    offending.add(key.toString());
                }
            });
        }
        assertEquals(Set.of(), offending);
    }
}
