-- Transitions between services, by month and place of residence:
--   ae_to_emergency_admission_1d  A&E attendances (denominator) followed by an
--                                 emergency admission of the same person on
--                                 the same or the next day (numerator); month
--                                 of the attendance.
--   discharge_to_social_care_30d  admissions with a length of stay, discharged
--                                 on event_date + length_of_stay (denominator),
--                                 followed by a social-care assessment within
--                                 30 days of discharge; month of discharge.
--   frequent_ae_attenders_12m     people with an A&E attendance in the 12
--                                 months ending with the month (denominator)
--                                 who attended 5 or more times (numerator);
--                                 only months with a full 12 months of data.
WITH ae AS (
    SELECT row_number() OVER () AS id, person_id, event_date, icb_code, lad_code
    FROM activity
    WHERE service = 'ae_attendance'
),
ae_admitted AS (
    SELECT DISTINCT ae.id
    FROM ae
    JOIN activity a
        ON a.service = 'emergency_admission' AND a.person_id = ae.person_id
       AND a.event_date BETWEEN ae.event_date AND ae.event_date + 1
),
discharges AS (
    SELECT row_number() OVER () AS id, person_id, event_date + length_of_stay AS discharge, icb_code, lad_code
    FROM activity
    WHERE service IN ('emergency_admission', 'elective_admission') AND length_of_stay IS NOT NULL
),
discharges_assessed AS (
    SELECT DISTINCT d.id
    FROM discharges d
    JOIN activity a
        ON a.service = 'social_care_assessment' AND a.person_id = d.person_id
       AND a.event_date BETWEEN d.discharge AND d.discharge + 30
),
attendance_months AS (
    SELECT person_id, icb_code, lad_code, date_trunc('month', event_date)::DATE AS month
    FROM ae
),
windows AS (
    -- each attendance falls in the 12-month windows ending with its month and the 11 after
    SELECT person_id, icb_code, lad_code, (month + to_months(k))::DATE AS month
    FROM (SELECT *, unnest(range(0, 12)) AS k FROM attendance_months)
),
attenders AS (
    SELECT month, icb_code, lad_code, person_id, count(*) AS attendances
    FROM windows
    WHERE month BETWEEN (SELECT min(month) + INTERVAL 11 MONTH FROM attendance_months)
                    AND (SELECT max(month) FROM attendance_months)
    GROUP BY ALL
)
SELECT date_trunc('month', ae.event_date)::DATE AS month, ae.icb_code, ae.lad_code,
       'ae_to_emergency_admission_1d' AS measure,
       count(x.id)::BIGINT AS numerator, count(*)::BIGINT AS denominator,
       count(x.id) / count(*) AS rate
FROM ae
LEFT JOIN ae_admitted x USING (id)
GROUP BY ALL
UNION ALL
SELECT date_trunc('month', d.discharge)::DATE, d.icb_code, d.lad_code,
       'discharge_to_social_care_30d',
       count(x.id)::BIGINT, count(*)::BIGINT, count(x.id) / count(*)
FROM discharges d
LEFT JOIN discharges_assessed x USING (id)
GROUP BY ALL
UNION ALL
SELECT month, icb_code, lad_code, 'frequent_ae_attenders_12m',
       count(*) FILTER (WHERE attendances >= 5)::BIGINT, count(*)::BIGINT,
       count(*) FILTER (WHERE attendances >= 5) / count(*)
FROM attenders
GROUP BY ALL
ORDER BY measure, lad_code, month
