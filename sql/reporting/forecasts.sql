-- The chosen model's monthly forecast of every series, with its intervals.
SELECT series_key, level, icb_code, lad_code, service, model, period, step,
       mean, lo80, hi80, lo95, hi95
FROM forecasts
WHERE freq = 'monthly' AND chosen
ORDER BY series_key, period
