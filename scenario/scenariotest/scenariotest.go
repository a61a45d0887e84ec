// Package scenariotest writes small runs for testing the planning
// scenarios and their commands: the activity and population model a
// scenario reads, made by DuckDB.
package scenariotest

import (
	dbsql "database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/yhcr/carecast/warehouse"
)

// RunID is the id of the run WriteRun makes; BusinessDate its business
// date. Its activity covers 2024 from March, and the whole of 2025.
const RunID = "20260302T020000Z-d20260301"

var BusinessDate = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// WriteRun writes a committed run into the warehouse folder root
// (root/runs/RunID, and root/CURRENT naming it) and returns its folder:
// activity of two places of one ICB, E1 and E2 (S1), by service, age band
// and sex — with events of unknown place, service, age band and sex —, the
// activity_monthly model of it, and the population model, 2020 to 2027.
func WriteRun(tb testing.TB, root string) string {
	tb.Helper()
	dir := filepath.Join(root, "runs", RunID)
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, y := range []int{2024, 2025} {
		part := filepath.Join(dir, "activity", fmt.Sprintf("year=%d", y))
		if err := os.MkdirAll(part, 0o755); err != nil {
			tb.Fatal(err)
		}
		start := fmt.Sprintf("%d-01-01", y)
		if y == 2024 {
			start = "2024-03-01"
		}
		// Events of each place, service, age band and sex: a number that
		// differs by each, on dates through the year; admissions stay 0 to
		// 4 days.
		q := fmt.Sprintf(`COPY (
			SELECT lad AS lad_code, svc AS service, band AS age_band, sex,
			       DATE '%s' + (i * 7 %% (DATE '%d-12-31' - DATE '%s'))::INTEGER AS event_date,
			       CASE WHEN svc = 'emergency_admission' THEN (i %% 5)::INTEGER END AS length_of_stay
			FROM (VALUES ('E1', 1), ('E2', 2)) p(lad, pn),
			     (VALUES ('emergency_admission', 1), ('outpatient_attendance', 4), ('unknown', 1)) s(svc, sn),
			     (VALUES ('0-64', 3), ('65+', 2), ('unknown', 1)) b(band, bn),
			     (VALUES ('male', 1), ('female', 2), ('not_known', 0)) x(sex, xn),
			     range(100) r(i)
			WHERE i < 5 * pn * sn * bn * (xn + 1) + %d
			UNION ALL
			SELECT 'unknown', 'emergency_admission', '0-64', 'male', DATE '%s', 2 FROM range(9)
		) TO '%s' (FORMAT parquet)`, start, y, start, y-2020, start, filepath.Join(part, "part-00000.parquet"))
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		tb.Fatal(err)
	}
	// The activity_monthly model, as sql/models/activity_monthly.sql counts
	// it (without its zero-filling).
	q := fmt.Sprintf(`COPY (
		SELECT date_trunc('month', event_date)::DATE AS month, CASE WHEN lad_code = 'unknown' THEN 'unknown' ELSE 'S1' END AS icb_code,
		       lad_code, service, age_band, sex, count(*)::BIGINT AS events
		FROM read_parquet('%s', hive_partitioning = true)
		GROUP BY ALL
	) TO '%s' (FORMAT parquet)`, filepath.Join(dir, "activity", "**", "*.parquet"), filepath.Join(dir, "models", "activity_monthly.parquet"))
	if _, err := db.Exec(q); err != nil {
		tb.Fatal(err)
	}
	q = fmt.Sprintf(`COPY (
		SELECT y::INTEGER AS year, 'S1' AS icb_code, lad AS lad_code, lad AS lad_name, band AS age_band, sex,
		       (1000.0 * pn * bn * xn) * pow(1 + 0.01 * bn * xn, y - 2020) AS population, y > 2020 AS projected
		FROM (VALUES ('E1', 1), ('E2', 2)) p(lad, pn), (VALUES ('0-64', 3), ('65+', 1)) b(band, bn),
		     (VALUES ('male', 1), ('female', 2)) x(sex, xn), range(2020, 2028) r(y)
	) TO '%s' (FORMAT parquet)`, filepath.Join(dir, "models", "population.parquet"))
	if _, err := db.Exec(q); err != nil {
		tb.Fatal(err)
	}
	// The icbs model: S1's NHS code is QS1.
	q = fmt.Sprintf(`COPY (SELECT 'S1' AS icb_code, 'QS1' AS icb_ods, 'An ICB' AS icb_name, 'S1' AS region) TO '%s' (FORMAT parquet)`,
		filepath.Join(dir, "models", "icbs.parquet"))
	if _, err := db.Exec(q); err != nil {
		tb.Fatal(err)
	}
	m := warehouse.Manifest{RunID: RunID, Job: "pipeline", BusinessDate: BusinessDate.Format(time.DateOnly),
		SoftwareVersion: "v0.0.0-test", Demo: true}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, warehouse.ManifestFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "CURRENT"), []byte(RunID+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}
