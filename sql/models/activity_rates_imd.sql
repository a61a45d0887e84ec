-- Activity rates by deprivation: per calendar year, area (region, ICB,
-- place, as in activity_rates) and service, crude and directly
-- age-standardised rates per 1,000 by national IMD quintile, and for
-- Core20 (the most deprived 20 % of England's LSOAs: IMD deciles 1-2)
-- against the rest, with 95 % confidence intervals; and for the area the
-- slope and relative indices of inequality and the Core20 gap.
--
-- Deprivation: each event's LSOA (2021) of residence takes its national
-- decile of the English Indices of Deprivation 2025 (MHCLG; ref_areas);
-- quintile = (decile + 1) // 2, 1 the most deprived. Rows: breakdown
-- 'quintile' (imd_group '1'..'5') and 'core20' (imd_group 'core20' or
-- 'other'); each breakdown's events add up to the area's events.
--
-- Denominators (column denominator, the same on every row of the run):
--   ons_lsoa_mid2020    where every LSOA of the region has an embedded ONS
--                       mid-2020 LSOA estimate (the Yorkshire & Humber STPs
--                       of 2020): the LSOAs' estimates by age band, carried
--                       to each year by the growth of their place part in
--                       the population model (population / its 2020 value,
--                       by age band), so they add up to the population model;
--   registered_persons  otherwise: the run's persons (everyone registered
--                       with the partnership's feeds) alive on 30 June of
--                       the year and born by then, by the LSOA and age band
--                       they had then; persons of unknown age are left out.
--                       Ages at 30 June of the year are worked back from
--                       persons.age (at 30 June of the business date's year,
--                       or of the year of death): exact, but for people
--                       top-coded at 90, who count as 90+ in every year
--                       (some were 85-89 then), and babies born after 30
--                       June (counted from their year of birth).
--
-- Rates: crude = events / population * 1,000, with 95 % limits from
-- Byar's approximation to the Poisson limits of the events; DSR by the 2013
-- European Standard Population over events of known age band, with
-- Dobson's 95 % limits, exactly as activity_rates.
--
-- Slope index of inequality (sii_per_1000): the quintiles with population
-- are ranked from the most deprived; each sits at the midpoint of its
-- share of the area's population on a 0-1 scale (its ridit), and a linear
-- regression of the quintiles' DSRs on that position, weighted by their
-- population shares, gives a slope; SII = -slope, the modelled gap in DSR
-- between the most and the least deprived ends of the area (positive: more
-- activity where people are more deprived). SII is linear in the
-- quintiles' DSRs, so its variance is the sum of their variances times the
-- squared regression weights; limits SII ± 1.96 SE (quintiles independent,
-- weights fixed). Relative index of inequality: RII = SII / the
-- population-weighted mean of the quintiles' DSRs, limits by the delta
-- method. Both need two or more quintiles with population; null otherwise.
-- Core20 gap: DSR(core20) - DSR(other), limits ± 1.96 sqrt(var + var).
WITH params AS (
    SELECT year(business_date)::INTEGER AS business_year,
           CASE WHEN (SELECT count(*) FROM ref_lsoa_population) > 0
                THEN 'ons_lsoa_mid2020' ELSE 'registered_persons' END AS denominator
    FROM run_params
),
areas AS (
    SELECT lsoa21, icb_code, lad_code, imd_decile, (imd_decile + 1) // 2 AS imd_quintile
    FROM ref_areas
),
ev AS (
    SELECT year(a.event_date)::INTEGER AS year, r.icb_code, r.lad_code, a.service, a.age_band,
           r.imd_quintile, r.imd_decile <= 2 AS core20, count(*) AS events
    FROM activity a
    JOIN areas r ON r.lsoa21 = a.lsoa21
    GROUP BY ALL
),
years AS (
    SELECT DISTINCT year FROM ev
),
growth AS (
    SELECT n.year, n.icb_code, n.lad_code, n.age_band, sum(n.population) / nullif(sum(b.population), 0) AS factor
    FROM population n
    JOIN population b
        ON b.year = 2020 AND b.icb_code = n.icb_code AND b.lad_code = n.lad_code
       AND b.age_band = n.age_band AND b.sex = n.sex
    WHERE n.year IN (SELECT year FROM years)
    GROUP BY ALL
),
ons AS (
    SELECT g.year, r.icb_code, r.lad_code, r.imd_quintile, r.imd_decile <= 2 AS core20, l.age_band,
           sum(l.population * coalesce(g.factor, 1)) AS population
    FROM ref_lsoa_population l
    JOIN areas r USING (lsoa21)
    JOIN growth g ON g.icb_code = r.icb_code AND g.lad_code = r.lad_code AND g.age_band = l.age_band
    WHERE (SELECT denominator FROM params) = 'ons_lsoa_mid2020'
    GROUP BY ALL
),
midyear AS (
    SELECT y.year, r.icb_code, r.lad_code, r.imd_quintile, r.imd_decile <= 2 AS core20,
           -- 90 stands for 90 and over: a person's age in an earlier year is
           -- unknown but at least 90 less the years back, and 90+ is where
           -- the events of the very old are (their ages are exact, at 30
           -- June of the event's year). Worked back, they left 90+ with
           -- events and hardly anyone to divide them by.
           CASE WHEN p.age >= 90 THEN 90
                ELSE p.age - (coalesce(year(p.death_month), (SELECT business_year FROM params)) - y.year) END AS age
    FROM persons p
    JOIN areas r ON r.lsoa21 = p.lsoa21
    CROSS JOIN years y
    WHERE (SELECT denominator FROM params) = 'registered_persons'
      AND p.age >= 0
      AND (p.death_month IS NULL OR p.death_month > make_date(y.year, 6, 1))
),
registered AS (
    SELECT year, icb_code, lad_code, imd_quintile, core20, age_band_of(age) AS age_band, count(*)::DOUBLE AS population
    FROM midyear
    WHERE age >= 0
    GROUP BY ALL
),
den AS (
    SELECT * FROM ons
    UNION ALL
    SELECT * FROM registered
),
-- Both breakdowns as groups.
ev_g AS (
    SELECT year, icb_code, lad_code, service, age_band, 'quintile' AS breakdown, imd_quintile::VARCHAR AS imd_group, events FROM ev
    UNION ALL
    SELECT year, icb_code, lad_code, service, age_band, 'core20', CASE WHEN core20 THEN 'core20' ELSE 'other' END, events FROM ev
),
den_g AS (
    SELECT year, icb_code, lad_code, age_band, 'quintile' AS breakdown, imd_quintile::VARCHAR AS imd_group, population FROM den
    UNION ALL
    SELECT year, icb_code, lad_code, age_band, 'core20', CASE WHEN core20 THEN 'core20' ELSE 'other' END, population FROM den
),
-- Each area: places (with the ICB holding most of them), ICBs, the region.
ev_a AS (
    SELECT 'place' AS level, e.year, p.icb_code, e.lad_code, e.service, e.age_band, e.breakdown, e.imd_group, sum(e.events) AS events
    FROM ev_g e JOIN ref_places p USING (lad_code)
    GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', service, age_band, breakdown, imd_group, sum(events) FROM ev_g GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', service, age_band, breakdown, imd_group, sum(events) FROM ev_g GROUP BY ALL
),
den_a AS (
    SELECT 'place' AS level, d.year, p.icb_code, d.lad_code, d.age_band, d.breakdown, d.imd_group, sum(d.population) AS population
    FROM den_g d JOIN ref_places p USING (lad_code)
    GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', age_band, breakdown, imd_group, sum(population) FROM den_g GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', age_band, breakdown, imd_group, sum(population) FROM den_g GROUP BY ALL
),
-- Every group with population or events, for every service of the area:
-- a group without events has a row of zero events.
grid AS (
    SELECT s.level, s.year, s.icb_code, s.lad_code, s.service, d.age_band, d.breakdown, d.imd_group, d.population
    FROM (SELECT DISTINCT level, year, icb_code, lad_code, service FROM ev_a) s
    JOIN den_a d USING (level, year, icb_code, lad_code)
),
cells AS (
    SELECT level, year, icb_code, lad_code, service, age_band, breakdown, imd_group,
           coalesce(g.population, 0) AS population, coalesce(e.events, 0) AS events
    FROM grid g
    FULL JOIN ev_a e USING (level, year, icb_code, lad_code, service, age_band, breakdown, imd_group)
),
summed AS (
    SELECT c.level, c.year, c.icb_code, c.lad_code, c.service, c.breakdown, c.imd_group,
           sum(c.events) AS events,
           sum(c.population) AS population,
           coalesce(sum(c.events) FILTER (WHERE w.weight IS NOT NULL AND c.population > 0), 0) AS o,
           coalesce(sum(w.weight * c.events / c.population) FILTER (WHERE w.weight IS NOT NULL AND c.population > 0), 0)
               / (SELECT sum(weight) FROM ref_esp2013) AS dsr,
           coalesce(sum(w.weight * w.weight * c.events / (c.population * c.population)) FILTER (WHERE w.weight IS NOT NULL AND c.population > 0), 0)
               / pow((SELECT sum(weight) FROM ref_esp2013), 2) AS dsr_var
    FROM cells c
    LEFT JOIN ref_esp2013 w USING (age_band)
    GROUP BY ALL
),
limits AS (
    SELECT *,
           events * pow(1 - 1 / (9 * events) - 1.959963984540054 / (3 * sqrt(events)), 3) AS e_lo,
           (events + 1) * pow(1 - 1 / (9 * (events + 1)) + 1.959963984540054 / (3 * sqrt(events + 1)), 3) AS e_hi,
           o * pow(1 - 1 / (9 * o) - 1.959963984540054 / (3 * sqrt(o)), 3) AS o_lo,
           (o + 1) * pow(1 - 1 / (9 * (o + 1)) + 1.959963984540054 / (3 * sqrt(o + 1)), 3) AS o_hi
    FROM summed
),
rates AS (
    SELECT level, year, icb_code, lad_code, service, breakdown, imd_group, events, population, dsr, dsr_var,
           CASE WHEN population > 0 THEN 1000 * events / population END AS crude_rate_per_1000,
           CASE WHEN population > 0 THEN CASE WHEN events > 0 THEN 1000 * e_lo / population ELSE 0 END END AS crude_lo95,
           CASE WHEN population > 0 THEN 1000 * e_hi / population END AS crude_hi95,
           CASE WHEN population > 0 THEN 1000 * dsr END AS dsr_per_1000,
           CASE WHEN population > 0 THEN CASE WHEN o > 0 THEN 1000 * (dsr + sqrt(dsr_var / o) * (o_lo - o)) ELSE 0 END END AS dsr_lo95,
           CASE WHEN population > 0 AND o > 0 THEN 1000 * (dsr + sqrt(dsr_var / o) * (o_hi - o)) END AS dsr_hi95
    FROM limits
),
-- Slope and relative indices of inequality, over the quintiles with population.
ridits AS (
    SELECT *,
           population / sum(population) OVER area AS w,
           (coalesce(sum(population) OVER (area ORDER BY imd_group ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
            + population / 2) / sum(population) OVER area AS x
    FROM rates
    WHERE breakdown = 'quintile' AND population > 0
    WINDOW area AS (PARTITION BY level, year, icb_code, lad_code, service)
),
centred AS (
    SELECT *, x - sum(w * x) OVER area AS dx
    FROM ridits
    WINDOW area AS (PARTITION BY level, year, icb_code, lad_code, service)
),
coefficients AS (
    -- c: the weight of each quintile's DSR in SII = sum(c * dsr)
    SELECT *, -w * dx / nullif(sum(w * dx * dx) OVER area, 0) AS c
    FROM centred
    WINDOW area AS (PARTITION BY level, year, icb_code, lad_code, service)
),
indices AS (
    SELECT level, year, icb_code, lad_code, service,
           1000 * sum(c * dsr) AS sii,
           1e6 * sum(c * c * dsr_var) AS sii_var,
           1000 * sum(w * dsr) AS mean_dsr,
           1e6 * sum(w * w * dsr_var) AS mean_var,
           1e6 * sum(c * w * dsr_var) AS cov
    FROM coefficients
    GROUP BY ALL
    HAVING count(*) >= 2 AND count(c) = count(*)
),
inequality AS (
    SELECT *,
           CASE WHEN mean_dsr > 0 THEN sii / mean_dsr END AS rii,
           CASE WHEN mean_dsr > 0 THEN sqrt(greatest(0,
                sii_var / pow(mean_dsr, 2) + pow(sii, 2) * mean_var / pow(mean_dsr, 4) - 2 * sii * cov / pow(mean_dsr, 3)))
           END AS rii_se
    FROM indices
),
core20 AS (
    SELECT c.level, c.year, c.icb_code, c.lad_code, c.service,
           c.dsr_per_1000 - o.dsr_per_1000 AS gap,
           1000 * sqrt(c.dsr_var + o.dsr_var) AS gap_se
    FROM rates c
    JOIN rates o USING (level, year, icb_code, lad_code, service, breakdown)
    WHERE c.breakdown = 'core20' AND c.imd_group = 'core20' AND o.imd_group = 'other'
)
SELECT r.year, r.level, r.icb_code, r.lad_code, r.service, r.breakdown, r.imd_group,
       r.events::BIGINT AS events, r.population, p.denominator,
       r.crude_rate_per_1000, r.crude_lo95, r.crude_hi95,
       r.dsr_per_1000, r.dsr_lo95, r.dsr_hi95,
       i.sii AS sii_per_1000,
       i.sii - 1.959963984540054 * sqrt(i.sii_var) AS sii_lo95,
       i.sii + 1.959963984540054 * sqrt(i.sii_var) AS sii_hi95,
       i.rii,
       i.rii - 1.959963984540054 * i.rii_se AS rii_lo95,
       i.rii + 1.959963984540054 * i.rii_se AS rii_hi95,
       g.gap AS core20_gap_per_1000,
       g.gap - 1.959963984540054 * g.gap_se AS core20_gap_lo95,
       g.gap + 1.959963984540054 * g.gap_se AS core20_gap_hi95
FROM rates r
CROSS JOIN params p
LEFT JOIN inequality i USING (level, year, icb_code, lad_code, service)
LEFT JOIN core20 g USING (level, year, icb_code, lad_code, service)
ORDER BY r.level, r.icb_code, r.lad_code, r.service, r.year, r.breakdown DESC, r.imd_group
