-- A deleted subscription is kept (who made it, where it sent, whether with full numbers, and who
-- deleted it) for as long as the audit trail that names it, then purged by the nightly job. Its
-- signing secret goes at once: nothing is signed for it any more.
ALTER TABLE webhook_subscriptions
    ADD COLUMN deleted_at timestamptz,
    ADD COLUMN deleted_by text,
    ALTER COLUMN secret_ciphertext DROP NOT NULL;
CREATE INDEX webhook_subscriptions_deleted ON webhook_subscriptions (deleted_at) WHERE deleted_at IS NOT NULL;
