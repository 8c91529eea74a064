-- C3 schema v1 (DESIGN §3). Times are UTC TIMESTAMPTZ.
-- Readings tables carry no PRIMARY KEY index: their natural keys are enforced by
-- store.upsert (anti-join + update), which loads ~5x faster than an ART index.

CREATE TABLE zones (
    zone_id      VARCHAR PRIMARY KEY,
    name         VARCHAR,
    kind         VARCHAR,          -- h3 | district
    department   VARCHAR,
    geom         GEOMETRY
);

CREATE TABLE road_segments (
    segment_id    VARCHAR PRIMARY KEY,
    osm_way_id    BIGINT,
    name          VARCHAR,
    road_class    VARCHAR,
    length_m      DOUBLE,
    freeflow_kmh  DOUBLE,
    oneway        BOOLEAN,
    from_node     BIGINT,
    to_node       BIGINT,
    zone_id       VARCHAR,
    geom          GEOMETRY
);

CREATE TABLE traffic_readings (
    segment_id        VARCHAR NOT NULL,
    observed_at       TIMESTAMPTZ NOT NULL,
    speed_kmh         DOUBLE,
    travel_time_s     DOUBLE,
    congestion_ratio  DOUBLE,          -- observed / free-flow travel time (1 = free flow)
    congested         BOOLEAN,
    intensity         DOUBLE,          -- vehicles in the period
    occupancy         DOUBLE,          -- 0-1
    source            VARCHAR
);

CREATE TABLE waste_containers (
    container_id  VARCHAR PRIMARY KEY,
    zone_id       VARCHAR,
    waste_type    VARCHAR,
    capacity_l    DOUBLE,
    address       VARCHAR,
    lon           DOUBLE,
    lat           DOUBLE,
    geom          GEOMETRY
);

CREATE TABLE waste_readings (
    container_id  VARCHAR NOT NULL,
    observed_at   TIMESTAMPTZ NOT NULL,
    fill_level    DOUBLE,              -- 0-1
    temperature_c DOUBLE,
    status        VARCHAR,
    source        VARCHAR
);

CREATE TABLE waste_collections (
    container_id  VARCHAR NOT NULL,
    collected_at  TIMESTAMPTZ NOT NULL,
    vehicle_id    VARCHAR
);

CREATE TABLE service_requests (
    source              VARCHAR NOT NULL,
    request_id          VARCHAR NOT NULL,
    status              VARCHAR,
    status_notes        VARCHAR,
    service_code        VARCHAR,
    service_name        VARCHAR,
    description         VARCHAR,
    agency_responsible  VARCHAR,
    requested_at        TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ,
    expected_at         TIMESTAMPTZ,
    address             VARCHAR,
    zipcode             VARCHAR,
    lon                 DOUBLE,
    lat                 DOUBLE,
    media_url           VARCHAR,
    zone_id             VARCHAR,
    PRIMARY KEY (source, request_id)
);

CREATE TABLE service_request_events (
    source      VARCHAR NOT NULL,
    request_id  VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, request_id, status, changed_at)
);

CREATE SEQUENCE ingest_run_ids;
CREATE TABLE ingest_runs (
    run_id        BIGINT PRIMARY KEY DEFAULT nextval('ingest_run_ids'),
    connector     VARCHAR NOT NULL,
    domain        VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    window_start  TIMESTAMPTZ,
    window_end    TIMESTAMPTZ,
    fetched       BIGINT DEFAULT 0,
    inserted      BIGINT DEFAULT 0,
    updated       BIGINT DEFAULT 0,
    unchanged     BIGINT DEFAULT 0,
    quarantined   BIGINT DEFAULT 0,
    status        VARCHAR NOT NULL,    -- ok | failed
    error         VARCHAR,
    warnings      VARCHAR
);

CREATE SEQUENCE quarantine_seq;
CREATE TABLE quarantine (
    connector    VARCHAR NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    seq          BIGINT NOT NULL DEFAULT nextval('quarantine_seq'),
    run_id       BIGINT,
    reason       VARCHAR NOT NULL,
    raw          VARCHAR NOT NULL,
    seen_count   INTEGER NOT NULL DEFAULT 1,   -- the same record rejected again, run after run
    last_seen_at TIMESTAMPTZ,
    PRIMARY KEY (connector, received_at, seq)
);

CREATE TABLE connector_state (
    connector   VARCHAR PRIMARY KEY,
    watermark   TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ
);

-- Identity of this database: caches shared through Redis key on it, so a recreated
-- file (whose data versions start again at 1) never reads another file's entries.
CREATE TABLE store_meta (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR NOT NULL
);
INSERT INTO store_meta VALUES ('store_id', uuid()::VARCHAR);

CREATE TABLE data_versions (
    domain      VARCHAR PRIMARY KEY,   -- city | waste | traffic | complaints
    version     BIGINT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
