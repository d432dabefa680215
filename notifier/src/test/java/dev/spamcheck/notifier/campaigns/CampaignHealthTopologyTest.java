package dev.spamcheck.notifier.campaigns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyDescription.Processor;
import org.apache.kafka.streams.TopologyDescription.Source;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spamcheck.notifier.StreamsApplications;
import dev.spamcheck.schemas.topic.AuditEvent;
import dev.spamcheck.schemas.topic.CampaignHealth;
import dev.spamcheck.schemas.topic.LookupRequest;
import dev.spamcheck.schemas.topic.LookupResult;
import dev.spamcheck.schemas.topic.LookupResult.Outcome;
import dev.spamcheck.schemas.topic.MessageCodec;
import dev.spamcheck.schemas.topic.Topics;

class CampaignHealthTopologyTest {

    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);
    private static final Instant T1 = Instant.parse("2026-11-26T10:00:00Z");
    private static final Instant T2 = T1.plus(Duration.ofHours(3));

    private TopologyTestDriver driver;
    private TestInputTopic<String, String> results;
    private TestInputTopic<String, String> audit;
    private TestOutputTopic<String, String> health;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        CampaignHealthTopology.define(builder, StreamsApplications.lookupResults(builder));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                dev.spamcheck.schemas.kafka.DeadLetterDeserializationHandler.class);
        driver = new TopologyTestDriver(builder.build(), config, T2.plus(Duration.ofMinutes(1)));
        results = driver.createInputTopic(Topics.LOOKUP_RESULTS.name(), new StringSerializer(), new StringSerializer());
        audit = driver.createInputTopic(Topics.AUDIT_EVENTS.name(), new StringSerializer(), new StringSerializer());
        health = driver.createOutputTopic(Topics.CAMPAIGN_HEALTH.name(), new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void countsACampaignsNumbersTheFlaggedOnesAndTheirChanges() {
        result(A, 0, T1, "spring");
        result(B, 1, T1, "spring");
        // A turns flagged in the nightly re-check, which names no campaign: it is still spring's.
        result(A, 1, T2, null);

        CampaignHealth spring = latest().get("spring");
        assertThat(spring.numbersChecked()).isEqualTo(2);
        assertThat(spring.currentlyFlagged()).isEqualTo(2);
        // B's first answer was flagged (a change), A went from 0 to 1 (a change); A's first clean answer was none.
        assertThat(spring.changesByMinute()).containsExactlyInAnyOrderEntriesOf(
                Map.of(T1.getEpochSecond() / 60, 1, T2.getEpochSecond() / 60, 1));
    }

    @Test
    void aCacheHitNamingAnotherCampaignAddsTheNumberToItOnce() {
        result(B, 1, T1, "spring");
        hit(B, "autumn");
        hit(B, "autumn");
        miss(B, "autumn");

        java.util.List<org.apache.kafka.streams.KeyValue<String, String>> snapshots = health.readKeyValuesToList();
        assertThat(snapshots).filteredOn(kv -> kv.key.equals("autumn")).as("counted once").hasSize(1);
        Map<String, CampaignHealth> latest = new java.util.HashMap<>();
        snapshots.forEach(kv -> latest.put(kv.key, MessageCodec.mapper().readValue(kv.value, CampaignHealth.class)));
        CampaignHealth autumn = latest.get("autumn");
        assertThat(autumn.numbersChecked()).isEqualTo(1);
        assertThat(autumn.currentlyFlagged()).isEqualTo(1);
        assertThat(autumn.changesByMinute()).as("the change happened before the number was autumn's").isEmpty();
        assertThat(latest.get("spring").numbersChecked()).isEqualTo(1);
    }

    @Test
    void aNumberCountsInItsFirstHundredCampaignsOnly() {
        result(B, 1, T1, "campaign-0");
        for (int i = 1; i <= NumberCampaigns.MAX_CAMPAIGNS_PER_NUMBER; i++) {
            hit(B, "campaign-" + i);
        }

        Map<String, CampaignHealth> latest = latest();
        assertThat(latest).hasSize(NumberCampaigns.MAX_CAMPAIGNS_PER_NUMBER)
                .containsKey("campaign-99").doesNotContainKey("campaign-100");
        // Still every one of its campaigns moves with its score.
        result(B, 0, T2, null);
        assertThat(latest().get("campaign-0").currentlyFlagged()).isZero();
    }

    @Test
    void repeatedOlderOrCachedAnswersChangeNothing() {
        result(A, 1, T2, "spring");
        int snapshots = health.readKeyValuesToList().size();
        result(A, 1, T2, "spring");
        result(A, 0, T1, "spring");
        results.pipeInput(A, MessageCodec.encode(new LookupResult(UUID.randomUUID().toString(), A, "v1.k.x", "0123",
                Outcome.SCORED, 1, T2, null, true, LookupRequest.Origin.INTERACTIVE, "spring")));
        assertThat(snapshots).isEqualTo(1);
        assertThat(health.readKeyValuesToList()).isEmpty();
    }

    @Test
    void failuresNotFoundAnswersAndOtherExchangesAreNoChange() {
        results.pipeInput(A, MessageCodec.encode(new LookupResult(UUID.randomUUID().toString(), A, "v1.k.x", "0123",
                Outcome.NOT_FOUND, null, T1, null, false, LookupRequest.Origin.INTERACTIVE, "spring")));
        CampaignHealth spring = latest().get("spring");
        assertThat(spring.numbersChecked()).as("a number answered for the campaign").isEqualTo(1);
        assertThat(spring.currentlyFlagged()).isZero();
        assertThat(spring.changesByMinute()).isEmpty();

        audit.pipeInput(UUID.randomUUID().toString(), MessageCodec.encode(new AuditEvent(UUID.randomUUID().toString(), T1,
                "tok_1", "127.0.0.1", "POST", "/api/v1/spam_score", "0123", B, "winter", "invalid", 400,
                "invalid_phone_number", 3)));
        audit.pipeInput(UUID.randomUUID().toString(), "{not json");
        results.pipeInput(B, "{not json");
        assertThat(latest()).doesNotContainKey("winter");
    }

    @Test
    void aNotFoundAnswerFromTheCacheCountsTheNumberAsOnePaidForDoes() {
        results.pipeInput(A, MessageCodec.encode(new LookupResult(UUID.randomUUID().toString(), A, "v1.k.x", "0123",
                Outcome.NOT_FOUND, null, T1, null, false, LookupRequest.Origin.INTERACTIVE, "spring")));
        // Asked again for another campaign within the TTL: the gateway answers 422 from the cache.
        audit.pipeInput((String) null, MessageCodec.encode(new AuditEvent(UUID.randomUUID().toString(), T2, "tok_1",
                "127.0.0.1", "POST", "/api/v1/spam_score", "0123", A, "autumn", "not_found", 422,
                "phone_number_not_found", 3)));

        Map<String, CampaignHealth> latest = latest();
        assertThat(latest.get("spring").numbersChecked()).isEqualTo(1);
        assertThat(latest.get("autumn").numbersChecked()).isEqualTo(1);
        assertThat(latest.get("autumn").currentlyFlagged()).isZero();
    }

    @Test
    void aPurgedNumberLeavesEveryCampaign() {
        result(B, 1, T1, "spring");
        hit(B, "autumn");
        result(A, 0, T1, "spring");
        results.pipeInput(B, (String) null);

        Map<String, CampaignHealth> latest = latest();
        assertThat(latest.get("spring").numbersChecked()).isEqualTo(1);
        assertThat(latest.get("spring").currentlyFlagged()).isZero();
        // Left with no number and no change: forgotten (campaign ids are the callers' own).
        assertThat(latest).containsEntry("autumn", null);
    }

    @Test
    void changesOlderThanSevenDaysAreDropped() {
        result(B, 1, T1, "spring");
        long firstVersion = latest().get("spring").version();
        driver.advanceWallClockTime(Duration.ofDays(8));
        result(A, 1, T1.plus(Duration.ofDays(8)), "spring");

        CampaignHealth spring = latest().get("spring");
        assertThat(spring.changesByMinute()).containsOnlyKeys(T1.plus(Duration.ofDays(8)).getEpochSecond() / 60);
        assertThat(spring.version()).isGreaterThan(firstVersion);
    }

    @Test
    void aCampaignWhoseLastNumberLeftWhileAChangeWasRecentIsForgottenOnceTheChangeAgesOut() {
        result(B, 1, T1, "spring");
        results.pipeInput(B, (String) null);
        // No number left, but a change within 7 days: still shown, and no delta will ever come again.
        assertThat(latest().get("spring").numbersChecked()).isZero();

        driver.advanceWallClockTime(Duration.ofDays(8));

        assertThat(latest()).containsEntry("spring", null);
    }

    @Test
    void anIdleCampaignsChangesAreDroppedOnceTheyAgeOutThoughNoDeltaComes() {
        result(B, 1, T1, "autumn");
        long firstVersion = latest().get("autumn").version();

        driver.advanceWallClockTime(Duration.ofDays(8));

        CampaignHealth autumn = latest().get("autumn");
        assertThat(autumn.changesByMinute()).isEmpty();
        assertThat(autumn.numbersChecked()).isEqualTo(1);
        assertThat(autumn.currentlyFlagged()).isEqualTo(1);
        assertThat(autumn.version()).isGreaterThan(firstVersion);
        // Once is enough: the next sweeps find nothing to drop.
        driver.advanceWallClockTime(Duration.ofHours(3));
        assertThat(health.readKeyValuesToList()).isEmpty();
    }

    @Test
    void versionsKeepGrowingWhenTheClockIsBehindOrTheStoreStartsOver() {
        Instant now = Instant.parse("2026-11-26T10:00:00Z");
        assertThat(CampaignHealthAggregator.nextVersion(0, now)).isEqualTo(now.toEpochMilli());
        long ahead = now.toEpochMilli() + 60_000;
        assertThat(CampaignHealthAggregator.nextVersion(ahead, now)).isEqualTo(ahead + 1);
    }

    @Test
    void aNumbersResultsAndLookupsReachItsStateThroughOneTopicPartitionedByNumber() {
        StreamsBuilder builder = new StreamsBuilder();
        CampaignHealthTopology.define(builder, StreamsApplications.lookupResults(builder));

        // Read straight from the results topic beside a repartitioned audit topic, a number's results
        // would meet its lookups only while both topics had the same partition count.
        TopologyDescription.Subtopology byNumber = builder.build().describe().subtopologies().stream()
                .filter(subtopology -> subtopology.nodes().stream().anyMatch(node -> node instanceof Processor processor
                        && processor.stores().contains(NumberCampaigns.STORE)))
                .findFirst().orElseThrow();
        assertThat(byNumber.nodes().stream().filter(Source.class::isInstance)
                .flatMap(source -> ((Source) source).topicSet().stream()))
                .containsExactly("campaign-lookups-by-number-repartition");
    }

    private void result(String hash, int score, Instant checkedAt, String campaign) {
        results.pipeInput(hash, MessageCodec.encode(new LookupResult(UUID.randomUUID().toString(), hash, "v1.k.x", "0123",
                Outcome.SCORED, score, checkedAt, null, false,
                campaign == null ? LookupRequest.Origin.RECHECK : LookupRequest.Origin.PREWARM, campaign)));
    }

    private void hit(String hash, String campaign) {
        lookup(hash, campaign, "hit");
    }

    private void miss(String hash, String campaign) {
        lookup(hash, campaign, "miss");
    }

    private void lookup(String hash, String campaign, String outcome) {
        String requestId = UUID.randomUUID().toString();
        // Unkeyed, as the gateway sends them.
        audit.pipeInput((String) null, MessageCodec.encode(new AuditEvent(requestId, T2, "tok_1", "127.0.0.1", "POST",
                "/api/v1/spam_score", "0123", hash, campaign, outcome, 200, null, 3)));
    }

    private Map<String, CampaignHealth> latest() {
        Map<String, CampaignHealth> latest = new java.util.HashMap<>();
        health.readKeyValuesToList().forEach(kv -> latest.put(kv.key,
                kv.value == null ? null : MessageCodec.mapper().readValue(kv.value, CampaignHealth.class)));
        return latest;
    }
}
