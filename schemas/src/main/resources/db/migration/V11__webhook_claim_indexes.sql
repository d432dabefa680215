-- A notifier claims due deliveries every second: at most a few per subscription, oldest due first.
-- These let it read just those few per subscription, and the ones leased right now, instead of
-- sorting every pending delivery (a receiver that is down for a day keeps its whole backlog
-- pending). A delivery's lease is cleared when its attempt is recorded, so few rows have one.
CREATE INDEX webhook_deliveries_due_by_subscription ON webhook_deliveries (subscription_id, next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (subscription_id, lease_until)
    WHERE status = 'pending' AND lease_until IS NOT NULL;
