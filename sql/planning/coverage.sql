-- The first and last event dates of a calendar year of activity (the
-- parameter): a baseline year must start in January.
SELECT min(event_date), max(event_date), count(*)
FROM activity
WHERE year = ?
