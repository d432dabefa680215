package dev.spamcheck.worker.prewarm;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.spamcheck.schemas.topic.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The prewarm entries not yet handled, as gauge {@code spamcheck.prewarm.backlog}. */
@Component
class PrewarmBacklog implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(PrewarmBacklog.class);

    private final Admin admin;
    private final AtomicLong backlog = new AtomicLong();

    PrewarmBacklog(KafkaAdmin kafkaAdmin, MeterRegistry meters) {
        this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        Gauge.builder("spamcheck.prewarm.backlog", backlog, AtomicLong::get)
                .description("Prewarm entries on the topic not yet handled").register(meters);
    }

    @Scheduled(fixedDelay = 5, timeUnit = TimeUnit.SECONDS)
    void measure() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("spamcheck-prewarm")
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.LOOKUP_PREWARM.name()))
                    .allTopicNames().get(5, TimeUnit.SECONDS).get(Topics.LOOKUP_PREWARM.name()).partitions().stream()
                    .map(p -> new TopicPartition(Topics.LOOKUP_PREWARM.name(), p.partition())).toList();
            backlog.set(backlog(offsets(partitions, OffsetSpec.earliest()), offsets(partitions, OffsetSpec.latest()),
                    committed));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (Exception ex) {
            log.debug("Could not measure the prewarm backlog: {}", ex.toString());
        }
    }

    /**
     * The entries from where the group goes on in each partition to its end. A partition the group
     * has not committed in yet (or whose commit retention has passed) starts at its earliest entry,
     * where the consumer starts ({@code auto-offset-reset: earliest}), not at offset 0.
     */
    static long backlog(Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest,
            Map<TopicPartition, OffsetAndMetadata> committed) {
        long lag = 0;
        for (Map.Entry<TopicPartition, Long> end : latest.entrySet()) {
            long start = earliest.getOrDefault(end.getKey(), 0L);
            OffsetAndMetadata done = committed.get(end.getKey());
            lag += Math.max(0, end.getValue() - Math.max(start, done == null ? start : done.offset()));
        }
        return lag;
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        return admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> spec))).all()
                .get(5, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, offset -> offset.getValue().offset()));
    }

    @Override
    public void destroy() {
        admin.close();
    }
}
