-- What an admin request acted on: the id of the token, webhook or job it created, changed or
-- removed. Nullable and without a default, so adding it rewrites nothing.
ALTER TABLE audit_log ADD COLUMN target text;
