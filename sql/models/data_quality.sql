-- What happened to the records of each feed, by place: read, quarantined,
-- removed by opt-out and written (from feed_counts); quarantined records by
-- reason (lad_code 'all': a rejected record has no trusted place); people
-- and events removed by each opt-out reason (from optouts_applied); records
-- a reader skipped on purpose or kept with an unmapped code, by kind (the
-- FHIR resource type, or the entity) and why (from feed_skipped, lad_code
-- 'all', reason 'skipped: <why>' or 'unmapped: <element>').
SELECT feed, lad_code, entity, 'read' AS reason, sum(read)::BIGINT AS records
FROM feed_counts GROUP BY ALL
UNION ALL
SELECT feed, lad_code, entity, 'quarantined', sum(quarantined)::BIGINT
FROM feed_counts GROUP BY ALL
UNION ALL
SELECT feed, lad_code, entity, 'opted_out', sum(opted_out)::BIGINT
FROM feed_counts GROUP BY ALL
UNION ALL
SELECT feed, lad_code, entity, 'written', sum(written)::BIGINT
FROM feed_counts GROUP BY ALL
UNION ALL
SELECT feed, 'all', entity, reason, count(*)::BIGINT
FROM quarantine GROUP BY ALL
UNION ALL
SELECT feed, lad_code, 'person', reason, sum(people)::BIGINT
FROM optouts_applied GROUP BY ALL
UNION ALL
SELECT feed, lad_code, 'event', reason, sum(records)::BIGINT
FROM optouts_applied GROUP BY ALL
UNION ALL
SELECT feed, 'all', kind, outcome || ': ' || detail, sum(records)::BIGINT
FROM feed_skipped GROUP BY ALL
ORDER BY feed, lad_code, entity, reason
