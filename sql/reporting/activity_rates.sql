-- Activity per 1,000 residents, crude and directly standardised, for the
-- latest calendar year whose twelve months are all in the series. The
-- crude rate is computed by the report from the published (rounded) events.
WITH complete AS (
    SELECT year(month) AS year
    FROM (SELECT DISTINCT month FROM series_monthly)
    GROUP BY 1
    HAVING count(*) = 12
)
SELECT year, level, icb_code, lad_code, service, events, population,
       dsr_per_1000, dsr_lo95, dsr_hi95
FROM activity_rates
WHERE year = (SELECT max(year) FROM complete)
ORDER BY level DESC, icb_code, lad_code, service
