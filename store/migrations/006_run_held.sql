-- Quarantine counts that mean something (issue #15): a record a run rejects that the
-- quarantine already holds, unchanged, is counted as unchanged, not quarantined again.
-- `held` says how many of a run's unchanged records were such repeats, so the share of a
-- run's records that were rejected (new or held) still shows a degraded feed.
ALTER TABLE ingest_runs ADD COLUMN held BIGINT DEFAULT 0;
