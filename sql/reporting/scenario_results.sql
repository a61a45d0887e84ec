-- Planning scenarios: the results of every scenario by area, service,
-- measure and year (modelled figures; suppressed rows are published as *).
SELECT scenario, level, icb_code, lad_code, service, measure, year, years_ahead,
       baseline, mean, p10, p50, p90, suppressed
FROM scenario_results
ORDER BY scenario, level, icb_code, lad_code, service, measure, year
