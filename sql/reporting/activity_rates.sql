-- Activity per 1,000 residents, crude and directly standardised, for the
-- latest calendar year whose twelve months are all in the series.
WITH complete AS (
    SELECT max(year(month)) AS year
    FROM (SELECT DISTINCT month FROM series_monthly)
    GROUP BY year(month)
    HAVING count(*) = 12
)
SELECT year, level, stp_code, lad_code, service, events, population,
       crude_rate_per_1000, dsr_per_1000, dsr_lo95, dsr_hi95
FROM activity_rates
WHERE year = (SELECT max(year) FROM complete)
ORDER BY level DESC, stp_code, lad_code, service
