-- a slope index of inequality outside its interval
UPDATE activity_rates_imd SET sii_lo95 = sii_per_1000 + 1 WHERE sii_per_1000 IS NOT NULL;
