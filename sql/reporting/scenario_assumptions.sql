-- Planning scenarios: what each scenario assumes, parameter by parameter,
-- in the order the table holds them (each scenario's variants, then its
-- services' parameters).
SELECT scenario, title, description, baseline_year, horizon_years, phase_in_years, draws, seed,
       service, applies_to, parameter, target, distribution, p10, p50, p90
FROM scenario_assumptions
