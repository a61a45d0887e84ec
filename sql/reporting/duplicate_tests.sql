-- Diagnostic tests repeated at a different provider within 30 days, over the
-- last 12 months of data, per place and per ICB.
WITH recent AS (
    SELECT * FROM duplicate_tests
    WHERE month > (SELECT max(month) FROM duplicate_tests) - INTERVAL 12 MONTH
)
SELECT 'place' AS level, p.icb_code, r.lad_code, sum(r.tests)::BIGINT AS tests,
       sum(r.duplicate_tests)::BIGINT AS duplicate_tests
FROM recent r JOIN places p USING (lad_code) GROUP BY ALL
UNION ALL
SELECT 'icb', icb_code, 'all', sum(tests)::BIGINT, sum(duplicate_tests)::BIGINT
FROM recent WHERE icb_code IN (SELECT icb_code FROM icbs) GROUP BY ALL
ORDER BY level DESC, icb_code, lad_code
