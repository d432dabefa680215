-- The notifiers' claim reads pending deliveries per subscription (V11's indexes); nothing reads
-- them by due time alone any more, and every delivery written paid for this index.
DROP INDEX IF EXISTS webhook_deliveries_due;
