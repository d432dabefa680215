package dev.spamcheck.schemas.config;

/**
 * A required setting is missing or malformed. The message names the setting in one line and never
 * quotes a secret; services refuse to start with it (see {@link InvalidConfigurationFailureAnalyzer}).
 */
public class InvalidConfigurationException extends IllegalArgumentException {

    public InvalidConfigurationException(String message) {
        super(message);
    }
}
