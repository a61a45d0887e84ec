-- Diagnostic tests repeated at a different provider within 30 days, over the
-- last 12 months of data, per place and per STP.
WITH recent AS (
    SELECT * FROM duplicate_tests
    WHERE month > (SELECT max(month) FROM duplicate_tests) - INTERVAL 12 MONTH
)
SELECT 'place' AS level, stp_code, lad_code, sum(tests)::BIGINT AS tests,
       sum(duplicate_tests)::BIGINT AS duplicate_tests
FROM recent GROUP BY ALL
UNION ALL
SELECT 'stp', stp_code, 'all', sum(tests)::BIGINT, sum(duplicate_tests)::BIGINT
FROM recent GROUP BY ALL
ORDER BY level DESC, stp_code, lad_code
