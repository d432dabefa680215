-- Several sources per check (Twilio Marketplace add-ons): the combined risk, 0 to 100, where any
-- source grades, and each source's verdict as the lookup result carries it
-- (schemas/lookup-result.schema.json, $defs.source). Both stay NULL on rows written before, and
-- on not_found.
ALTER TABLE phone_reputation
    ADD COLUMN risk    smallint CHECK (risk BETWEEN 0 AND 100),
    ADD COLUMN sources jsonb;
ALTER TABLE lookup_results
    ADD COLUMN risk    smallint CHECK (risk BETWEEN 0 AND 100),
    ADD COLUMN sources jsonb;
ALTER TABLE lookup_history
    ADD COLUMN risk    smallint,
    ADD COLUMN sources jsonb;
