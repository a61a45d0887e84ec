-- The DuckDB peer of carecast's FHIR extract: what an analyst would write to
-- do the same job from a FHIR R4 Bulk Data export in one statement. It reads
-- Patient, Encounter and DiagnosticReport NDJSON with declared columns (only
-- the elements used, as carecast decodes them), drops the national data
-- opt-outs, maps each Encounter to its service from class, priority,
-- serviceType and type as carecast's table does (docs/feeds.md, simplified to
-- the codes the generator writes), joins each resource to its Patient by
-- reference and to the ONS LSOA lookup, replaces the NHS number with a
-- SHA-256-based pseudonym and the birth date with age and five-year band, and
-- writes zstd Parquet. Unlike carecast it does not validate (malformed lines
-- are skipped by ignore_errors; bad NHS numbers, dates and codes pass), keeps
-- no quarantine, de-duplicates nothing, reads no Observations or
-- Organizations and uses a plain keyed hash, not HMAC.
--
-- bench/peer runs it with variables set: feed (the export folder), optouts
-- (the deny list) and key (the key as hex), a table
-- lookup(lsoa21, sicbl_code, lad_code, icb_code) loaded from the embedded
-- geography, and OUT_PARQUET replaced by the output path. The generator
-- writes each Patient's LSOA 2021 extension; the peer reads only that one.
COPY (
    WITH
    optouts AS (
        SELECT nhs_number
        FROM read_csv(getvariable('optouts'), header = false, columns = {'nhs_number': 'VARCHAR'})
    ),
    patients AS (
        SELECT id,
               list_filter(identifier, i -> i.system = 'https://fhir.nhs.uk/Id/nhs-number')[1].value AS nhs_number,
               TRY_CAST(birthDate AS DATE) AS date_of_birth, gender,
               list_filter(address[1].extension, x -> x.url = 'https://carecast.nhs.uk/fhir/StructureDefinition/lsoa21')[1].valueString AS lsoa21
        FROM read_ndjson(getvariable('feed') || '/Patient*.ndjson', ignore_errors = true,
             columns = {id: 'VARCHAR', identifier: 'STRUCT(system VARCHAR, value VARCHAR)[]', gender: 'VARCHAR', birthDate: 'VARCHAR',
                        address: 'STRUCT(extension STRUCT(url VARCHAR, valueString VARCHAR)[])[]'})
    ),
    encounters AS (
        SELECT id, subject.reference AS subject,
               TRY_CAST(left(period."start", 10) AS DATE) AS event_date,
               CASE class.code
                   WHEN 'EMER' THEN 'ae_attendance'
                   WHEN 'IMP' THEN CASE WHEN list_contains(priority.coding, {system: 'http://terminology.hl7.org/CodeSystem/v3-ActPriority', code: 'EM'})
                                        THEN 'emergency_admission' ELSE 'elective_admission' END
                   WHEN 'AMB' THEN CASE WHEN list_contains(serviceType.coding, {system: 'http://snomed.info/sct', code: '394814009'})
                                        THEN 'gp_appointment' ELSE 'outpatient_attendance' END
                   WHEN 'HH' THEN CASE WHEN list_contains(type[1].coding, {system: 'http://snomed.info/sct', code: '710824005'})
                                       THEN 'social_care_assessment' ELSE 'community_contact' END
                   ELSE 'unknown' END AS service,
               serviceProvider.identifier.value AS provider,
               reasonCode[1].coding[1].system AS code_system, reasonCode[1].coding[1].code AS code,
               date_diff('day', TRY_CAST(left(period."start", 10) AS DATE), TRY_CAST(left(period."end", 10) AS DATE))::INTEGER AS length_of_stay
        FROM read_ndjson(getvariable('feed') || '/Encounter*.ndjson', ignore_errors = true,
             columns = {id: 'VARCHAR', class: 'STRUCT(code VARCHAR)', type: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[]',
                        serviceType: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])',
                        priority: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])',
                        period: 'STRUCT("start" VARCHAR, "end" VARCHAR)',
                        reasonCode: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])[]',
                        serviceProvider: 'STRUCT(identifier STRUCT(system VARCHAR, value VARCHAR))',
                        subject: 'STRUCT(reference VARCHAR)'})
    ),
    reports AS (
        SELECT id, subject.reference AS subject, TRY_CAST(left(effectiveDateTime, 10) AS DATE) AS event_date,
               'diagnostic_test' AS service, performer[1].identifier.value AS provider,
               code.coding[1].system AS code_system, code.coding[1].code AS code, NULL::INTEGER AS length_of_stay
        FROM read_ndjson(getvariable('feed') || '/DiagnosticReport*.ndjson', ignore_errors = true,
             columns = {id: 'VARCHAR', code: 'STRUCT(coding STRUCT(system VARCHAR, code VARCHAR)[])', subject: 'STRUCT(reference VARCHAR)',
                        effectiveDateTime: 'VARCHAR', performer: 'STRUCT(identifier STRUCT(system VARCHAR, value VARCHAR))[]'})
    ),
    activity AS (SELECT * FROM encounters UNION ALL SELECT * FROM reports)
    SELECT
        left(sha256(getvariable('key') || p.nhs_number), 32)::UUID AS person_id,
        a.event_date, a.service,
        CASE a.service
            WHEN 'gp_appointment' THEN 'gp' WHEN 'community_contact' THEN 'community'
            WHEN 'social_care_assessment' THEN 'social_care' WHEN 'unknown' THEN 'unknown'
            ELSE 'hospital' END AS setting,
        a.provider, 'region' AS feed,
        date_diff('year', p.date_of_birth, a.event_date)::SMALLINT AS age,
        CASE WHEN date_diff('year', p.date_of_birth, a.event_date) >= 90 THEN '90+'
             ELSE (date_diff('year', p.date_of_birth, a.event_date) // 5 * 5)::VARCHAR || '-'
                  || (date_diff('year', p.date_of_birth, a.event_date) // 5 * 5 + 4)::VARCHAR END AS age_band,
        CASE p.gender WHEN 'male' THEN 'male' WHEN 'female' THEN 'female' WHEN 'other' THEN 'indeterminate' ELSE 'not_known' END AS sex,
        coalesce(g.lsoa21, 'unknown') AS lsoa21, coalesce(g.sicbl_code, 'unknown') AS sicbl_code,
        coalesce(g.lad_code, 'unknown') AS lad_code, coalesce(g.icb_code, 'unknown') AS icb_code,
        a.code_system, a.code, a.length_of_stay, year(a.event_date)::INTEGER AS year
    FROM activity a
    JOIN patients p ON a.subject = 'Patient/' || p.id
    LEFT JOIN lookup g ON g.lsoa21 = p.lsoa21
    WHERE p.nhs_number NOT IN (SELECT nhs_number FROM optouts)
) TO 'OUT_PARQUET' (FORMAT parquet, COMPRESSION zstd);
