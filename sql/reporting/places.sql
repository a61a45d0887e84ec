-- Places and STPs with their names, from the people kept in the run.
-- Unknown residence has no page.
SELECT DISTINCT stp_code, stp_name, lad_code, lad_name
FROM persons
WHERE lad_code <> 'unknown' AND stp_code <> 'unknown'
ORDER BY stp_code, lad_code
