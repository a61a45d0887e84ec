-- Records quarantined, by feed, entity, reason and field.
SELECT feed, entity, reason, field, count(*)::BIGINT AS records
FROM quarantine
GROUP BY ALL
ORDER BY feed, entity, reason, field
