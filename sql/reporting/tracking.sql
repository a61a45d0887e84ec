-- Forecast tracking: earlier runs' chosen monthly forecasts beside the months
-- that have since been observed (earlier_forecasts is a view over the earlier
-- runs' models/forecasts.parquet), one row a month. Place and ICB series only.
-- The report scores them against the counts as published — suppressed and
-- rounded — so that no error or coverage can be solved for a hidden count.
SELECT f.run_id, f.series_key, f.level, f.icb_code, f.lad_code, f.service,
       s.events, f.mean, f.lo80, f.hi80
FROM earlier_forecasts AS f
JOIN series_monthly AS s ON s.series_key = f.series_key AND s.month = f.period
WHERE f.freq = 'monthly' AND f.chosen
ORDER BY f.run_id, f.series_key, f.period
