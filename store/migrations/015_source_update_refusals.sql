-- Telling the source (issue #18): an update the source refuses as wrong (an unknown
-- request, a status it does not take: a 4xx answer other than a time-out or a rate
-- limit) will never be taken, however often it is sent. It is given up, with the
-- source's reason, and no longer holds the request's later updates back; /feeds shows it.
ALTER TABLE source_updates ADD COLUMN given_up_at TIMESTAMPTZ;
