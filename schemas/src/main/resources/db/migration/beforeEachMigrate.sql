-- Flyway runs this in each migration's transaction, before the migration (a callback, by its file
-- name). A migration that alters a table waits for every transaction using it, and every query on
-- the table queues behind that wait: a long nightly batch or admin query would stall the whole
-- system until it ended. Bounded here: the migration gives up after 2 s, well within the gateway's
-- 5 s database timeout, its service does not start, and it is tried again when the service is
-- restarted (docs/deploying.md, "Migrations and locks"). LOCAL: only the migration's own
-- statements; Flyway's own lock, which services starting together take turns on, was taken before.
SET LOCAL lock_timeout = '2s';
