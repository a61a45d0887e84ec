-- Monthly activity of each place and service by age band and sex — the
-- history of the demographic forecast. Same months and places as
-- series_monthly; groups without a population (unknown age band or sex)
-- are left out, as the population model has none to multiply.
SELECT 'place/' || lad_code || '/' || service AS series_key, age_band, sex, month AS period,
       sum(events)::BIGINT AS events
FROM activity_monthly
WHERE lad_code <> 'unknown'
  AND age_band <> 'unknown'
  AND sex IN ('male', 'female')
  AND month + INTERVAL 1 MONTH <= (SELECT max(month) + INTERVAL 1 MONTH FROM series_monthly)
GROUP BY ALL
ORDER BY series_key, age_band, sex, period
