-- Resident population by year, place, the ICB its part of the place lies
-- in, five-year age band and sex: a place split between ICBs (e.g. North
-- Yorkshire) has a row for each part; sum over icb_code for the place.
--
-- Source: ONS mid-2011 and mid-2020 population estimates by local authority
-- district and single year of age (internal/refdata/data/SOURCES.md), for
-- the run's region, loaded by the runner as ref_population (year, icb_code,
-- lad_code, age, sex, population); in the embedded demo scaled by its
-- scale (run_params.population_scale), so that its rates are comparable
-- with real ones.
--
-- Method: constant geometric growth by place part, age band and sex. Each
-- stratum's annual growth factor is (P2020 / P2011)^(1/9); years 2012-2019
-- are interpolated and years after 2020 up to the business year plus the
-- horizon are projected as P2020 * factor^(year - 2020). This is a trend
-- projection, not cohort-component: it carries each band's last-decade
-- change (ageing, migration, mortality together) forward unchanged.
-- Only 2011 and 2020 are estimates (projected = false).
WITH banded AS (
    SELECT year, icb_code, lad_code, sex, age_band_of(age) AS age_band, sum(population) AS population
    FROM ref_population
    GROUP BY ALL
),
growth AS (
    SELECT b20.icb_code, b20.lad_code, b20.age_band, b20.sex, b20.population AS p2020,
           CASE WHEN b11.population > 0 THEN pow(b20.population / b11.population, 1.0 / 9) ELSE 1 END AS factor
    FROM banded b20
    LEFT JOIN banded b11
        ON b11.year = 2011 AND b11.icb_code = b20.icb_code AND b11.lad_code = b20.lad_code
       AND b11.age_band = b20.age_band AND b11.sex = b20.sex
    WHERE b20.year = 2020
),
years AS (
    SELECT unnest(range(2011, greatest(2020, year(business_date) + horizon_years) + 1))::INTEGER AS year
    FROM run_params
)
SELECT y.year, g.icb_code, g.lad_code, p.lad_name, g.age_band, g.sex,
       CASE WHEN y.year = 2011 THEN coalesce(b11.population, 0)
            ELSE g.p2020 * pow(g.factor, y.year - 2020)
       END AS population,
       y.year NOT IN (2011, 2020) AS projected
FROM growth g
CROSS JOIN years y
JOIN ref_places p ON p.lad_code = g.lad_code
LEFT JOIN banded b11
    ON b11.year = 2011 AND b11.icb_code = g.icb_code AND b11.lad_code = g.lad_code
   AND b11.age_band = g.age_band AND b11.sex = g.sex
ORDER BY g.lad_code, g.icb_code, y.year, g.age_band, g.sex
