-- a sixth quintile
UPDATE activity_rates_imd SET imd_group = '6' WHERE breakdown = 'quintile' AND imd_group = '5';
