-- Each campaign's number health, as the archiver's stream processor last computed it (topic
-- spamcheck.campaign.health). Changes are kept by minute for 7 days, so the gateway counts the
-- last 24 hours and 7 days at the time it is asked.
CREATE TABLE campaign_health (
    campaign_id        text        PRIMARY KEY,
    numbers_checked    bigint      NOT NULL,
    currently_flagged  bigint      NOT NULL,
    changes_by_minute  jsonb       NOT NULL,
    version            bigint      NOT NULL,
    updated_at         timestamptz NOT NULL
);
