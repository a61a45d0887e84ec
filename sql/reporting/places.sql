-- Places and ICBs with their names: the run's geography (the places model).
SELECT p.icb_code, p.icb_name, p.lad_code, p.lad_name
FROM places p
ORDER BY p.icb_code, p.lad_code
