-- The run's places (local authorities, 2024) with the ICB holding most of
-- each in the region: the geography the run was built on (ref_places).
SELECT lad_code, lad_name, icb_code, icb_name
FROM ref_places
ORDER BY icb_code, lad_code
