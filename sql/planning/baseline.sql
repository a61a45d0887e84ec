-- The baseline year's activity of each place by service, age band and sex:
-- events (from activity_monthly, which counts activity by month, place,
-- service, age band and sex), bed-days (the sum of lengths of stay, which
-- admissions alone carry) and the first month with activity (a baseline
-- year must start in January). $1 is the calendar year. Residents of
-- unknown place and events of unknown service are left out: they have no
-- place to plan for.
WITH events AS (
    SELECT lad_code, service, age_band, sex,
           sum(events)::BIGINT AS events,
           min(month) FILTER (WHERE events > 0) AS first_month
    FROM activity_monthly
    WHERE year(month) = $1
      AND lad_code <> 'unknown'
      AND service <> 'unknown'
    GROUP BY ALL
    HAVING sum(events) > 0
),
bed_days AS (
    SELECT lad_code, service, age_band, sex, sum(length_of_stay)::BIGINT AS bed_days
    FROM activity
    WHERE year = $1
      AND length_of_stay IS NOT NULL
    GROUP BY ALL
)
SELECT e.lad_code, e.service, e.age_band, e.sex, e.events, coalesce(b.bed_days, 0)::BIGINT AS bed_days, e.first_month
FROM events e
LEFT JOIN bed_days b USING (lad_code, service, age_band, sex)
ORDER BY e.lad_code, e.service, e.age_band, e.sex
