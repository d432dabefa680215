package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * docs/configuration.md is generated from the {@code spamcheck.*} configuration metadata that
 * {@code spring-boot-configuration-processor} writes from each {@code *Properties} record's
 * Javadoc. This test regenerates it: it fails when a property has no description, or when the
 * committed page differs from what the code says (then run it with
 * {@code -Dspamcheck.docs.update=true} to rewrite the page). Everything above the marker line is
 * written by hand.
 */
class ConfigurationReferenceTest {

    static final String MARKER = "<!-- Generated from the services' configuration metadata by "
            + "ConfigurationReferenceTest; edit the *Properties records, not this table. -->";
    private static final Path PAGE = Path.of("..", "docs", "configuration.md");
    private static final Map<String, String> SERVICES = Map.of(
            "dev.spamcheck.schemas", "Every service",
            "dev.spamcheck.gateway", "gateway",
            "dev.spamcheck.worker", "lookup-worker",
            "dev.spamcheck.archiver", "archiver",
            "dev.spamcheck.notifier", "notifier");
    private static final List<String> ORDER = List.of("Every service", "gateway", "lookup-worker", "archiver",
            "notifier");

    @Test
    void everySettingIsDescribedAndThePageIsCurrent() throws IOException {
        List<JsonNode> properties = properties();
        assertThat(properties).as("spamcheck.* properties in the metadata").hasSizeGreaterThan(20);
        assertThat(properties).filteredOn(property -> !property.hasNonNull("description")
                || property.get("description").asString().isBlank())
                .extracting(property -> property.get("name").asString())
                .as("settings without a description (add an @param to the record's Javadoc)")
                .isEmpty();

        String committed = Files.readString(PAGE);
        assertThat(committed).as("docs/configuration.md has the marker line").contains(MARKER);
        String expected = committed.substring(0, committed.indexOf(MARKER)) + MARKER + "\n" + table(properties);
        if (!expected.equals(committed) && Boolean.getBoolean("spamcheck.docs.update")) {
            Files.writeString(PAGE, expected);
            return;
        }
        assertThat(committed).as("docs/configuration.md is stale: run ./mvnw -pl devstack -am test "
                + "-Dtest=ConfigurationReferenceTest -Dsurefire.failIfNoSpecifiedTests=false "
                + "-Dspamcheck.docs.update=true").isEqualTo(expected);
    }

    /** Every service's spamcheck.* properties, once each, from every metadata file on the class path. */
    private static List<JsonNode> properties() throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        Map<String, JsonNode> byName = new TreeMap<>();
        for (URL metadata : Collections.list(ConfigurationReferenceTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = metadata.openStream()) {
                for (JsonNode property : json.readTree(in).path("properties")) {
                    String name = property.get("name").asString();
                    if (name.startsWith("spamcheck.") && service(property) != null) {
                        byName.putIfAbsent(name + " " + service(property), property);
                    }
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    private static String table(List<JsonNode> properties) {
        StringBuilder page = new StringBuilder();
        for (String service : ORDER) {
            List<JsonNode> own = properties.stream().filter(property -> service.equals(service(property)))
                    .sorted(Comparator.comparing(property -> property.get("name").asString())).toList();
            if (own.isEmpty()) {
                continue;
            }
            page.append("\n## ").append(service).append("\n\n")
                    .append("| Property | Environment variable | Default | Description |\n")
                    .append("|---|---|---|---|\n");
            for (JsonNode property : own) {
                String name = property.get("name").asString();
                // A map's keys (token ids) cannot be spelled in an environment variable's name.
                String variable = property.path("type").asString("").startsWith("java.util.Map") ? "–"
                        : "`" + environmentVariable(name) + "`";
                page.append("| `").append(name).append("` | ").append(variable).append(" | ")
                        .append(property.hasNonNull("defaultValue") ? "`" + text(property.get("defaultValue")) + "`" : "")
                        .append(" | ").append(markdown(property.get("description").asString())).append(" |\n");
            }
        }
        return page.toString();
    }

    private static String service(JsonNode property) {
        String source = property.path("sourceType").asString("");
        return SERVICES.entrySet().stream().filter(entry -> source.startsWith(entry.getKey() + "."))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** The name Spring Boot's relaxed binding reads from the environment. */
    static String environmentVariable(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String text(JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(item -> items.add(item.asString()));
            return String.join(",", items);
        }
        return value.asString();
    }

    private static String markdown(String javadoc) {
        return javadoc.replaceAll("\\{@code ([^}]*)}", "`$1`").replaceAll("\\{@link ([^}]*)}", "`$1`")
                .replaceAll("\\s+", " ").replace("|", "\\|").strip();
    }
}
