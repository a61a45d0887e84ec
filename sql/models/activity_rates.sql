-- Crude and directly age-standardised rates per 1,000 residents by calendar
-- year, area and service. Areas: the region (level 'region', icb_code and
-- lad_code 'all'), each ICB (level 'icb', lad_code 'all') and each place
-- (level 'place', icb_code the ICB holding most of the place). Standard:
-- the 2013 European Standard Population (ref_esp2013, sql/ref/esp2013.sql).
-- Crude rates count every event; the DSR uses events of known age band
-- (unknown-age events have no population to divide by).
-- 95% limits by Dobson's method (Dobson et al., Stat Med 1991;10:457-62)
-- with Byar's approximation to the Poisson limits of the event count, as in
-- the Public Health England technical guide "Confidence intervals" (2018).
-- A DSR from zero events has lower limit 0 and no upper limit here.
-- Denominators: the population model (the run's own region).
WITH events AS (
    SELECT year(month)::INTEGER AS year, icb_code, lad_code, service, age_band, sum(events) AS events
    FROM activity_monthly
    GROUP BY ALL
),
strata AS (
    SELECT 'place' AS level, e.year, p.icb_code, e.lad_code, e.service, e.age_band, sum(e.events) AS events
    FROM events e
    JOIN ref_places p USING (lad_code)
    GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', service, age_band, sum(events)
    FROM events
    WHERE icb_code IN (SELECT icb_code FROM ref_icbs)
    GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', service, age_band, sum(events)
    FROM events
    WHERE lad_code IN (SELECT lad_code FROM ref_places)
    GROUP BY ALL
),
pop AS (
    SELECT 'place' AS level, n.year, p.icb_code, n.lad_code, n.age_band, sum(n.population) AS population
    FROM population n
    JOIN ref_places p ON p.lad_code = n.lad_code
    GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', age_band, sum(population)
    FROM population
    GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', age_band, sum(population)
    FROM population
    GROUP BY ALL
),
pop_total AS (
    SELECT level, year, icb_code, lad_code, sum(population) AS population
    FROM pop
    GROUP BY ALL
),
banded AS (
    SELECT s.level, s.year, s.icb_code, s.lad_code, s.service, s.events, p.population, w.weight
    FROM strata s
    LEFT JOIN pop p USING (level, year, icb_code, lad_code, age_band)
    LEFT JOIN ref_esp2013 w USING (age_band)
),
summed AS (
    SELECT level, year, icb_code, lad_code, service,
           sum(events) AS events,
           coalesce(sum(events) FILTER (WHERE weight IS NOT NULL AND population > 0), 0) AS o,
           coalesce(sum(weight * events / population) FILTER (WHERE weight IS NOT NULL AND population > 0), 0)
               / (SELECT sum(weight) FROM ref_esp2013) AS dsr,
           coalesce(sum(weight * weight * events / (population * population)) FILTER (WHERE weight IS NOT NULL AND population > 0), 0)
               / pow((SELECT sum(weight) FROM ref_esp2013), 2) AS dsr_var
    FROM banded
    GROUP BY ALL
),
limits AS (
    SELECT *,
           o * pow(1 - 1 / (9 * o) - 1.959963984540054 / (3 * sqrt(o)), 3) AS o_lo,
           (o + 1) * pow(1 - 1 / (9 * (o + 1)) + 1.959963984540054 / (3 * sqrt(o + 1)), 3) AS o_hi
    FROM summed
)
SELECT l.year, l.level, l.icb_code, l.lad_code, l.service,
       l.events::BIGINT AS events,
       t.population,
       1000 * l.events / t.population AS crude_rate_per_1000,
       1000 * l.dsr AS dsr_per_1000,
       CASE WHEN l.o > 0 THEN 1000 * (l.dsr + sqrt(l.dsr_var / l.o) * (l.o_lo - l.o)) ELSE 0 END AS dsr_lo95,
       CASE WHEN l.o > 0 THEN 1000 * (l.dsr + sqrt(l.dsr_var / l.o) * (l.o_hi - l.o)) END AS dsr_hi95
FROM limits l
JOIN pop_total t USING (level, year, icb_code, lad_code)
ORDER BY l.level, l.icb_code, l.lad_code, l.service, l.year
