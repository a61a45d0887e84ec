-- Complete weekly (ISO, Monday start) series for forecasting, as
-- series_monthly: a week not finished by the business date is left out.
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
WHERE week_start + 6 <= (SELECT business_date FROM run_params)
ORDER BY series_key, week_start
