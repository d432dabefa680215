package dev.spamcheck.gateway.providers;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import reactor.core.publisher.Mono;

/**
 * {@code GET /api/v1/admin/providers}: each provider asked in shadow mode, and how often its
 * verdict agreed with the answers spamcheck gave over the last 30 days, in all and per day.
 */
@RestController
class ProviderAgreementController {

    static final int DAYS = 30;

    private final ProviderAgreements agreements;

    ProviderAgreementController(ProviderAgreements agreements) {
        this.agreements = agreements;
    }

    @GetMapping(path = "/api/v1/admin/providers", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<Providers> providers() {
        return agreements.lastDays(DAYS).collectList().map(days -> {
            Map<String, List<ProviderAgreements.Day>> byProvider = new LinkedHashMap<>();
            days.forEach(day -> byProvider.computeIfAbsent(day.provider(), p -> new ArrayList<>()).add(day));
            return new Providers(byProvider.entrySet().stream().map(entry -> Provider.of(entry.getKey(),
                    entry.getValue())).toList());
        });
    }

    record Providers(@JsonProperty("providers") List<Provider> providers) {
    }

    /** @param agreement agreed of those with a verdict (agreed and disagreed), absent before any */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Provider(@JsonProperty("provider") String provider, @JsonProperty("mode") String mode,
            @JsonProperty("agreed") int agreed, @JsonProperty("disagreed") int disagreed,
            @JsonProperty("undecided") int undecided, @JsonProperty("agreement") Double agreement,
            @JsonProperty("days") List<DayView> days) {

        static Provider of(String provider, List<ProviderAgreements.Day> days) {
            int agreed = days.stream().mapToInt(ProviderAgreements.Day::agreed).sum();
            int disagreed = days.stream().mapToInt(ProviderAgreements.Day::disagreed).sum();
            int undecided = days.stream().mapToInt(ProviderAgreements.Day::undecided).sum();
            return new Provider(provider, "shadow", agreed, disagreed, undecided,
                    agreed + disagreed == 0 ? null : (double) agreed / (agreed + disagreed),
                    days.stream().map(day -> new DayView(day.day(), day.agreed(), day.disagreed(), day.undecided()))
                            .toList());
        }
    }

    record DayView(@JsonProperty("day") LocalDate day, @JsonProperty("agreed") int agreed,
            @JsonProperty("disagreed") int disagreed, @JsonProperty("undecided") int undecided) {
    }
}
