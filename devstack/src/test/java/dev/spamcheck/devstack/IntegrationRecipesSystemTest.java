package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The integration recipes under {@code integrations/} (the HubSpot custom code action, the HubSpot
 * and Make webhook recipes, the Make blueprint, the documented webhook signature check) run with
 * this machine's Node.js against the test devstack: their own {@code node --test} suite, with a
 * lookup and an admin token of their own. The suite writes down the id of every answer it got, so
 * the audit trail's check covers its requests too. Skipped where there is no Node.js, except on CI
 * ({@code CI=true}), which must run it.
 */
class IntegrationRecipesSystemTest {

    private static final Path RECIPES = Path.of(System.getProperty("spamcheck.integrations", "../integrations"))
            .toAbsolutePath().normalize();

    @Test
    void theRecipesWorkAgainstARealStack() throws Exception {
        boolean onCi = "true".equalsIgnoreCase(System.getenv("CI"));
        if (!onCi) {
            Assumptions.assumeTrue(nodeAvailable(), "Node.js is not installed; the recipes need it");
        }
        var lookup = AdminApi.createToken("integration recipes", "lookup");
        var admin = AdminApi.createToken("integration recipes admin", "admin");

        List<String> command = new ArrayList<>(List.of("node", "--test"));
        try (Stream<Path> files = Files.list(RECIPES.resolve("test"))) {
            files.filter(file -> file.toString().endsWith(".test.mjs")).sorted().map(Path::toString)
                    .forEach(command::add);
        }
        Path output = Path.of("target", "integration-recipes.log").toAbsolutePath();
        Path requestIds = Path.of("target", "integration-recipes.request-ids").toAbsolutePath();
        Files.deleteIfExists(requestIds);
        ProcessBuilder node = new ProcessBuilder(command).directory(RECIPES.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        node.environment().put("SPAMCHECK_URL", TestStack.get().baseUrl());
        node.environment().put("SPAMCHECK_TOKEN", lookup.get("token").asString());
        node.environment().put("SPAMCHECK_ADMIN_TOKEN", admin.get("token").asString());
        node.environment().put("SPAMCHECK_REQUEST_IDS_FILE", requestIds.toString());
        Process run = node.start();
        boolean finished = run.waitFor(3, TimeUnit.MINUTES);
        if (!finished) {
            // node --test runs each file in a process of its own.
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly().waitFor();
        }
        if (Files.exists(requestIds)) {
            Files.readAllLines(requestIds).stream().filter(id -> !id.isBlank()).forEach(TestStack::recordRequestId);
        }
        String log = Files.readString(output);
        assertThat(finished ? run.exitValue() : -1).as("node --test (%s):%n%s", output, log).isZero();
        assertThat(log).as("tests ran").containsPattern("# pass [1-9]");
    }

    private static boolean nodeAvailable() {
        try {
            return new ProcessBuilder("node", "--version").start().waitFor() == 0;
        }
        catch (IOException | InterruptedException ex) {
            return false;
        }
    }
}
