-- activity_rates_imd's rates agree with its counts and denominators: the
-- crude rate is events / population per 1,000, each rate lies within its
-- 95 % interval, the population is the area's (its groups add up to the
-- population model's), and the inequality indices lie within theirs.
WITH pop AS (
    SELECT 'place' AS level, n.year, p.icb_code, n.lad_code, sum(n.population) AS population
    FROM population n JOIN ref_places p ON p.lad_code = n.lad_code GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', sum(population) FROM population GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', sum(population) FROM population GROUP BY ALL
),
groups AS (
    SELECT level, year, icb_code, lad_code, service, breakdown, any_value(denominator) AS denominator,
           sum(population) AS population
    FROM activity_rates_imd
    GROUP BY ALL
)
SELECT concat_ws('/', year, level, icb_code, lad_code, service, breakdown, imd_group) AS grain, 'crude rate' AS problem
FROM activity_rates_imd
WHERE (population > 0) <> (crude_rate_per_1000 IS NOT NULL)
   OR abs(crude_rate_per_1000 - 1000 * events / population) > 1e-9 * greatest(1, crude_rate_per_1000)
UNION ALL
SELECT concat_ws('/', year, level, icb_code, lad_code, service, breakdown, imd_group), 'rate outside its interval'
FROM activity_rates_imd
WHERE crude_lo95 > crude_rate_per_1000 + 1e-12 OR crude_hi95 < crude_rate_per_1000 - 1e-12
   OR dsr_lo95 > dsr_per_1000 + 1e-12 OR dsr_hi95 < dsr_per_1000 - 1e-12
   OR (dsr_hi95 IS NULL AND events > 0 AND dsr_per_1000 > 0)
UNION ALL
SELECT concat_ws('/', year, level, icb_code, lad_code, service), 'index outside its interval'
FROM activity_rates_imd
WHERE sii_lo95 > sii_per_1000 + 1e-12 OR sii_hi95 < sii_per_1000 - 1e-12
   OR rii_lo95 > rii + 1e-12 OR rii_hi95 < rii - 1e-12
   OR core20_gap_lo95 > core20_gap_per_1000 + 1e-12 OR core20_gap_hi95 < core20_gap_per_1000 - 1e-12
UNION ALL
SELECT concat_ws('/', g.year, g.level, g.icb_code, g.lad_code, g.service, g.breakdown), 'groups do not add up to the population'
FROM groups g
JOIN pop p USING (level, year, icb_code, lad_code)
WHERE g.denominator = 'ons_lsoa_mid2020' AND abs(g.population - p.population) > 1e-6 * p.population
