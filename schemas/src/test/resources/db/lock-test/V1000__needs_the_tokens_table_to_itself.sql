-- MigrationLocksTest: a migration that needs an exclusive lock, as adding a column does.
ALTER TABLE api_tokens ADD COLUMN lock_test integer;
