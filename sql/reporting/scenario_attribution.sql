-- Planning scenarios: each factor's part of the change of the median, in
-- the order the factors are applied.
SELECT scenario, level, icb_code, lad_code, service, measure, year, factor, factor_order, value, suppressed
FROM scenario_attribution
ORDER BY scenario, level, icb_code, lad_code, service, measure, year, factor_order
