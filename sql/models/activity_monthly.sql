-- Events per calendar month by place, service, age band and sex, summed from
-- the zero-filled daily model.
SELECT date_trunc('month', date)::DATE AS month,
       stp_code, lad_code, service, age_band, sex,
       sum(events)::BIGINT AS events
FROM activity_daily
GROUP BY ALL
ORDER BY lad_code, service, age_band, sex, month
