package dev.spamcheck.gateway.lookup;

import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;

import tools.jackson.databind.json.JsonMapper;

/**
 * Maps {@link SpamScoreHandler#PATH}, exactly as written (no trailing slash, case-sensitive, as
 * every route), before the annotated controllers, which declare nothing there.
 */
@Configuration(proxyBeanMethods = false)
class SpamScoreRoute {

    // Declared as what it is: the audit's path reduction (AuditPaths) finds the path-mapped routes
    // by type before this bean exists.
    @Bean
    SimpleUrlHandlerMapping spamScoreMapping(ValidNumbers numbers, LookupService lookups, JsonMapper json) {
        return new SimpleUrlHandlerMapping(Map.of(SpamScoreHandler.PATH, new SpamScoreHandler(numbers, lookups, json)),
                Ordered.HIGHEST_PRECEDENCE);
    }
}
