-- Population of each place by age band, sex and year: mid-year estimates
-- and the projection of the population model, for the demographic forecast.
-- A place split between ICBs has a population row per part: they add up.
SELECT lad_code, age_band, sex, year::BIGINT AS year, sum(population)::DOUBLE AS population
FROM population
GROUP BY ALL
ORDER BY lad_code, age_band, sex, year
