-- Services, age bands, sexes and ICB codes take only the documented values
-- (docs/data.md); ICB codes are the region's (ref_icbs) or 'unknown', and
-- 'all' on the region's rows of activity_rates.
WITH accepted_service(v) AS (VALUES
    ('ae_attendance'), ('emergency_admission'), ('elective_admission'), ('outpatient_attendance'),
    ('gp_appointment'), ('community_contact'), ('social_care_assessment'), ('diagnostic_test'), ('unknown')
),
accepted_age_band(v) AS (
    SELECT age_band FROM ref_esp2013 UNION ALL SELECT 'unknown'
),
accepted_sex(v) AS (VALUES ('male'), ('female'), ('indeterminate'), ('not_known')),
accepted_icb(v) AS (SELECT icb_code FROM ref_icbs UNION ALL SELECT 'unknown'),
observed AS (
    SELECT DISTINCT 'activity_daily' AS model, service, age_band, sex, icb_code FROM activity_daily
    UNION ALL SELECT DISTINCT 'activity_weekly', service, age_band, sex, icb_code FROM activity_weekly
    UNION ALL SELECT DISTINCT 'activity_monthly', service, age_band, sex, icb_code FROM activity_monthly
    UNION ALL SELECT DISTINCT 'population', NULL, age_band, sex, icb_code FROM population
    UNION ALL SELECT DISTINCT 'activity_rates', service, NULL, NULL, icb_code FROM activity_rates WHERE level <> 'region'
    UNION ALL SELECT DISTINCT 'activity_rates', service, NULL, NULL, CASE icb_code WHEN 'all' THEN 'unknown' ELSE 'region row with an ICB' END
        FROM activity_rates WHERE level = 'region'
    UNION ALL SELECT DISTINCT 'duplicate_tests', NULL, NULL, NULL, icb_code FROM duplicate_tests
    UNION ALL SELECT DISTINCT 'care_transitions', NULL, NULL, NULL, icb_code FROM care_transitions
    UNION ALL SELECT DISTINCT 'series_monthly', service, NULL, NULL, icb_code FROM series_monthly
    UNION ALL SELECT DISTINCT 'series_weekly', service, NULL, NULL, icb_code FROM series_weekly
)
SELECT model, 'service' AS "column", service AS value FROM observed
WHERE service IS NOT NULL AND service NOT IN (SELECT v FROM accepted_service)
UNION ALL
SELECT model, 'age_band', age_band FROM observed
WHERE age_band IS NOT NULL AND age_band NOT IN (SELECT v FROM accepted_age_band)
UNION ALL
SELECT model, 'sex', sex FROM observed
WHERE sex IS NOT NULL AND sex NOT IN (SELECT v FROM accepted_sex)
UNION ALL
SELECT model, 'icb_code', icb_code FROM observed
WHERE icb_code IS NULL OR icb_code NOT IN (SELECT v FROM accepted_icb)
UNION ALL
SELECT 'care_transitions', 'measure', measure FROM care_transitions
WHERE measure NOT IN ('ae_to_emergency_admission_1d', 'discharge_to_social_care_30d', 'frequent_ae_attenders_12m')
