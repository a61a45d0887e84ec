-- The population model: population by place, age band, sex and year.
SELECT lad_code, age_band, sex, year::BIGINT AS year, population::DOUBLE AS population
FROM population
ORDER BY lad_code, age_band, sex, year
