package dev.spamcheck.worker.prewarm;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
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
            var partitions = admin.describeTopics(java.util.List.of(Topics.LOOKUP_PREWARM.name())).allTopicNames()
                    .get(5, TimeUnit.SECONDS).get(Topics.LOOKUP_PREWARM.name()).partitions().stream()
                    .map(p -> new TopicPartition(Topics.LOOKUP_PREWARM.name(), p.partition()))
                    .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(partitions).all()
                    .get(5, TimeUnit.SECONDS);
            long lag = 0;
            for (var end : ends.entrySet()) {
                OffsetAndMetadata done = committed.get(end.getKey());
                lag += end.getValue().offset() - (done == null ? 0 : done.offset());
            }
            backlog.set(lag);
        }
        catch (Exception ex) {
            log.debug("Could not measure the prewarm backlog: {}", ex.toString());
        }
    }

    @Override
    public void destroy() {
        admin.close();
    }
}
