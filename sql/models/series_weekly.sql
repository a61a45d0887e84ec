-- Complete weekly (ISO, Monday start) series for forecasting, as
-- series_monthly: only weeks wholly inside the service's window of whole
-- data (series_window) are kept.
WITH series AS (
    SELECT 'place/' || w.lad_code || '/' || w.service AS series_key, 'place' AS level,
           p.icb_code, w.lad_code, w.service, w.week_start, sum(w.events) AS events
    FROM activity_weekly w
    JOIN ref_places p USING (lad_code)
    GROUP BY ALL
    UNION ALL
    SELECT 'icb/' || icb_code || '/' || service, 'icb', icb_code, 'all', service, week_start, sum(events)
    FROM activity_weekly
    WHERE icb_code IN (SELECT icb_code FROM ref_icbs)
    GROUP BY ALL
)
SELECT series_key, level, icb_code, lad_code, service, week_start, events::BIGINT AS events
FROM series
JOIN series_window w USING (service)
WHERE week_start >= w.first_day AND week_start + 6 <= w.last_day
ORDER BY series_key, week_start
