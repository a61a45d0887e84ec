-- A deterministic small region for the report's tests, with the columns of
-- docs/data.md. Set before running: n_icb, n_place (per ICB), n_service,
-- n_months (history, ending November 2025), origin (months of history the
-- forecasts start after) and run_id. Counts are small for some services and
-- places so that suppression is exercised.
CREATE TABLE fixture_places AS
SELECT s, p, printf('E54%06d', 50 + s) AS icb_code, 'ICB ' || s AS icb_name,
       printf('E08%06d', 30 + s * 10 + p) AS lad_code, 'Place ' || s || '.' || p AS lad_name
FROM range(getvariable('n_icb')) t(s), range(getvariable('n_place')) u(p);

CREATE TABLE places AS SELECT lad_code, lad_name, icb_code, icb_name FROM fixture_places;

CREATE TABLE icbs AS
SELECT DISTINCT icb_code, 'Q' || icb_code[-2:] AS icb_ods, icb_name, 'test-region' AS region FROM fixture_places;

CREATE TABLE services AS
SELECT i, service, base FROM (VALUES
    (0, 'ae_attendance', 900), (1, 'emergency_admission', 300), (2, 'elective_admission', 150),
    (3, 'outpatient_attendance', 2000), (4, 'gp_appointment', 5000), (5, 'community_contact', 700),
    (6, 'social_care_assessment', 6), (7, 'diagnostic_test', 1200)) v(i, service, base)
WHERE i < getvariable('n_service');

CREATE TABLE months AS
SELECT m, (DATE '2025-11-01' - to_months(getvariable('n_months') - 1 - m))::DATE AS month
FROM range(getvariable('n_months')) t(m);

CREATE TABLE persons AS
SELECT uuid() AS person_id, 'female' AS sex, 40::SMALLINT AS age, '40-44' AS age_band,
       'E0100' || lad_code AS lsoa21, 'E38' || lad_code[4:] AS sicbl_code, 'Sub-ICB of ' || lad_name AS sicbl_name,
       lad_code, lad_name, icb_code, icb_name, 'B86001' AS gp_practice,
       NULL::DATE AS death_month, 'gp' AS feeds
FROM fixture_places;

CREATE TABLE place_series AS
SELECT 'place/' || lad_code || '/' || service AS series_key, 'place' AS level, icb_code, lad_code, service, month, m,
       greatest(0, round(base * (1 + p) * (1 + 0.15 * sin(2 * pi() * month(month) / 12)) * (1 + 0.004 * m)
                + (hash(lad_code, service, m) % 5) - 2))::BIGINT AS events
FROM fixture_places, services, months;

CREATE TABLE series_monthly AS
SELECT series_key, level, icb_code, lad_code, service, month, events FROM place_series
UNION ALL
SELECT 'icb/' || icb_code || '/' || service, 'icb', icb_code, 'all', service, month, sum(events)::BIGINT
FROM place_series GROUP BY ALL
ORDER BY 1, 6;

CREATE TABLE forecasts AS
WITH origin AS (
    SELECT (DATE '2025-11-01' - to_months(getvariable('n_months') - getvariable('origin')))::DATE AS o
), steps AS (
    -- each step repeats the same calendar month of the last year observed
    SELECT h, (o + to_months(h))::DATE AS period, (o + to_months(h - 12 * ((h + 11) // 12)))::DATE AS source
    FROM origin CROSS JOIN range(1, 25) t(h)
)
SELECT s.series_key, s.level, s.icb_code, s.lad_code, s.service, 'monthly' AS freq, model, period, h::INTEGER AS step,
       events * 1.02 * f AS mean, events * (0.92 - 0.002 * h) * f AS lo80, events * (1.12 + 0.002 * h) * f AS hi80,
       events * (0.85 - 0.003 * h) * f AS lo95, events * (1.19 + 0.003 * h) * f AS hi95,
       model = 'ets' AS chosen, getvariable('run_id') AS run_id
FROM steps
JOIN series_monthly AS s ON s.month = steps.source
CROSS JOIN (VALUES ('ets', 1.0), ('naive', 0.97), ('demographic', 1.01)) v(model, f)
WHERE model <> 'demographic' OR s.level = 'place' -- the planning baseline is for places
ORDER BY s.series_key, model, period;

CREATE TABLE forecast_accuracy AS
SELECT DISTINCT series_key, level, icb_code, lad_code, service, 'monthly' AS freq, model, 6 AS origins,
       CASE model WHEN 'ets' THEN 0.71 ELSE 1.0 END + (hash(series_key) % 20) / 100 AS mase,
       4.2 AS smape, 0.79 AS coverage80, 0.94 AS coverage95, 12.5 AS msis, chosen, run_id
FROM forecasts;

CREATE TABLE duplicate_tests AS
SELECT month, icb_code, lad_code, provider, (40 + hash(lad_code, provider, m) % 30)::BIGINT AS tests,
       (hash(lad_code, m) % 3)::BIGINT AS duplicate_tests, NULL::DOUBLE AS duplicate_rate
FROM fixture_places, months, (VALUES ('RXF'), ('RR8')) v(provider);
UPDATE duplicate_tests SET duplicate_rate = duplicate_tests / tests;

CREATE TABLE care_transitions AS
SELECT month, icb_code, lad_code, measure,
       (n * (1 + p) + hash(lad_code, measure, m) % 4)::BIGINT AS numerator, (d * (1 + p))::BIGINT AS denominator,
       numerator / denominator AS rate
FROM fixture_places, months, (VALUES ('ae_to_emergency_admission_1d', 20, 900), ('discharge_to_social_care_30d', 1, 60),
                             ('frequent_ae_attenders_12m', 30, 700)) v(measure, n, d);

CREATE TABLE activity_rates AS
WITH y AS (
    SELECT year(month) AS year, level, icb_code, lad_code, service, sum(events)::BIGINT AS events
    FROM series_monthly GROUP BY ALL
)
SELECT year, level, icb_code, lad_code, service, events,
       CASE level WHEN 'icb' THEN 200000.0 * getvariable('n_place') ELSE 200000.0 END AS population,
       events / population * 1000 AS crude_rate_per_1000,
       crude_rate_per_1000 * 0.97 AS dsr_per_1000,
       CASE WHEN events = 0 THEN 0 ELSE crude_rate_per_1000 * 0.9 END AS dsr_lo95,
       CASE WHEN events = 0 THEN NULL ELSE crude_rate_per_1000 * 1.05 END AS dsr_hi95
FROM y;

CREATE TABLE quarantine AS
SELECT feed, 'extract_' || i || '.csv' AS file, (i + 2)::BIGINT AS record, entity, reason, field
FROM range(40) t(i), (VALUES ('gp', 'person', 'invalid_nhs_number', 'nhs_number', 30),
                             ('acute', 'event', 'future_date', 'event_date', 3)) v(feed, entity, reason, field, n)
WHERE i < n;

CREATE TABLE optouts_applied AS
SELECT reason, feed, lad_code, people::BIGINT AS people, records::BIGINT AS records
FROM fixture_places, (VALUES ('national_data_opt_out', 'gp', 60, 400), ('type1_objection', 'gp', 2, 9)) v(reason, feed, people, records);

CREATE TABLE feed_counts AS
SELECT feed, lad_code, entity, read::BIGINT AS read, quarantined::BIGINT AS quarantined,
       opted_out::BIGINT AS opted_out, (read - quarantined - opted_out)::BIGINT AS written
FROM fixture_places, (VALUES ('gp', 'person', 5000, 3, 62), ('acute', 'event', 90000, 1, 409)) v(feed, entity, read, quarantined, opted_out);

-- Rates by deprivation: each area's yearly events and population shared
-- between the quintiles (more where more deprived), Core20 the first.
CREATE TABLE activity_rates_imd AS
WITH q(imd_group, ev_share, pop_share) AS (VALUES ('1', 0.30, 0.22), ('2', 0.24, 0.21), ('3', 0.19, 0.20),
                                                 ('4', 0.15, 0.19), ('5', 0.12, 0.18)),
areas AS (
    SELECT year, level, icb_code, lad_code, service, events, population FROM activity_rates
    UNION ALL
    SELECT year, 'region', 'all', 'all', service, sum(events)::BIGINT, sum(population)
    FROM activity_rates WHERE level = 'icb' GROUP BY ALL
),
quint AS (
    SELECT a.year, a.level, a.icb_code, a.lad_code, a.service, 'quintile' AS breakdown, q.imd_group,
           round(a.events * q.ev_share)::BIGINT AS events, a.population * q.pop_share AS population
    FROM areas a, q
),
core AS (
    SELECT year, level, icb_code, lad_code, service, 'core20' AS breakdown,
           CASE imd_group WHEN '1' THEN 'core20' ELSE 'other' END AS imd_group,
           sum(events)::BIGINT AS events, sum(population) AS population
    FROM quint GROUP BY ALL
),
g AS (SELECT * FROM quint UNION ALL SELECT * FROM core),
r AS (
    SELECT *, 980 * events / population AS dsr_per_1000 FROM g
),
-- The gap and the indices agree with the rates above: the gap is the
-- Core20 rate less the rest's, the SII a little steeper.
gap AS (
    SELECT year, level, icb_code, lad_code, service,
           max(dsr_per_1000) FILTER (imd_group = 'core20') - max(dsr_per_1000) FILTER (imd_group = 'other') AS gap,
           avg(dsr_per_1000) FILTER (breakdown = 'quintile') AS mean_dsr
    FROM r GROUP BY ALL
)
SELECT year, level, icb_code, lad_code, service, breakdown, imd_group, events, population,
       'ons_lsoa_mid2020' AS denominator,
       1000 * events / population AS crude_rate_per_1000, 900 * events / population AS crude_lo95, 1100 * events / population AS crude_hi95,
       dsr_per_1000, 880 * events / population AS dsr_lo95, 1080 * events / population AS dsr_hi95,
       1.3 * gap AS sii_per_1000, 0.5 * gap AS sii_lo95, 2.1 * gap AS sii_hi95,
       1.3 * gap / mean_dsr AS rii, 0.5 * gap / mean_dsr AS rii_lo95, 2.1 * gap / mean_dsr AS rii_hi95,
       gap AS core20_gap_per_1000, 0.7 * gap AS core20_gap_lo95, 1.3 * gap AS core20_gap_hi95
FROM r JOIN gap USING (year, level, icb_code, lad_code, service);
