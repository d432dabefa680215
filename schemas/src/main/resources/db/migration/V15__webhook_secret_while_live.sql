-- Only a deleted subscription may be without its signing secret (V14 erases it on deletion).
ALTER TABLE webhook_subscriptions
    ADD CONSTRAINT webhook_subscriptions_secret_while_live CHECK (secret_ciphertext IS NOT NULL OR deleted_at IS NOT NULL);
