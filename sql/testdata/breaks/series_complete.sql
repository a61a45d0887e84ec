DELETE FROM series_monthly WHERE month = DATE '2023-06-01';
