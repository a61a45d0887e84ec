-- Re-identification risk of persons: for each combination of the
-- quasi-identifiers the run publishes about a person, how many groups of
-- people share one combination of values, the smallest group (k), and the
-- people in groups smaller than $k. One pass: GROUPING SETS. The
-- combinations go from the models' grain (sex, age band, place) to all the
-- quasi-identifiers of persons at once; a group of the finest combination
-- is never larger than one of a coarser.
WITH groups AS (
    SELECT concat_ws(',',
               CASE WHEN GROUPING(sex) = 0 THEN 'sex' END,
               CASE WHEN GROUPING(age_band) = 0 THEN 'age_band' END,
               CASE WHEN GROUPING(age) = 0 THEN 'age' END,
               CASE WHEN GROUPING(lad_code) = 0 THEN 'lad_code' END,
               CASE WHEN GROUPING(lsoa21) = 0 THEN 'lsoa21' END,
               CASE WHEN GROUPING(gp_practice) = 0 THEN 'gp_practice' END,
               CASE WHEN GROUPING(death_month) = 0 THEN 'death_month' END) AS quasi_identifiers,
           count(*) AS n
    FROM persons
    GROUP BY GROUPING SETS (
        (sex, age_band, lad_code),
        (sex, age_band, lsoa21),
        (sex, age, lsoa21),
        (sex, age, lsoa21, gp_practice),
        (sex, age, lsoa21, gp_practice, death_month)
    )
)
SELECT quasi_identifiers,
       count(*) AS groups,
       min(n) AS smallest_group,
       sum(n)::BIGINT AS people,
       coalesce(sum(n) FILTER (WHERE n < $k), 0)::BIGINT AS people_under_k
FROM groups
GROUP BY quasi_identifiers
ORDER BY len(quasi_identifiers), quasi_identifiers
