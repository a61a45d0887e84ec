-- The demographic planning baseline of every monthly place series over the
-- next 12 months: activity rates by age band and sex times the projected
-- population (a modelled figure, exempt from disclosure control).
SELECT series_key, sum(mean) AS baseline
FROM forecasts
WHERE freq = 'monthly' AND model = 'demographic' AND step <= 12
GROUP BY series_key
ORDER BY series_key
