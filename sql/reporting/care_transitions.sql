-- Care transitions per place and STP: transitions summed over the last 12
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
SELECT 'place' AS level, stp_code, lad_code, measure,
       sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator
FROM recent GROUP BY ALL
UNION ALL
SELECT 'stp', stp_code, 'all', measure, sum(numerator)::BIGINT, sum(denominator)::BIGINT
FROM recent GROUP BY ALL
ORDER BY level DESC, stp_code, lad_code, measure
