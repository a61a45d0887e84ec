-- Care transitions per place and ICB: transitions summed over the last 12
-- months of data; frequent A&E attenders (already a rolling 12-month count of
-- people) from the latest month that has it.
WITH latest AS (
    SELECT measure, max(month) AS last FROM care_transitions GROUP BY measure
), recent AS (
    SELECT c.*
    FROM care_transitions AS c JOIN latest AS l USING (measure)
    WHERE CASE WHEN c.measure = 'frequent_ae_attenders_12m' THEN c.month = l.last
               ELSE c.month > l.last - INTERVAL 12 MONTH END
)
SELECT 'place' AS level, p.icb_code, r.lad_code, r.measure,
       sum(r.numerator)::BIGINT AS numerator, sum(r.denominator)::BIGINT AS denominator
FROM recent r JOIN places p USING (lad_code) GROUP BY ALL
UNION ALL
SELECT 'icb', icb_code, 'all', measure, sum(numerator)::BIGINT, sum(denominator)::BIGINT
FROM recent WHERE icb_code IN (SELECT icb_code FROM icbs) GROUP BY ALL
ORDER BY level DESC, icb_code, lad_code, measure
