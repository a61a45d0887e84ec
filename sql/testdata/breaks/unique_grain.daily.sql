-- a zero day repeated in the daily model: totals still reconcile, and only
-- the bitmap check of unique_grain can see it
INSERT INTO activity_daily SELECT * FROM activity_daily WHERE events = 0 LIMIT 1;
