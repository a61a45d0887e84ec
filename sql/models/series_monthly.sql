-- Complete monthly series for forecasting: per place and service
-- (place/<lad>/<service>) and per STP and service (stp/<stp>/<service>,
-- lad_code 'all'). Zero-filled; only whole months are kept: a month that
-- starts before or ends after the service's window of whole data
-- (series_window: the feeds' first and last days, and the business date) is
-- partial, and would enter the models and the seasonal profile as a dip.
-- Unknown places and STPs are not forecast.
WITH series AS (
    SELECT 'place/' || lad_code || '/' || service AS series_key, 'place' AS level,
           stp_code, lad_code, service, month, sum(events) AS events
    FROM activity_monthly
    WHERE lad_code <> 'unknown'
    GROUP BY ALL
    UNION ALL
    SELECT 'stp/' || stp_code || '/' || service, 'stp', stp_code, 'all', service, month, sum(events)
    FROM activity_monthly
    WHERE stp_code <> 'unknown'
    GROUP BY ALL
)
SELECT series_key, level, stp_code, lad_code, service, month, events::BIGINT AS events
FROM series
JOIN series_window w USING (service)
WHERE month >= w.first_day AND (month + INTERVAL 1 MONTH)::DATE - 1 <= w.last_day
ORDER BY series_key, month
