-- Activity rates by deprivation (activity_rates_imd) for the latest
-- calendar year whose twelve months are all in the series, as the rates
-- table of the report: every area, service and group.
WITH complete AS (
    SELECT year(month) AS year
    FROM (SELECT DISTINCT month FROM series_monthly)
    GROUP BY 1
    HAVING count(*) = 12
)
SELECT year, level, icb_code, lad_code, service, breakdown, imd_group, events, population, denominator,
       dsr_per_1000, dsr_lo95, dsr_hi95, sii_per_1000, sii_lo95, sii_hi95, rii, rii_lo95, rii_hi95,
       core20_gap_per_1000, core20_gap_lo95, core20_gap_hi95
FROM activity_rates_imd
WHERE year = (SELECT max(year) FROM complete)
ORDER BY level, icb_code, lad_code, service, breakdown DESC, imd_group
