-- Events per day by place, service, age band and sex. Zero-filled: every
-- combination of place, service, age band and sex that occurs at least once
-- gets a row for every day from the first to the last event date, so each
-- series is complete. (The full cross product of observed values would
-- multiply rows by combinations that never occur, e.g. 0-4 social care.)
-- Speed: activity is counted once, each observed combination is numbered,
-- and the grid (combination × day offset) meets the counts on two integers
-- rather than five strings. Rows are left unsorted: sorting millions of
-- rows doubled the time to build all models (BenchmarkBuildModels10M).
WITH counts AS (
    SELECT event_date, icb_code, lad_code, service, age_band, sex, count(*) AS events
    FROM activity
    GROUP BY ALL
),
bounds AS (
    SELECT min(event_date) AS lo, max(event_date) AS hi FROM counts
),
combos AS (
    SELECT row_number() OVER () AS combo, *
    FROM (SELECT DISTINCT icb_code, lad_code, service, age_band, sex FROM counts)
),
observed AS (
    SELECT c.combo, (n.event_date - b.lo)::INTEGER AS day, n.events
    FROM counts n
    JOIN combos c USING (icb_code, lad_code, service, age_band, sex)
    CROSS JOIN bounds b
),
grid AS (
    SELECT c.combo, d.day
    FROM combos c
    CROSS JOIN (SELECT unnest(range(0, hi - lo + 1))::INTEGER AS day FROM bounds) d
)
SELECT (b.lo + g.day)::DATE AS date, c.icb_code, c.lad_code, c.service, c.age_band, c.sex,
       coalesce(o.events, 0)::BIGINT AS events
FROM grid g
CROSS JOIN bounds b
JOIN combos c USING (combo)
LEFT JOIN observed o USING (combo, day)
