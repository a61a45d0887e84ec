-- 2013 European Standard Population, five-year bands (0-4 … 85-89, 90+),
-- 100,000 in all. Source: Eurostat, "Revision of the European Standard
-- Population: report of Eurostat's task force", 2013 edition
-- (Methodologies and Working papers KS-RA-13-028), table 2.
SELECT * FROM (VALUES
    ('0-4', 5000), ('5-9', 5500), ('10-14', 5500), ('15-19', 5500),
    ('20-24', 6000), ('25-29', 6000), ('30-34', 6500), ('35-39', 7000),
    ('40-44', 7000), ('45-49', 7000), ('50-54', 7000), ('55-59', 6500),
    ('60-64', 6000), ('65-69', 5500), ('70-74', 5000), ('75-79', 4000),
    ('80-84', 2500), ('85-89', 1500), ('90+', 1000)
) AS esp(age_band, weight)
