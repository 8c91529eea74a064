-- Grains with their own retention (issue 17): a feature's 15-minute buckets are rolled up
-- into hourly ones after retention.rollup_15min_days, hourly into daily after
-- retention.rollup_hourly_days, so a moment is held at one grain only; the history views
-- read every grain (the finest still kept for each moment). Each zone's hours are kept
-- for years beside them: what a year's KPIs read.
CREATE TABLE zone_rollups (
    domain       VARCHAR NOT NULL,     -- waste or traffic
    zone_id      VARCHAR NOT NULL,     -- '' for features outside every zone
    kind         VARCHAR NOT NULL,     -- waste type or road class ('' unknown)
    bucket       TIMESTAMPTZ NOT NULL, -- the hour's start (UTC)
    readings     BIGINT NOT NULL,
    features     INTEGER NOT NULL,     -- containers or segments that sent a reading
    value_avg    DOUBLE,               -- mean fill 0-1, or mean congestion ratio
    value_max    DOUBLE,
    high_share   DOUBLE                -- 0-1: readings over 80 % full, or congested
);

-- Until now every reading was rolled into both a 15-minute and an hourly bucket: the
-- hourly copies go (the 15-minute ones become hourly when their days are over).
DELETE FROM waste_rollups WHERE grain_minutes = 60;
DELETE FROM traffic_rollups WHERE grain_minutes = 60;

DROP VIEW waste_history;
CREATE VIEW waste_history AS
    SELECT container_id, observed_at, fill_level, temperature_c, status
    FROM waste_readings
    UNION ALL
    SELECT container_id, bucket, fill_avg, temperature_avg, status_last
    FROM waste_rollups;

DROP VIEW traffic_history;
CREATE VIEW traffic_history AS
    SELECT segment_id, observed_at, speed_kmh, travel_time_s, congestion_ratio, congested
    FROM traffic_readings
    UNION ALL
    SELECT segment_id, bucket, speed_avg, travel_time_avg, congestion_avg,
           congested_share >= 0.5
    FROM traffic_rollups;
