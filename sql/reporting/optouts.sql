-- People and records removed by opt-outs, by reason and feed.
SELECT reason, feed, sum(people)::BIGINT AS people, sum(records)::BIGINT AS records
FROM optouts_applied
GROUP BY ALL
ORDER BY reason, feed
