-- crude rates that do not follow from their counts
UPDATE activity_rates_imd SET crude_rate_per_1000 = crude_rate_per_1000 * 2 + 1 WHERE events > 0;
