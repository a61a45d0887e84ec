-- Every series has one row for each period from its first to its last, and
-- no period outside its service's window of whole data (series_window).
SELECT 'series_monthly' AS model, series_key, count(*) AS periods,
       date_diff('month', min(month), max(month)) + 1 AS expected
FROM series_monthly
JOIN series_window w USING (service)
GROUP BY series_key
HAVING count(*) <> date_diff('month', min(month), max(month)) + 1
    OR min(month) < min(w.first_day)
    OR (max(month) + INTERVAL 1 MONTH)::DATE - 1 > max(w.last_day)
UNION ALL
SELECT 'series_weekly', series_key, count(*), date_diff('week', min(week_start), max(week_start)) + 1
FROM series_weekly
JOIN series_window w USING (service)
GROUP BY series_key
HAVING count(*) <> date_diff('week', min(week_start), max(week_start)) + 1
    OR min(week_start) < min(w.first_day)
    OR max(week_start) + 6 > max(w.last_day)
