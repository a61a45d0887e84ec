-- Events per day by place, service, age band and sex. Zero-filled: every
-- combination of place, service, age band and sex that occurs at least once
-- gets a row for every day from the first to the last event date, so each
-- series is complete. (The full cross product of observed values would
-- multiply rows by combinations that never occur, e.g. 0-4 social care.)
-- Rows are left unsorted: sorting ~5 million rows doubled the time to build
-- all models on 10 million events (BenchmarkBuildModels10M).
WITH bounds AS (
    SELECT min(event_date) AS lo, max(event_date) AS hi FROM activity
),
days AS (
    SELECT unnest(generate_series(lo, hi, INTERVAL 1 DAY))::DATE AS date
    FROM bounds
),
combos AS (
    SELECT DISTINCT stp_code, lad_code, service, age_band, sex FROM activity
),
counts AS (
    SELECT event_date AS date, lad_code, service, age_band, sex, count(*) AS events
    FROM activity
    GROUP BY ALL
)
SELECT d.date, c.stp_code, c.lad_code, c.service, c.age_band, c.sex,
       coalesce(n.events, 0)::BIGINT AS events
FROM days d
CROSS JOIN combos c
LEFT JOIN counts n
    ON n.date = d.date AND n.lad_code = c.lad_code AND n.service = c.service
   AND n.age_band = c.age_band AND n.sex = c.sex
