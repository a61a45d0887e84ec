-- Every series has one row for each period from its first to its last, and
-- no period that the business date has not finished.
SELECT 'series_monthly' AS model, series_key, count(*) AS periods,
       date_diff('month', min(month), max(month)) + 1 AS expected
FROM series_monthly
GROUP BY series_key
HAVING count(*) <> date_diff('month', min(month), max(month)) + 1
    OR max(month) + INTERVAL 1 MONTH > (SELECT business_date + 1 FROM run_params)
UNION ALL
SELECT 'series_weekly', series_key, count(*), date_diff('week', min(week_start), max(week_start)) + 1
FROM series_weekly
GROUP BY series_key
HAVING count(*) <> date_diff('week', min(week_start), max(week_start)) + 1
    OR max(week_start) + 6 > (SELECT business_date FROM run_params)
