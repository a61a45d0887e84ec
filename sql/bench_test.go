package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkBuildModels10M builds every model and data test over a run of 10
// million generated events (22 places, 8 services, 19 age bands, 2 sexes,
// four years, 500,000 people). Run once: go test
// -run '^$' -bench BuildModels -benchtime 1x ./sql/
func BenchmarkBuildModels10M(b *testing.B) { benchBuildModels(b, 10_000_000, 500_000) }

// BenchmarkBuildModels2M is the size of `make run` (scale 0.01, four years:
// 2.2 million events of about 110,000 people).
func BenchmarkBuildModels2M(b *testing.B) { benchBuildModels(b, 2_200_000, 110_000) }

func benchBuildModels(b *testing.B, events, people int) {
	b.Helper()
	dir := b.TempDir()
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	geo := yorkshire(b)
	// People live on the region's LSOAs, one in turn, so that activity and
	// persons agree on place and the models by deprivation have their areas.
	var vals []string
	for _, a := range geo.Areas {
		vals = append(vals, fmt.Sprintf("('%s','%s','%s','%s')", a.LSOA, a.SubICB, a.LAD, a.ICB))
	}
	areas := fmt.Sprintf(`areas AS (SELECT *, row_number() OVER (ORDER BY lsoa21) - 1 AS area_no
        FROM (VALUES %s) a(lsoa21, sicbl_code, lad_code, icb_code))`, strings.Join(vals, ","))
	gen := fmt.Sprintf(`COPY (
    WITH %s,
    ev AS (
        SELECT i,
               DATE '2021-01-01' + (hash(i, 1) %% 1461)::INTEGER AS event_date,
               (hash(i, 2) %% %d) AS person
        FROM range(%d) r(i)
    )
    SELECT md5(person::VARCHAR)::UUID AS person_id, event_date,
           (['ae_attendance','emergency_admission','elective_admission','outpatient_attendance','gp_appointment','community_contact','social_care_assessment','diagnostic_test'])[1 + (hash(person, i) %% 8)::BIGINT] AS service,
           'hospital' AS setting, 'R' || (hash(i, 3) %% 5)::VARCHAR AS provider, 'acute' AS feed,
           (person %% 95)::SMALLINT AS age,
           CASE WHEN person %% 95 >= 90 THEN '90+' ELSE ((person %% 95) // 5 * 5)::VARCHAR || '-' || ((person %% 95) // 5 * 5 + 4)::VARCHAR END AS age_band,
           CASE WHEN person %% 2 = 0 THEN 'female' ELSE 'male' END AS sex,
           a.lsoa21, a.sicbl_code, a.lad_code, a.icb_code,
           'SNOMED' AS code_system, 'T' || (hash(i, 4) %% 20)::VARCHAR AS code,
           (hash(i, 5) %% 10)::INTEGER AS length_of_stay,
           year(event_date)::INTEGER AS year
    FROM ev JOIN areas a ON a.area_no = ev.person %% %d
) TO %s (FORMAT parquet, PARTITION_BY (year))`, areas, people, events, len(geo.Areas), quoteString(filepath.Join(dir, "activity")))
	persons := fmt.Sprintf(`COPY (
    WITH %s
    SELECT md5(person::VARCHAR)::UUID AS person_id,
           CASE WHEN person %% 2 = 0 THEN 'female' ELSE 'male' END AS sex,
           (person %% 95)::SMALLINT AS age,
           CASE WHEN person %% 95 >= 90 THEN '90+' ELSE ((person %% 95) // 5 * 5)::VARCHAR || '-' || ((person %% 95) // 5 * 5 + 4)::VARCHAR END AS age_band,
           a.lsoa21, a.sicbl_code, a.lad_code, a.icb_code, NULL::VARCHAR AS gp_practice, NULL::DATE AS death_month, 'acute' AS feeds
    FROM range(%d) r(person) JOIN areas a ON a.area_no = person %% %d
) TO %s (FORMAT parquet)`, areas, people, len(geo.Areas), quoteString(filepath.Join(dir, "persons.parquet")))
	for _, q := range []string{
		gen, persons,
		`COPY (SELECT 'acute' AS feed, 'unknown' AS file, 1::BIGINT AS record, 'event' AS entity, 'future_date' AS reason, 'event_date' AS field) TO '` + filepath.Join(dir, "quarantine.parquet") + `'`,
		`COPY (SELECT 'type1_objection' AS reason, 'gp' AS feed, 'E08000034' AS lad_code, 1::BIGINT AS people, 1::BIGINT AS records) TO '` + filepath.Join(dir, "optouts_applied.parquet") + `'`,
		`COPY (SELECT 'acute' AS feed, 'E08000034' AS lad_code, 'event' AS entity, 1::BIGINT AS read, 0::BIGINT AS quarantined, 0::BIGINT AS opted_out, 1::BIGINT AS written) TO '` + filepath.Join(dir, "feed_counts.parquet") + `'`,
	} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	b.ResetTimer()
	for range b.N {
		rep, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: businessDate.AddDate(1, 0, 0), Geography: geo})
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range rep.Models {
			b.Logf("%-18s %10d rows %8.2fs", m.Name, m.Rows, m.Duration.Seconds())
		}
	}
}
