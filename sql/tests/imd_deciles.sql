-- Every LSOA of the region has an IMD 2025 decile from 1 to 10, every
-- event of a known place lies in one of those LSOAs, and activity_rates_imd
-- has only its documented groups.
SELECT 'ref_areas' AS "table", lsoa21 AS value, 'no IMD decile' AS problem
FROM ref_areas
WHERE imd_decile IS NULL OR imd_decile NOT BETWEEN 1 AND 10
UNION ALL
SELECT 'activity', lsoa21, 'LSOA of a known place outside the region'
FROM (SELECT DISTINCT lsoa21 FROM activity WHERE lad_code <> 'unknown')
WHERE lsoa21 NOT IN (SELECT lsoa21 FROM ref_areas)
UNION ALL
SELECT 'activity_rates_imd', breakdown || '/' || imd_group, 'unknown group'
FROM (SELECT DISTINCT breakdown, imd_group FROM activity_rates_imd)
WHERE (breakdown, imd_group) NOT IN (
    ('quintile', '1'), ('quintile', '2'), ('quintile', '3'), ('quintile', '4'), ('quintile', '5'),
    ('core20', 'core20'), ('core20', 'other'))
