-- a quintile's denominator half as large again, its rates scaled to match:
-- the groups no longer add up to the population model
UPDATE activity_rates_imd
SET population = population * 1.5, crude_rate_per_1000 = crude_rate_per_1000 / 1.5,
    crude_lo95 = crude_lo95 / 1.5, crude_hi95 = crude_hi95 / 1.5
WHERE level = 'place' AND breakdown = 'quintile' AND imd_group = '3';
