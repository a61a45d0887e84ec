-- one event counted twice in the daily model only, weekly and monthly untouched
UPDATE activity_daily SET events = events + 1 WHERE events = 1 AND date = DATE '2023-01-05';
