package dev.spamcheck.notifier.campaigns;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import dev.spamcheck.notifier.StreamsApplications;
import dev.spamcheck.schemas.topic.CampaignHealth;

/**
 * Runs the campaign-health topology as the Streams application {@value #APPLICATION_ID}: its
 * own offsets mean that where it is new, it reads the compacted results from the start and so
 * knows every number's score, not only those answered after it arrived.
 */
@Configuration(proxyBeanMethods = false)
class CampaignHealthConfiguration {

    static final String APPLICATION_ID = "spamcheck-campaign-health";

    @Bean
    StreamsBuilderFactoryBean campaignHealthStreams(
            @Qualifier(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME) KafkaStreamsConfiguration defaults) {
        return StreamsApplications.another(defaults, APPLICATION_ID);
    }

    @Bean
    KStream<String, CampaignHealth> campaignHealth(@Qualifier("campaignHealthStreams") StreamsBuilder builder) {
        return CampaignHealthTopology.define(builder, StreamsApplications.lookupResults(builder));
    }
}
