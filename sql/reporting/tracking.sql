-- Forecast tracking: how earlier runs' chosen monthly forecasts compare with
-- the months that have since been observed (earlier_forecasts is a view over
-- the earlier runs' models/forecasts.parquet). Place and STP series only.
SELECT f.run_id, f.series_key, f.level, f.stp_code, f.lad_code, f.service,
       count(*) AS months,
       sum(s.events)::BIGINT AS actual,
       sum(f.mean) AS forecast,
       avg(abs(f.mean - s.events) / nullif(s.events, 0)) AS mape,
       avg(CASE WHEN s.events BETWEEN f.lo80 AND f.hi80 THEN 1.0 ELSE 0.0 END) AS coverage80
FROM earlier_forecasts AS f
JOIN series_monthly AS s ON s.series_key = f.series_key AND s.month = f.period
WHERE f.freq = 'monthly' AND f.chosen
GROUP BY ALL
ORDER BY f.run_id, f.series_key
