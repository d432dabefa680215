package dev.spamcheck.gateway.auth;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.JsonBodies;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/** Token management for admins: create (the token is shown once), list, revoke. */
@RestController
@RequestMapping(path = "/api/v1/admin/tokens", produces = MediaType.APPLICATION_JSON_VALUE)
class TokenAdminController {

    private static final Pattern ID = Pattern.compile("tok_[0-9a-f]{12}");

    private final TokenStore tokens;

    TokenAdminController(TokenStore tokens) {
        this.tokens = tokens;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<CreatedToken>> create(ServerWebExchange exchange) {
        return JsonBodies.read(exchange).flatMap(body -> {
            JsonNode request = JsonBodies.object(body, Set.of("name", "role"));
            String name = JsonBodies.requiredString(request, "name");
            if (name.isBlank() || name.codePointCount(0, name.length()) > 100) {
                throw JsonBodies.invalid("name must be 1 to 100 characters");
            }
            Role role;
            try {
                role = Role.of(JsonBodies.requiredString(request, "role"));
            }
            catch (IllegalArgumentException ex) {
                throw JsonBodies.invalid(ex.getMessage());
            }
            String secret = TokenSecrets.newToken();
            return tokens.create(name, role, secret).map(token -> ResponseEntity.status(HttpStatus.CREATED)
                    // Where it is revoked; and the id the audit row records as what was created.
                    .location(URI.create("/api/v1/admin/tokens/" + token.id()))
                    .body(new CreatedToken(token.id(), token.name(), token.role().value(), secret, token.createdAt())));
        });
    }

    @GetMapping
    Mono<TokenList> list() {
        return tokens.all().map(TokenView::of).collectList().map(TokenList::new);
    }

    @DeleteMapping("/{id}")
    Mono<ResponseEntity<Void>> revoke(@PathVariable String id) {
        if (!ID.matcher(id).matches()) {
            return Mono.error(new ApiException(ErrorCode.NOT_FOUND, "No token with this id"));
        }
        return tokens.revoke(id)
                .switchIfEmpty(Mono.error(() -> new ApiException(ErrorCode.NOT_FOUND, "No token with this id")))
                .thenReturn(ResponseEntity.noContent().<Void>build());
    }

    record CreatedToken(String id, String name, String role, String token,
            @JsonProperty("created_at") Instant createdAt) {

        @Override
        public String toString() {
            return "CreatedToken[id=" + id + "]";
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TokenView(String id, String name, String role, @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("revoked_at") Instant revokedAt) {

        static TokenView of(ApiToken token) {
            return new TokenView(token.id(), token.name(), token.role().value(), token.createdAt(), token.revokedAt());
        }
    }

    record TokenList(List<TokenView> tokens) {
    }
}
