-- Retention (issue #17): readings older than retention.raw_days are rolled up into
-- 15-minute and hourly aggregates (kept retention.rollup_days) and then deleted, in one
-- transaction, so a bucket is either raw or rolled up, never both. A reading that arrives
-- late for a bucket already rolled up is merged into it at the next pass. Like the
-- readings, the rollups carry no PRIMARY KEY index (an ART index over millions of buckets
-- doubled the file): the pass's MERGE on (feature, grain, bucket) keeps them unique.
CREATE TABLE waste_rollups (
    container_id     VARCHAR NOT NULL,
    grain_minutes    INTEGER NOT NULL,     -- 15 or 60
    bucket           TIMESTAMPTZ NOT NULL, -- the bucket's start (UTC)
    readings         INTEGER NOT NULL,
    fill_avg         DOUBLE,               -- 0-1
    fill_min         DOUBLE,
    fill_max         DOUBLE,
    fill_last        DOUBLE,               -- the bucket's newest reading
    last_at          TIMESTAMPTZ NOT NULL, -- when that was
    temperature_avg  DOUBLE,
    status_last      VARCHAR
);

CREATE TABLE traffic_rollups (
    segment_id        VARCHAR NOT NULL,
    grain_minutes     INTEGER NOT NULL,
    bucket            TIMESTAMPTZ NOT NULL,
    readings          INTEGER NOT NULL,
    speed_avg         DOUBLE,              -- km/h
    travel_time_avg   DOUBLE,              -- s
    congestion_avg    DOUBLE,              -- observed / free-flow travel time
    congestion_max    DOUBLE,
    congested_share   DOUBLE,              -- 0-1 of the readings flagged congested
    last_at           TIMESTAMPTZ NOT NULL
);

-- What screens and reports read over a time range: the raw readings, and before them the
-- 15-minute rollups, one row per bucket at its start (the bucket's mean)
CREATE VIEW waste_history AS
    SELECT container_id, observed_at, fill_level, temperature_c, status
    FROM waste_readings
    UNION ALL
    SELECT container_id, bucket, fill_avg, temperature_avg, status_last
    FROM waste_rollups WHERE grain_minutes = 15;

CREATE VIEW traffic_history AS
    SELECT segment_id, observed_at, speed_kmh, travel_time_s, congestion_ratio, congested
    FROM traffic_readings
    UNION ALL
    SELECT segment_id, bucket, speed_avg, travel_time_avg, congestion_avg,
           congested_share >= 0.5
    FROM traffic_rollups WHERE grain_minutes = 15;
