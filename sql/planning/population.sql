-- The population model: population by place, age band, sex and year (a
-- place split between ICBs has a row per part: they add up).
SELECT lad_code, age_band, sex, year::BIGINT AS year, sum(population)::DOUBLE AS population
FROM population
GROUP BY ALL
ORDER BY lad_code, age_band, sex, year
