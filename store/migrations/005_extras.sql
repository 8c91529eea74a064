-- Schema drift (issue #7): attributes a feed sends that C3's model has no column for are
-- kept per record as a JSON object, not dropped, and named in the run's warnings.
ALTER TABLE service_requests ADD COLUMN extras VARCHAR;
ALTER TABLE waste_readings ADD COLUMN extras VARCHAR;
ALTER TABLE traffic_readings ADD COLUMN extras VARCHAR;
