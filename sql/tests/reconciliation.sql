-- Daily, weekly and monthly totals equal the number of events in activity,
-- and the place series add up to the monthly events of the services and
-- months they cover.
WITH expected AS (SELECT count(*) AS events FROM activity),
totals AS (
    SELECT 'activity_daily' AS model, sum(events) AS events FROM activity_daily
    UNION ALL SELECT 'activity_weekly', sum(events) FROM activity_weekly
    UNION ALL SELECT 'activity_monthly', sum(events) FROM activity_monthly
)
SELECT t.model, coalesce(t.events, 0) AS model_events, e.events AS activity_events
FROM totals t, expected e
WHERE coalesce(t.events, 0) <> e.events
UNION ALL
SELECT 'series_monthly/' || s.level, s.events, m.events
FROM (SELECT level, sum(events) AS events FROM series_monthly GROUP BY level) s,
     (SELECT sum(events) AS events FROM activity_monthly a
      WHERE lad_code <> 'unknown'
        AND EXISTS (SELECT 1 FROM series_monthly x WHERE x.service = a.service AND x.month = a.month)) m
WHERE s.level = 'place' AND coalesce(s.events, 0) <> coalesce(m.events, 0)
