-- The places of the run's region and the STP/ICB of each, from the
-- population model (which has every place of the region, with or without
-- activity).
SELECT DISTINCT lad_code, stp_code
FROM population
ORDER BY lad_code
