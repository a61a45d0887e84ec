-- The DuckDB peer of carecast's extract: what an analyst would write to do
-- the same job in one statement. It reads the canonical CSV feed, drops the
-- national data opt-outs, joins each event to its person and to the ONS
-- LSOA lookup, replaces the NHS number with a SHA-256-based pseudonym and
-- the date of birth with age and five-year band, and writes zstd Parquet.
-- Unlike carecast it does not validate (malformed rows are skipped by
-- ignore_errors, bad NHS numbers and future dates pass), keeps no quarantine
-- and uses a plain keyed hash, not HMAC.
--
-- bench/peer runs it with variables set: feed (the feed folder), optouts
-- (the deny list) and key (the key as hex), a table
-- lookup(lsoa21, sicbl_code, lad_code, icb_code) loaded from the embedded geography, and
-- OUT_PARQUET replaced by the output path (COPY … TO takes no expression).
COPY (
    WITH
    optouts AS (
        SELECT nhs_number
        FROM read_csv(getvariable('optouts'), header = false, columns = {'nhs_number': 'VARCHAR'})
    ),
    persons AS (
        SELECT nhs_number, date_of_birth, sex, lsoa21
        FROM read_csv(getvariable('feed') || '/persons.csv', header = true, ignore_errors = true,
                      types = {'nhs_number': 'VARCHAR', 'date_of_birth': 'DATE', 'sex': 'VARCHAR', 'lsoa21': 'VARCHAR'})
        WHERE nhs_number IS NOT NULL
    ),
    activity AS (
        SELECT nhs_number, event_date, service, setting, provider, code_system, code, length_of_stay
        FROM read_csv(getvariable('feed') || '/activity.csv', header = true, ignore_errors = true,
                      types = {'nhs_number': 'VARCHAR', 'event_date': 'DATE', 'service': 'VARCHAR',
                               'setting': 'VARCHAR', 'provider': 'VARCHAR', 'code_system': 'VARCHAR',
                               'code': 'VARCHAR', 'length_of_stay': 'INTEGER'})
    )
    SELECT
        left(sha256(getvariable('key') || a.nhs_number), 32)::UUID AS person_id,
        a.event_date,
        a.service,
        a.setting,
        a.provider,
        'region' AS feed,
        date_diff('year', p.date_of_birth, a.event_date)::SMALLINT AS age,
        CASE
            WHEN date_diff('year', p.date_of_birth, a.event_date) >= 90 THEN '90+'
            ELSE (date_diff('year', p.date_of_birth, a.event_date) // 5 * 5)::VARCHAR || '-'
                 || (date_diff('year', p.date_of_birth, a.event_date) // 5 * 5 + 4)::VARCHAR
        END AS age_band,
        CASE p.sex WHEN '1' THEN 'male' WHEN '2' THEN 'female' WHEN '9' THEN 'indeterminate' ELSE 'not_known' END AS sex,
        coalesce(g.lsoa21, 'unknown') AS lsoa21,
        coalesce(g.sicbl_code, 'unknown') AS sicbl_code,
        coalesce(g.lad_code, 'unknown') AS lad_code,
        coalesce(g.icb_code, 'unknown') AS icb_code,
        a.code_system,
        a.code,
        a.length_of_stay,
        year(a.event_date)::INTEGER AS year
    FROM activity a
    JOIN persons p ON p.nhs_number = a.nhs_number
    LEFT JOIN lookup g ON g.lsoa21 = p.lsoa21
    WHERE a.nhs_number NOT IN (SELECT nhs_number FROM optouts)
) TO 'OUT_PARQUET' (FORMAT parquet, COMPRESSION zstd);
