-- Events per calendar month by place, service, age band and sex, zero-filled
-- like activity_daily: every combination that occurs at least once gets a
-- row for every month from the first event's month to the last event's.
-- Counted straight from activity; unsorted, as activity_daily.
WITH counts AS (
    SELECT date_trunc('month', event_date)::DATE AS month,
           icb_code, lad_code, service, age_band, sex, count(*) AS events
    FROM activity
    GROUP BY ALL
),
months AS (
    SELECT unnest(generate_series(min(month), max(month), INTERVAL 1 MONTH))::DATE AS month FROM counts
),
combos AS (
    SELECT DISTINCT icb_code, lad_code, service, age_band, sex FROM counts
)
SELECT m.month, c.icb_code, c.lad_code, c.service, c.age_band, c.sex,
       coalesce(n.events, 0)::BIGINT AS events
FROM months m
CROSS JOIN combos c
LEFT JOIN counts n
    ON n.month = m.month AND n.icb_code = c.icb_code AND n.lad_code = c.lad_code
   AND n.service = c.service AND n.age_band = c.age_band AND n.sex = c.sex
