-- Nightly maintenance. A job_runs row per job date records where the job is (phase) and what it
-- did (counts), so a crashed job resumes where it stopped and a date's job runs once.
ALTER TABLE job_runs ADD COLUMN phase text NOT NULL DEFAULT 'recheck';
ALTER TABLE job_runs ADD COLUMN requested_by text;
ALTER TABLE job_runs ADD COLUMN error text;

-- Only interactive requests make a number "requested"; re-checks and prewarm do not, so a
-- number does not keep itself active by being re-checked.
ALTER TABLE phone_reputation ALTER COLUMN last_requested_at DROP NOT NULL;
ALTER TABLE phone_reputation ALTER COLUMN last_requested_at DROP DEFAULT;
CREATE INDEX phone_reputation_recheck ON phone_reputation (last_requested_at)
    WHERE outcome = 'scored' AND spam_score = 0;
CREATE INDEX phone_reputation_checked_at ON phone_reputation (checked_at);
CREATE INDEX audit_log_occurred_at_purge ON audit_log (occurred_at, request_id);
