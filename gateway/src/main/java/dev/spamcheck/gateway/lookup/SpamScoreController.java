package dev.spamcheck.gateway.lookup;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.spamcheck.gateway.problem.ApiException;
import dev.spamcheck.gateway.problem.ErrorCode;
import dev.spamcheck.gateway.problem.RequestIds;
import dev.spamcheck.schemas.number.PhoneNumberRules;
import dev.spamcheck.schemas.number.PhoneNumberRules.InvalidPhoneNumberException;
import reactor.core.publisher.Mono;

@RestController
class SpamScoreController {

    private final PhoneNumberRules rules;
    private final LookupService lookups;

    SpamScoreController(PhoneNumberRules rules, LookupService lookups) {
        this.rules = rules;
        this.lookups = lookups;
    }

    @PostMapping(path = "/api/v1/spam_score", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<SpamScoreResponse> spamScore(@RequestBody(required = false) String body, ServerWebExchange exchange) {
        SpamScoreRequest request = SpamScoreRequest.parse(body);
        String e164;
        try {
            e164 = rules.requireValid(request.phoneNumber());
        }
        catch (InvalidPhoneNumberException ex) {
            throw new ApiException(ErrorCode.INVALID_PHONE_NUMBER, ex.getMessage());
        }
        return lookups.answer(e164, request.campaignId(), RequestIds.of(exchange)).map(this::toResponse);
    }

    private SpamScoreResponse toResponse(Answer answer) {
        return switch (answer.outcome()) {
            case SCORED -> new SpamScoreResponse(answer.spamScore(),
                    answer.checkedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            case NOT_FOUND -> throw new ApiException(ErrorCode.PHONE_NUMBER_NOT_FOUND,
                    "Twilio does not know this phone number");
            case UNAVAILABLE -> throw lookups.unavailable(
                    "The spam score cannot be determined right now; try again shortly");
        };
    }
}
