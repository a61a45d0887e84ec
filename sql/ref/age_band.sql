-- age_band_of(age): the five-year band of an age in whole years, as the
-- extracts write it: '0-4' … '85-89', '90+', and 'unknown' for a missing or
-- negative age (pseudonymise.AgeBand).
CREATE MACRO age_band_of(age) AS
    CASE WHEN age IS NULL OR age < 0 THEN 'unknown'
         WHEN age >= 90 THEN '90+'
         ELSE (age // 5 * 5)::VARCHAR || '-' || (age // 5 * 5 + 4)::VARCHAR
    END
