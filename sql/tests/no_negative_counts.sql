-- Counts and populations are never negative.
SELECT 'activity_daily' AS model, count(*) AS rows FROM activity_daily WHERE events < 0 HAVING count(*) > 0
UNION ALL SELECT 'activity_weekly', count(*) FROM activity_weekly WHERE events < 0 HAVING count(*) > 0
UNION ALL SELECT 'activity_monthly', count(*) FROM activity_monthly WHERE events < 0 HAVING count(*) > 0
UNION ALL SELECT 'population', count(*) FROM population WHERE population < 0 HAVING count(*) > 0
UNION ALL SELECT 'activity_rates', count(*) FROM activity_rates WHERE events < 0 OR population < 0 HAVING count(*) > 0
UNION ALL SELECT 'duplicate_tests', count(*) FROM duplicate_tests WHERE tests < 0 OR duplicate_tests < 0 HAVING count(*) > 0
UNION ALL SELECT 'care_transitions', count(*) FROM care_transitions WHERE numerator < 0 OR denominator < 0 HAVING count(*) > 0
UNION ALL SELECT 'data_quality', count(*) FROM data_quality WHERE records < 0 HAVING count(*) > 0
UNION ALL SELECT 'series_monthly', count(*) FROM series_monthly WHERE events < 0 HAVING count(*) > 0
UNION ALL SELECT 'series_weekly', count(*) FROM series_weekly WHERE events < 0 HAVING count(*) > 0
UNION ALL SELECT 'activity_rates_imd', count(*) FROM activity_rates_imd WHERE events < 0 OR population < 0 HAVING count(*) > 0
