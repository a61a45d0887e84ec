-- Monthly activity of every forecast series: place and ICB by service.
SELECT series_key, level, icb_code, lad_code, service, month, events
FROM series_monthly
ORDER BY series_key, month
