-- Monthly activity of every forecast series: place and STP by service.
SELECT series_key, level, stp_code, lad_code, service, month, events
FROM series_monthly
ORDER BY series_key, month
