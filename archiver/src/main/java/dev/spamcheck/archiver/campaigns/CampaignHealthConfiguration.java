package dev.spamcheck.archiver.campaigns;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.spamcheck.schemas.topic.MessageCodec;

/** Runs the campaign-health topology in the archiver's Streams application ({@code ResultsStream}). */
@Configuration(proxyBeanMethods = false)
class CampaignHealthConfiguration {

    @Bean
    KStream<String, String> campaignHealth(StreamsBuilder builder,
            @Qualifier("lookupResults") KStream<String, String> lookupResults, MessageCodec codec) {
        return CampaignHealthTopology.define(builder, lookupResults, codec);
    }
}
