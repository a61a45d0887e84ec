-- Rolling-origin backtest accuracy of the chosen monthly model per series.
SELECT series_key, level, icb_code, lad_code, service, model, origins,
       mase, smape, coverage80, coverage95
FROM forecast_accuracy
WHERE freq = 'monthly' AND chosen
ORDER BY series_key
