-- The places of the run's region and the ICB of each, from the population
-- model (which has every place of the region, with or without activity): a
-- place split between ICBs goes with the ICB holding most of its people.
SELECT lad_code, arg_max(icb_code, population) AS icb_code
FROM population
GROUP BY lad_code
ORDER BY lad_code
