-- Population of each place by age band, sex and year: mid-year estimates
-- and the projection of the population model, for the demographic forecast.
SELECT lad_code, age_band, sex, year::BIGINT AS year, population::DOUBLE AS population
FROM population
ORDER BY lad_code, age_band, sex, year
