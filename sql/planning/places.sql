-- The places of the run's region, the ICB of each and that ICB's NHS (ODS)
-- code, from the population model (which has every place of the region,
-- with or without activity) and the icbs model: a place split between ICBs
-- goes with the ICB holding most of its people.
SELECT p.lad_code, p.icb_code, coalesce(i.icb_ods, '') AS icb_ods
FROM (SELECT lad_code, arg_max(icb_code, population) AS icb_code FROM population GROUP BY lad_code) p
LEFT JOIN icbs i USING (icb_code)
ORDER BY p.lad_code
