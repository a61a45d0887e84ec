-- activity_rates_imd reconciles with activity: in every area, year and
-- service, the events of the IMD quintiles, and of Core20 and the rest, add
-- up to the area's events counted straight from activity (events of people
-- with a known place; the region is every place, an ICB its LSOAs).
WITH act AS (
    SELECT year(event_date)::INTEGER AS year, icb_code, lad_code, service, count(*) AS events
    FROM activity
    WHERE lad_code IN (SELECT lad_code FROM ref_places)
    GROUP BY ALL
),
expected AS (
    SELECT 'place' AS level, a.year, p.icb_code, a.lad_code, a.service, sum(a.events) AS events
    FROM act a JOIN ref_places p USING (lad_code) GROUP BY ALL
    UNION ALL
    SELECT 'icb', year, icb_code, 'all', service, sum(events) FROM act GROUP BY ALL
    UNION ALL
    SELECT 'region', year, 'all', 'all', service, sum(events) FROM act GROUP BY ALL
),
breakdowns(breakdown) AS (VALUES ('quintile'), ('core20')),
have AS (
    SELECT level, year, icb_code, lad_code, service, breakdown, sum(events) AS events
    FROM activity_rates_imd
    GROUP BY ALL
)
SELECT level, year, icb_code, lad_code, service, breakdown,
       coalesce(h.events, 0) AS imd_events, coalesce(e.events, 0) AS activity_events
FROM (SELECT * FROM expected CROSS JOIN breakdowns) e
FULL JOIN have h USING (level, year, icb_code, lad_code, service, breakdown)
WHERE coalesce(h.events, 0) <> coalesce(e.events, 0)
