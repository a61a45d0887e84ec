-- Events per ISO week (Monday start) by place, service, age band and sex,
-- summed from the zero-filled daily model so weeks are zero-filled too. The
-- first and last weeks may be partial; series_weekly drops the unfinished one.
SELECT date_trunc('week', date)::DATE AS week_start,
       isoyear(date_trunc('week', date))::INTEGER AS iso_year,
       week(date_trunc('week', date))::INTEGER AS iso_week,
       stp_code, lad_code, service, age_band, sex,
       sum(events)::BIGINT AS events
FROM activity_daily
GROUP BY ALL
ORDER BY lad_code, service, age_band, sex, week_start
