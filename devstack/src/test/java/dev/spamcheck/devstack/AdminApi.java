package dev.spamcheck.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import tools.jackson.databind.JsonNode;

/** The admin endpoints, called with the stack's admin token. */
final class AdminApi {

    private AdminApi() {
    }

    static HttpResponse<String> post(String path, String body) {
        return TestStack.send(TestStack.request(path, TestStack.get().adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static HttpResponse<String> get(String path) {
        return TestStack.send(TestStack.request(path, TestStack.get().adminToken()).GET());
    }

    static HttpResponse<String> delete(String path) {
        return TestStack.send(TestStack.request(path, TestStack.get().adminToken()).DELETE());
    }

    static JsonNode createToken(String name, String role) {
        HttpResponse<String> response = post("/api/v1/admin/tokens",
                "{\"name\": \"" + name + "\", \"role\": \"" + role + "\"}");
        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode token = TestStack.json(response);
        TestStack.remember(token.get("token").asString());
        return token;
    }

    static void revoke(String id) {
        assertThat(delete("/api/v1/admin/tokens/" + id).statusCode()).isEqualTo(204);
    }
}
