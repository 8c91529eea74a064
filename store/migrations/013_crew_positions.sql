-- Where the field crews are (issue #18): each crew vehicle's position as a feed reports
-- it (NGSI `Vehicle` entities, or a GPS file). Like the readings tables, no PRIMARY KEY
-- index: the upsert keeps (crew_id, observed_at) unique.
CREATE TABLE crew_positions (
    crew_id      VARCHAR NOT NULL,      -- the Vehicle's id, as [[crews]] names it
    observed_at  TIMESTAMPTZ NOT NULL,
    lon          DOUBLE NOT NULL,
    lat          DOUBLE NOT NULL,
    speed_kmh    DOUBLE,
    heading      DOUBLE,                -- degrees from north, clockwise
    status       VARCHAR,               -- the feed's serviceStatus: onRoute, parked, …
    source       VARCHAR,
    extras       VARCHAR                -- attributes C3 has no column for, as JSON
);
