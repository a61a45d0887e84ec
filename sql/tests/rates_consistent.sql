-- Rates agree with their counts: crude rate = events / population per 1,000,
-- the DSR lies within its confidence interval, and every proportion has a
-- numerator no larger than its denominator.
SELECT 'activity_rates' AS model, concat_ws('/', year, level, lad_code, service) AS grain, 'crude rate' AS problem
FROM activity_rates
WHERE abs(crude_rate_per_1000 - 1000 * events / population) > 1e-9 * greatest(1, crude_rate_per_1000)
UNION ALL
SELECT 'activity_rates', concat_ws('/', year, level, lad_code, service), 'dsr outside its interval'
FROM activity_rates
WHERE dsr_per_1000 < 0 OR dsr_lo95 > dsr_per_1000 + 1e-12 OR dsr_hi95 < dsr_per_1000 - 1e-12
   OR (dsr_hi95 IS NULL AND events > 0 AND dsr_per_1000 > 0)
UNION ALL
SELECT 'duplicate_tests', concat_ws('/', month, lad_code, provider), 'duplicate rate'
FROM duplicate_tests
WHERE duplicate_tests > tests OR abs(duplicate_rate - duplicate_tests / tests) > 1e-12
UNION ALL
SELECT 'care_transitions', concat_ws('/', month, lad_code, measure), 'rate'
FROM care_transitions
WHERE numerator > denominator OR denominator = 0 OR abs(rate - numerator / denominator) > 1e-12
