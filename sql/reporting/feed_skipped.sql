-- Records skipped or unmapped, by feed, kind, outcome and why.
SELECT feed, kind, outcome, detail, sum(records)::BIGINT AS records
FROM feed_skipped
GROUP BY ALL
ORDER BY feed, kind, outcome, detail
