-- a day before the bitmap's range, twice: caught grain by grain
INSERT INTO activity_daily
SELECT d.* FROM (SELECT DATE '1980-01-01' AS date, * EXCLUDE (date) FROM activity_daily WHERE events = 0 LIMIT 1) d, range(2);
