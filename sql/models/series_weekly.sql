-- Complete weekly (ISO, Monday start) series for forecasting, as
-- series_monthly: only weeks wholly inside the service's window of whole
-- data (series_window) are kept.
WITH series AS (
    SELECT 'place/' || lad_code || '/' || service AS series_key, 'place' AS level,
           stp_code, lad_code, service, week_start, sum(events) AS events
    FROM activity_weekly
    WHERE lad_code <> 'unknown'
    GROUP BY ALL
    UNION ALL
    SELECT 'stp/' || stp_code || '/' || service, 'stp', stp_code, 'all', service, week_start, sum(events)
    FROM activity_weekly
    WHERE stp_code <> 'unknown'
    GROUP BY ALL
)
SELECT series_key, level, stp_code, lad_code, service, week_start, events::BIGINT AS events
FROM series
JOIN series_window w USING (service)
WHERE week_start >= w.first_day AND week_start + 6 <= w.last_day
ORDER BY series_key, week_start
