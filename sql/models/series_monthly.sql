-- Complete monthly series for forecasting: per place and service
-- (place/<lad>/<service>, icb_code the ICB holding most of the place) and
-- per ICB and service (icb/<icb>/<service>, lad_code 'all'). Zero-filled;
-- only whole months are kept: a month that starts before or ends after the
-- service's window of whole data (series_window: the feeds' first and last
-- days, and the business date) is partial, and would enter the models and
-- the seasonal profile as a dip. Unknown places and ICBs are not forecast.
WITH series AS (
    SELECT 'place/' || m.lad_code || '/' || m.service AS series_key, 'place' AS level,
           p.icb_code, m.lad_code, m.service, m.month, sum(m.events) AS events
    FROM activity_monthly m
    JOIN ref_places p USING (lad_code)
    GROUP BY ALL
    UNION ALL
    SELECT 'icb/' || icb_code || '/' || service, 'icb', icb_code, 'all', service, month, sum(events)
    FROM activity_monthly
    WHERE icb_code IN (SELECT icb_code FROM ref_icbs)
    GROUP BY ALL
)
SELECT series_key, level, icb_code, lad_code, service, month, events::BIGINT AS events
FROM series
JOIN series_window w USING (service)
WHERE month >= w.first_day AND (month + INTERVAL 1 MONTH)::DATE - 1 <= w.last_day
ORDER BY series_key, month
