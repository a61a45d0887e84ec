-- The window of whole data behind each service's series: from the latest
-- first day to the earliest last day of the feeds that deliver the service
-- (each feed's days over all its events), and no later than the business
-- date. A feed's first and last days bound what it delivered, so a period
-- reaching outside them is partial: the series keep only the periods
-- wholly inside (series_monthly, series_weekly). Where feeds that deliver
-- the same service start or end apart, the series cover only the days all
-- of them cover, so a feed joining late is not read as growth.
WITH feed_service AS (
    SELECT feed, service, min(event_date) AS first_day, max(event_date) AS last_day
    FROM activity
    GROUP BY ALL
),
feeds AS (
    SELECT feed, min(first_day) AS first_day, max(last_day) AS last_day
    FROM feed_service
    GROUP BY feed
)
SELECT s.service, max(f.first_day) AS first_day,
       least(min(f.last_day), (SELECT business_date FROM run_params)) AS last_day,
       count(*)::INTEGER AS feeds
FROM (SELECT DISTINCT feed, service FROM feed_service) s
JOIN feeds f USING (feed)
GROUP BY s.service
ORDER BY s.service
