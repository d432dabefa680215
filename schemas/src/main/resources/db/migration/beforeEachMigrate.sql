-- Flyway runs this in each migration's transaction, before the migration (a callback, by its file
-- name). A migration that alters a table waits for every transaction using it, and every query on
-- the table queues behind that wait: a long nightly batch or admin query would stall the whole
-- system until it ended. Bounded here: the migration gives up after 5 s (the gateway's database
-- timeout), its service does not start, and the deploy is retried (docs/deploying.md, "Migrations
-- and locks"). LOCAL: only the migration's own statements, never Flyway's lock, which services
-- starting together wait on, taken before its transaction begins.
SET LOCAL lock_timeout = '5s';
