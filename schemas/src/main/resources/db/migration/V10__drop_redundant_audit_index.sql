-- audit_log_occurred_at_purge (occurred_at, request_id) serves every query the single-column index
-- served (the admin audit query's range on occurred_at, the nightly purge), and each of the
-- archiver's inserts, one per gateway request, paid for both.
DROP INDEX IF EXISTS audit_log_occurred_at;
