-- Diagnostic tests repeated for the same person, same test code, at a
-- DIFFERENT provider within 30 days of an earlier one, by month, place and
-- the provider of the repeat. Tests on the same day at two providers count
-- the one whose provider code sorts later as the repeat. Tests without a
-- code cannot be matched and are never duplicates.
WITH tests AS (
    SELECT row_number() OVER () AS test_id, person_id, event_date, provider, code, icb_code, lad_code
    FROM activity
    WHERE service = 'diagnostic_test'
),
repeats AS (
    SELECT DISTINCT t.test_id
    FROM tests t
    JOIN tests p
        ON p.person_id = t.person_id AND p.code = t.code AND p.provider <> t.provider
       AND p.event_date BETWEEN t.event_date - 30 AND t.event_date
       AND (p.event_date < t.event_date OR p.provider < t.provider)
)
SELECT date_trunc('month', t.event_date)::DATE AS month, t.icb_code, t.lad_code, t.provider,
       count(*)::BIGINT AS tests,
       count(r.test_id)::BIGINT AS duplicate_tests,
       count(r.test_id) / count(*) AS duplicate_rate
FROM tests t
LEFT JOIN repeats r USING (test_id)
GROUP BY ALL
ORDER BY lad_code, provider, month
