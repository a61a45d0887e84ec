-- The baseline year's activity of each place by service, age band and sex:
-- events, and bed-days (the sum of lengths of stay, admissions only). The
-- parameter is the calendar year. Residents of unknown place and events of
-- unknown service are left out: they have no place to plan for.
SELECT lad_code, service, age_band, sex,
       count(*)::BIGINT AS events,
       coalesce(sum(length_of_stay), 0)::BIGINT AS bed_days
FROM activity
WHERE year = ?
  AND lad_code <> 'unknown'
  AND service <> 'unknown'
GROUP BY ALL
ORDER BY lad_code, service, age_band, sex
