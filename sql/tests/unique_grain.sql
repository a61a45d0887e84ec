-- Each model has one row per grain (docs/data.md, "Models").
--
-- The daily and weekly models have millions of grains; hashing them all
-- took seconds. Instead each (ICB, place, service, age band, sex) series must
-- have as many rows as distinct days, counted as the set bits of a bitmap
-- of days since 1990-01-01 (40,177 bits to 2099). Dates outside that range
-- are checked grain by grain.
SELECT 'activity_daily' AS model, concat_ws('/', icb_code, lad_code, service, age_band, sex) AS grain,
       count(*) - bit_count(bitstring_agg((date - DATE '1990-01-01')::INTEGER, 0, 40176)) AS rows
FROM activity_daily
WHERE date BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
GROUP BY icb_code, lad_code, service, age_band, sex
HAVING count(*) <> bit_count(bitstring_agg((date - DATE '1990-01-01')::INTEGER, 0, 40176))
UNION ALL
SELECT 'activity_daily', concat_ws('/', date, icb_code, lad_code, service, age_band, sex), count(*)
FROM activity_daily
WHERE date NOT BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
GROUP BY date, icb_code, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_weekly', concat_ws('/', icb_code, lad_code, service, age_band, sex),
       count(*) - bit_count(bitstring_agg(((week_start - DATE '1990-01-01') // 7)::INTEGER, 0, 5739))
FROM activity_weekly
WHERE week_start BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
GROUP BY icb_code, lad_code, service, age_band, sex
HAVING count(*) <> bit_count(bitstring_agg(((week_start - DATE '1990-01-01') // 7)::INTEGER, 0, 5739))
UNION ALL
SELECT 'activity_weekly', concat_ws('/', week_start, icb_code, lad_code, service, age_band, sex), count(*)
FROM activity_weekly
WHERE week_start NOT BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
GROUP BY week_start, icb_code, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_monthly', concat_ws('/', month, icb_code, lad_code, service, age_band, sex), count(*)
FROM activity_monthly GROUP BY month, icb_code, lad_code, service, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'population', concat_ws('/', year, icb_code, lad_code, age_band, sex), count(*)
FROM population GROUP BY year, icb_code, lad_code, age_band, sex HAVING count(*) > 1
UNION ALL
SELECT 'activity_rates', concat_ws('/', year, level, icb_code, lad_code, service), count(*)
FROM activity_rates GROUP BY year, level, icb_code, lad_code, service HAVING count(*) > 1
UNION ALL
SELECT 'duplicate_tests', concat_ws('/', month, icb_code, lad_code, provider), count(*)
FROM duplicate_tests GROUP BY month, icb_code, lad_code, provider HAVING count(*) > 1
UNION ALL
SELECT 'care_transitions', concat_ws('/', month, icb_code, lad_code, measure), count(*)
FROM care_transitions GROUP BY month, icb_code, lad_code, measure HAVING count(*) > 1
UNION ALL
SELECT 'data_quality', concat_ws('/', feed, lad_code, entity, reason), count(*)
FROM data_quality GROUP BY feed, lad_code, entity, reason HAVING count(*) > 1
UNION ALL
SELECT 'series_monthly', concat_ws('/', series_key, month), count(*)
FROM series_monthly GROUP BY series_key, month HAVING count(*) > 1
UNION ALL
SELECT 'series_weekly', concat_ws('/', series_key, week_start), count(*)
FROM series_weekly GROUP BY series_key, week_start HAVING count(*) > 1
UNION ALL
SELECT 'series_window', service, count(*)
FROM series_window GROUP BY service HAVING count(*) > 1
UNION ALL
SELECT 'activity_rates_imd', concat_ws('/', year, level, icb_code, lad_code, service, breakdown, imd_group), count(*)
FROM activity_rates_imd GROUP BY year, level, icb_code, lad_code, service, breakdown, imd_group HAVING count(*) > 1
