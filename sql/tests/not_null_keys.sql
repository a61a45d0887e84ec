-- Every model's grain columns are filled.
SELECT 'activity_daily' AS model, count(*) AS rows FROM activity_daily
WHERE date IS NULL OR icb_code IS NULL OR lad_code IS NULL OR service IS NULL OR age_band IS NULL OR sex IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'activity_weekly', count(*) FROM activity_weekly
WHERE week_start IS NULL OR iso_year IS NULL OR iso_week IS NULL OR lad_code IS NULL OR service IS NULL OR age_band IS NULL OR sex IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'activity_monthly', count(*) FROM activity_monthly
WHERE month IS NULL OR lad_code IS NULL OR service IS NULL OR age_band IS NULL OR sex IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'population', count(*) FROM population
WHERE year IS NULL OR lad_code IS NULL OR age_band IS NULL OR sex IS NULL OR population IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'activity_rates', count(*) FROM activity_rates
WHERE year IS NULL OR level IS NULL OR icb_code IS NULL OR lad_code IS NULL OR service IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'duplicate_tests', count(*) FROM duplicate_tests
WHERE month IS NULL OR lad_code IS NULL OR provider IS NULL OR tests IS NULL OR duplicate_tests IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'care_transitions', count(*) FROM care_transitions
WHERE month IS NULL OR lad_code IS NULL OR measure IS NULL OR numerator IS NULL OR denominator IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'data_quality', count(*) FROM data_quality
WHERE feed IS NULL OR lad_code IS NULL OR entity IS NULL OR reason IS NULL OR records IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'series_monthly', count(*) FROM series_monthly
WHERE series_key IS NULL OR month IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'series_weekly', count(*) FROM series_weekly
WHERE series_key IS NULL OR week_start IS NULL OR events IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'series_window', count(*) FROM series_window
WHERE service IS NULL OR first_day IS NULL OR last_day IS NULL
HAVING count(*) > 0
UNION ALL
SELECT 'activity_rates_imd', count(*) FROM activity_rates_imd
WHERE year IS NULL OR level IS NULL OR icb_code IS NULL OR lad_code IS NULL OR service IS NULL
   OR breakdown IS NULL OR imd_group IS NULL OR events IS NULL OR population IS NULL OR denominator IS NULL
HAVING count(*) > 0
