-- Complete monthly series for forecasting: per place and service
-- (place/<lad>/<service>) and per STP and service (stp/<stp>/<service>,
-- lad_code 'all'). Zero-filled from the first month of data; a month not
-- finished by the business date is left out. Unknown places and STPs are
-- not forecast.
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
WHERE month + INTERVAL 1 MONTH <= (SELECT business_date + 1 FROM run_params)
ORDER BY series_key, month
