package dev.spamcheck.schemas.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.spamcheck.schemas.number.NumberProtection;
import dev.spamcheck.schemas.number.ProtectedNumber;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;

class MessageSchemasTest {

    private final ProtectedNumber number = NumberProtection.fromSecrets(
            "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
            "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=").protect("+12125550123");

    @Test
    void lookupRequestsMatchTheirSchema() {
        LookupRequest request = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, "spring-2026", Instant.now(),
                Instant.now().plusSeconds(5));
        assertThat(MessageSchemas.violations(Topics.LOOKUP_REQUESTS, MessageCodec.encode(request))).isEmpty();
        assertThat(roundTrip(Topics.LOOKUP_REQUESTS, request)).isEqualTo(request);
    }

    @Test
    void everyKindOfLookupResultMatchesTheSchema() {
        for (LookupResult result : new LookupResult[] {result(Outcome.SCORED, 1, null),
                result(Outcome.NOT_FOUND, null, null), result(Outcome.UNAVAILABLE, null, "addon_failed")}) {
            assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, MessageCodec.encode(result))).isEmpty();
            assertThat(roundTrip(Topics.LOOKUP_RESULTS, result)).isEqualTo(result);
        }
    }

    @Test
    void aScoreCarriesItsRiskAndEachSourcesVerdictAndAVersionOneScoreStillReads() {
        LookupResult scored = result(Outcome.SCORED, 1, null);
        LookupResult withSources = new LookupResult(scored.requestId(), scored.numberHash(), scored.numberCiphertext(),
                scored.last4(), Outcome.SCORED, 1, scored.checkedAt(), null, false, scored.origin(), null, null, 85,
                List.of(new SourceVerdict("nomorobo_spamscore", SourceVerdict.Verdict.FLAGGED, 100, List.of(),
                        "successful"), SourceVerdict.unknown("icehook_scout", "failed"),
                        new SourceVerdict("truecnam_truespam", SourceVerdict.Verdict.FLAGGED, 70, List.of(), "successful")));
        assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, MessageCodec.encode(withSources))).isEmpty();
        assertThat(roundTrip(Topics.LOOKUP_RESULTS, withSources)).isEqualTo(withSources);
        assertThat(MessageCodec.encode(withSources)).contains("\"verdict\":\"unknown\"").doesNotContain("\"reasons\"");

        String versionOne = MessageCodec.encode(scored);
        assertThat(versionOne).doesNotContain("sources").doesNotContain("risk");
        assertThat(MessageCodec.mapper().readValue(versionOne, LookupResult.class)).isEqualTo(scored);

        LookupResult unavailableWithSources = new LookupResult(scored.requestId(), scored.numberHash(),
                scored.numberCiphertext(), scored.last4(), Outcome.UNAVAILABLE, null, scored.checkedAt(), "addon_failed",
                false, scored.origin(), null, null, 10, withSources.sources());
        assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, MessageCodec.encode(unavailableWithSources)))
                .as("only a score has sources").isNotEmpty();
    }

    @Test
    void aScoredResultWithoutScoreIsRefusedByTheSchemaAndCannotBeRead() {
        String withoutScore = MessageCodec.encode(result(Outcome.SCORED, 1, null)).replace("\"spam_score\":1,", "");
        assertThat(withoutScore).doesNotContain("spam_score");
        assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, withoutScore)).isNotEmpty();
        try (var serde = Topics.LOOKUP_RESULTS.valueSerde()) {
            // Read, it would fail the notifier's change detection, which takes the score as a number.
            assertThatThrownBy(() -> serde.deserializer().deserialize(Topics.LOOKUP_RESULTS.name(),
                    withoutScore.getBytes())).isNotNull();
        }
        assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS,
                MessageCodec.encode(result(Outcome.UNAVAILABLE, 0, "addon_failed")))).isNotEmpty();
    }

    @Test
    void aResultTheSchemaRefusesForItsOutcomeOrScoreCannotBeRead() {
        String complete = MessageCodec.encode(result(Outcome.SCORED, 1, null));
        try (var serde = Topics.LOOKUP_RESULTS.valueSerde()) {
            for (String refused : List.of(complete.replace("\"outcome\":\"scored\"", "\"outcome\":0"),
                    complete.replace("\"outcome\":\"scored\"", "\"outcome\":\"0\""),
                    complete.replace("\"spam_score\":1", "\"spam_score\":2"),
                    complete.replace("\"outcome\":\"scored\"", "\"outcome\":\"not_found\""))) {
                assertThat(refused).isNotEqualTo(complete);
                assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, refused)).as(refused).isNotEmpty();
                assertThatThrownBy(() -> serde.deserializer().deserialize(Topics.LOOKUP_RESULTS.name(),
                        refused.getBytes())).as(refused).isNotNull();
            }
        }
    }

    @Test
    void auditEventsAndTriggersMatchTheirSchemas() {
        AuditEvent event = new AuditEvent(UUID.randomUUID().toString(), Instant.now(), "tok_1", "127.0.0.1", "POST",
                "/api/v1/spam_score", "0123", "9c1f".repeat(16), "spring", "hit", 200, null, 12);
        MaintenanceTrigger trigger = MaintenanceTrigger.nightly(UUID.randomUUID().toString(),
                LocalDate.of(2026, 11, 25), Instant.now(), "scheduler");
        assertThat(MessageSchemas.violations(Topics.AUDIT_EVENTS, MessageCodec.encode(event))).isEmpty();
        assertThat(MessageSchemas.violations(Topics.ARCHIVE_TRIGGERS, MessageCodec.encode(trigger))).isEmpty();
        assertThat(roundTrip(Topics.ARCHIVE_TRIGGERS, trigger)).isEqualTo(trigger);
    }

    @Test
    void aResultWithoutAFieldItsConsumersRelyOnCannotBeRead() {
        // Read, it would fail each gateway's results listener on every redelivery and hold up every
        // result after it; unreadable, it goes to the dead-letter topic.
        String complete = MessageCodec.encode(result(Outcome.SCORED, 1, null));
        assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, complete)).isEmpty();
        try (var serde = Topics.LOOKUP_RESULTS.valueSerde()) {
            for (String field : List.of("request_id", "number_hash", "number_ciphertext", "last4", "outcome",
                    "checked_at")) {
                String without = complete.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[0-9]+),?", "");
                assertThat(without).doesNotContain("\"" + field + "\"");
                assertThat(MessageSchemas.violations(Topics.LOOKUP_RESULTS, without)).as(without).isNotEmpty();
                assertThatThrownBy(() -> serde.deserializer().deserialize(Topics.LOOKUP_RESULTS.name(),
                        without.getBytes())).as(without).isNotNull();
            }
        }
    }

    @Test
    void aChangeOrAHealthSnapshotWithoutWhatItsTableNeedsCannotBeRead() {
        ReputationChange change = ReputationChange.between(null, result(Outcome.SCORED, 1, null));
        CampaignHealth health = new CampaignHealth("spring", 3, 1, new TreeMap<>(Map.of(1L, 1)),
                7, Instant.parse("2026-12-07T00:00:00Z"));
        assertThat(MessageSchemas.violations(Topics.REPUTATION_CHANGES, MessageCodec.encode(change))).isEmpty();
        assertThat(MessageSchemas.violations(Topics.CAMPAIGN_HEALTH, MessageCodec.encode(health))).isEmpty();
        String noId = MessageCodec.encode(change).replaceFirst("\"id\":\"[^\"]*\",", "");
        String noCampaign = MessageCodec.encode(health).replaceFirst("\"campaign_id\":\"spring\",", "");
        assertThat(noId).doesNotContain("\"id\"");
        assertThat(noCampaign).doesNotContain("campaign_id");
        try (var changes = Topics.REPUTATION_CHANGES.valueSerde(); var snapshots = Topics.CAMPAIGN_HEALTH.valueSerde()) {
            assertThat(changes.deserializer().deserialize(Topics.REPUTATION_CHANGES.name(),
                    MessageCodec.encode(change).getBytes())).isEqualTo(change);
            assertThatThrownBy(() -> changes.deserializer().deserialize(Topics.REPUTATION_CHANGES.name(),
                    noId.getBytes())).isNotNull();
            assertThatThrownBy(() -> snapshots.deserializer().deserialize(Topics.CAMPAIGN_HEALTH.name(),
                    noCampaign.getBytes())).isNotNull();
        }
    }

    @Test
    void aTriggerTheSchemaRefusesCannotBeReadEither() {
        // Read, it would fail the archiver's job on every redelivery and hold up every trigger after it.
        String noDate = "{\"trigger_id\": \"" + UUID.randomUUID() + "\", \"requested_at\": \"2026-12-06T00:00:00Z\", "
                + "\"requested_by\": \"ops\"}";
        String noUuid = "{\"trigger_id\": \"x\", \"job_date\": \"2026-12-06\", "
                + "\"requested_at\": \"2026-12-06T00:00:00Z\", \"requested_by\": \"ops\", \"job\": \"key_rotation\"}";
        assertThat(MessageSchemas.violations(Topics.ARCHIVE_TRIGGERS, noDate)).isNotEmpty();
        try (var serde = Topics.ARCHIVE_TRIGGERS.valueSerde()) {
            for (String json : List.of(noDate, noUuid)) {
                assertThatThrownBy(() -> serde.deserializer().deserialize(Topics.ARCHIVE_TRIGGERS.name(), json.getBytes()))
                        .as(json).isNotNull();
            }
        }
    }

    @Test
    void aMessageWithAPlaintextNumberInPlaceOfTheHashIsRejected() {
        LookupRequest leaky = new LookupRequest(UUID.randomUUID().toString(), "+12125550123", number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, null, Instant.now(), null);
        assertThat(MessageSchemas.violations(Topics.LOOKUP_REQUESTS, MessageCodec.encode(leaky))).isNotEmpty();
    }

    @Test
    void prewarmEntriesMatchTheirSchemaAndTheSchemaRefusesWhatTheWorkerSkips() {
        LookupRequest recheck = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.RECHECK, null, Instant.now(), null);
        for (String valid : List.of(MessageCodec.encode(new PrewarmEntry.Campaign("+12125550123", "spring")),
                MessageCodec.encode(new PrewarmEntry.Campaign("+12125550123", null)),
                MessageCodec.encode(recheck),
                "{\"client\": \"crm-7\", \"request_id\": \"r1\", \"phone_number\": \"+12125550123\"}")) {
            assertThat(MessageSchemas.violations(Topics.LOOKUP_PREWARM, valid)).as(valid).isEmpty();
        }
        LookupRequest interactive = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.INTERACTIVE, null, Instant.now(), null);
        LookupRequest forACampaign = new LookupRequest(UUID.randomUUID().toString(), number.hash(),
                number.ciphertext(), number.last4(), LookupRequest.Origin.RECHECK, "spring", Instant.now(), null);
        for (String invalid : List.of("{\"campaign_id\": \"spring\"}", "{\"phone_number\": \"(212) 555-0123\"}",
                "{\"phone_number\": 12125550123}", MessageCodec.encode(interactive), MessageCodec.encode(forACampaign))) {
            assertThat(MessageSchemas.violations(Topics.LOOKUP_PREWARM, invalid)).as(invalid).isNotEmpty();
        }
    }

    @Test
    void prewarmEntriesAreToldApartByTheirFields() {
        try (var serde = Topics.LOOKUP_PREWARM.valueSerde()) {
            var in = serde.deserializer();
            assertThat(in.deserialize(Topics.LOOKUP_PREWARM.name(),
                    "{\"phone_number\": \"+12125550123\", \"campaign_id\": \"spring\"}".getBytes()))
                    .isEqualTo(new PrewarmEntry.Campaign("+12125550123", "spring"));
            // No number at all still reads as a campaign entry, which the worker counts as invalid.
            assertThat(in.deserialize(Topics.LOOKUP_PREWARM.name(), "{\"campaign_id\": \"x\"}".getBytes()))
                    .isEqualTo(new PrewarmEntry.Campaign(null, "x"));
            // A tool's own fields that a re-check also has, before the number or after, change nothing.
            for (String entry : List.of(
                    "{\"client\": \"crm-7\", \"request_id\": \"r1\", \"phone_number\": \"+12125550123\", \"campaign_id\": \"spring\"}",
                    "{\"phone_number\": \"+12125550123\", \"origin\": \"tool\", \"campaign_id\": \"spring\"}")) {
                assertThat(in.deserialize(Topics.LOOKUP_PREWARM.name(), entry.getBytes()))
                        .isEqualTo(new PrewarmEntry.Campaign("+12125550123", "spring"));
            }
        }
        LookupRequest recheck = new LookupRequest(UUID.randomUUID().toString(), number.hash(), number.ciphertext(),
                number.last4(), LookupRequest.Origin.RECHECK, null, Instant.now(), null);
        assertThat(roundTrip(Topics.LOOKUP_PREWARM, recheck)).isEqualTo(recheck);
        assertThat(MessageCodec.encode(new PrewarmEntry.Campaign("+12125550123", "spring")))
                .doesNotContain("@type").doesNotContain("@class");
        assertThat(new PrewarmEntry.Campaign("+12125550123", "spring").toString()).doesNotContain("2125550123");
    }

    /** The value as the topic's serde writes and reads it. */
    private static <V> V roundTrip(Topic<String, ? super V> topic, V value) {
        try (var serde = topic.valueSerde()) {
            @SuppressWarnings("unchecked")
            V read = (V) serde.deserializer().deserialize(topic.name(), serde.serializer().serialize(topic.name(), value));
            return read;
        }
    }


    private LookupResult result(Outcome outcome, Integer score, String errorCode) {
        return new LookupResult(UUID.randomUUID().toString(), number.hash(), number.ciphertext(), number.last4(),
                outcome, score, Instant.parse("2026-11-25T06:50:00Z"), errorCode, false, LookupRequest.Origin.PREWARM,
                "spring-campaign");
    }
}
