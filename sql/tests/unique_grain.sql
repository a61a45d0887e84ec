-- Each model has one row per grain (docs/data.md, "Models").
SELECT 'activity_daily' AS model, concat_ws('/', date, lad_code, service, age_band, sex) AS grain, count(*) AS rows
FROM activity_daily GROUP BY date, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_weekly', concat_ws('/', week_start, lad_code, service, age_band, sex), count(*)
FROM activity_weekly GROUP BY week_start, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_monthly', concat_ws('/', month, lad_code, service, age_band, sex), count(*)
FROM activity_monthly GROUP BY month, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'population', concat_ws('/', year, lad_code, age_band, sex), count(*)
FROM population GROUP BY year, lad_code, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_rates', concat_ws('/', year, level, stp_code, lad_code, service), count(*)
FROM activity_rates GROUP BY year, level, stp_code, lad_code, service HAVING count(*) > 1
UNION ALL
SELECT 'duplicate_tests', concat_ws('/', month, lad_code, provider), count(*)
FROM duplicate_tests GROUP BY month, lad_code, provider HAVING count(*) > 1
UNION ALL
SELECT 'care_transitions', concat_ws('/', month, lad_code, measure), count(*)
FROM care_transitions GROUP BY month, lad_code, measure HAVING count(*) > 1
UNION ALL
SELECT 'data_quality', concat_ws('/', feed, lad_code, entity, reason), count(*)
FROM data_quality GROUP BY feed, lad_code, entity, reason HAVING count(*) > 1
UNION ALL
SELECT 'series_monthly', concat_ws('/', series_key, month), count(*)
FROM series_monthly GROUP BY series_key, month HAVING count(*) > 1
UNION ALL
SELECT 'series_weekly', concat_ws('/', series_key, week_start), count(*)
FROM series_weekly GROUP BY series_key, week_start HAVING count(*) > 1
