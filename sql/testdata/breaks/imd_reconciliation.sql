-- one event counted twice in a quintile (its crude rate moved with it, so
-- that only the reconciliation with activity can see it)
UPDATE activity_rates_imd
SET events = events + 1, crude_rate_per_1000 = 1000 * (events + 1) / population
WHERE level = 'place' AND lad_code = 'E08000034' AND service = 'ae_attendance' AND year = 2023
  AND breakdown = 'quintile' AND imd_group = '2';
