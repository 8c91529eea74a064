-- The week's outcomes (issue 19), as the worker computes them once a day for the wall:
-- one row per week, the 7 days to a local midnight (`week_end`), kept by MERGE INTO on
-- week_end. The weekly report computes the same figures with their rows; these are the
-- totals a tile shows.
CREATE TABLE week_outcomes (
    week_end           TIMESTAMPTZ NOT NULL,
    computed_at        TIMESTAMPTZ NOT NULL,
    days               INTEGER NOT NULL,    -- days planned (7)
    rounds             INTEGER NOT NULL,    -- zone rounds planned in those days
    fixed_start        VARCHAR NOT NULL,    -- [outcomes] fixed_start, HH:MM local
    recommended_min    DOUBLE NOT NULL,     -- truck minutes driving, recommended windows
    fixed_min          DOUBLE NOT NULL,     -- ... and at the fixed start
    recommended_km     DOUBLE NOT NULL,
    fixed_km           DOUBLE NOT NULL,
    co2_kg_per_km      DOUBLE NOT NULL,
    overflowed         INTEGER NOT NULL,    -- containers read at 100 % in the week
    overflowed_before  INTEGER NOT NULL,    -- ... in the week before
    resolved           INTEGER,             -- requests closed in the week
    median_h           DOUBLE,              -- their median hours to resolve
    median_h_before    DOUBLE,              -- ... in the 4 weeks before
    on_time            DOUBLE,              -- share closed within their service level
    on_time_before     DOUBLE
);
