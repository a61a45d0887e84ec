-- Records read, quarantined, removed by opt-outs and written, by feed and entity.
SELECT feed, entity, sum(read)::BIGINT AS read, sum(quarantined)::BIGINT AS quarantined,
       sum(opted_out)::BIGINT AS opted_out, sum(written)::BIGINT AS written
FROM feed_counts
GROUP BY ALL
ORDER BY feed, entity
