-- a zero week repeated in the weekly model
INSERT INTO activity_weekly SELECT * FROM activity_weekly WHERE events = 0 LIMIT 1;
