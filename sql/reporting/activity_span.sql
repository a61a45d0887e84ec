-- What activity holds: events, events of people whose place is known, and
-- the first and last event dates (for the report's notice).
SELECT count(*)::BIGINT AS events, (count(*) FILTER (WHERE lad_code <> 'unknown'))::BIGINT AS placed,
       min(event_date)::TIMESTAMP AS first, max(event_date)::TIMESTAMP AS last
FROM activity
