package sql

import (
	"context"
	dbsql "database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/internal/refdata"
)

var businessDate = time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)

// makeRun writes the CSV fixture in testdata/run as a run folder of Parquet
// files laid out as docs/data.md describes, through DuckDB.
func makeRun(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	src, err := filepath.Abs("testdata/run")
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	csvIn := func(name, types string) string {
		return fmt.Sprintf("read_csv(%s, header = true, types = {%s})", quoteString(filepath.Join(src, name)), types)
	}
	stmts := []string{
		fmt.Sprintf(`COPY (SELECT *, year(event_date)::INTEGER AS year FROM %s) TO %s (FORMAT parquet, PARTITION_BY (year))`,
			csvIn("activity.csv", `'person_id': 'UUID', 'event_date': 'DATE', 'age': 'SMALLINT', 'length_of_stay': 'INTEGER', 'code_system': 'VARCHAR', 'code': 'VARCHAR'`),
			quoteString(filepath.Join(dir, "activity"))),
		fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet)`,
			csvIn("persons.csv", `'person_id': 'UUID', 'age': 'SMALLINT', 'death_month': 'DATE'`), quoteString(filepath.Join(dir, "persons.parquet"))),
		fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet)`,
			csvIn("quarantine.csv", `'record': 'BIGINT'`), quoteString(filepath.Join(dir, "quarantine.parquet"))),
		fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet)`,
			csvIn("optouts_applied.csv", `'people': 'BIGINT', 'records': 'BIGINT'`), quoteString(filepath.Join(dir, "optouts_applied.parquet"))),
		fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet)`,
			csvIn("feed_counts.csv", `'read': 'BIGINT', 'quarantined': 'BIGINT', 'opted_out': 'BIGINT', 'written': 'BIGINT'`), quoteString(filepath.Join(dir, "feed_counts.parquet"))),
		fmt.Sprintf(`COPY (SELECT * FROM %s) TO %s (FORMAT parquet)`,
			csvIn("feed_skipped.csv", `'records': 'BIGINT'`), quoteString(filepath.Join(dir, "feed_skipped.parquet"))),
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("make fixture run: %v", err)
		}
	}
	return dir
}

// builtRun is makeRun with the models built.
func builtRun(t testing.TB) string {
	t.Helper()
	dir := makeRun(t)
	if _, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: businessDate, Geography: yorkshire(t)}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// yorkshire is the geography of the default region, which the fixture run
// lives in.
func yorkshire(t testing.TB) *refdata.Geography {
	t.Helper()
	g, err := refdata.YorkshireHumber()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// openRun opens the run in dir with OpenRun, closing it when the test ends.
func openRun(t testing.TB, dir string) *dbsql.DB {
	t.Helper()
	db, err := OpenRun(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestBuildModels(t *testing.T) {
	ctx := context.Background()
	dir := makeRun(t)
	rep, err := BuildModels(ctx, dir, ModelOptions{BusinessDate: businessDate, HorizonYears: 2, Geography: yorkshire(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Models) != 14 || len(rep.Tests) == 0 {
		t.Fatalf("built %d models and ran %d tests", len(rep.Models), len(rep.Tests))
	}
	db := openRun(t, dir)

	// Golden outputs, worked out by hand or with awk from testdata/run
	// (never written by this code), compared value by value. Zero-filled
	// models are compared on their non-zero rows; their size is checked below.
	for _, g := range []struct{ model, where string }{
		{"activity_daily", "events > 0"},
		{"activity_monthly", "events > 0"},
		{"series_monthly", "events > 0"},
		{"duplicate_tests", "true"},
		{"care_transitions", "true"},
		{"data_quality", "true"},
	} {
		t.Run(g.model, func(t *testing.T) {
			want := readCSV(t, filepath.Join("testdata/want", g.model+".csv"))
			have := queryStrings(t, db, fmt.Sprintf("SELECT %s FROM %s WHERE %s",
				strings.Join(want[0], ", "), g.model, g.where))
			compareRows(t, want[1:], have)
		})
	}

	for _, c := range []struct {
		name, query string
		want        string
	}{
		// 439 days from 2023-01-05 to 2024-03-18 for each of the 10 observed combinations.
		{"daily zero-filled", "SELECT count(*) FROM activity_daily", strconv.Itoa(439 * 10)},
		{"monthly zero-filled", "SELECT count(*) FROM activity_monthly", strconv.Itoa(15 * 10)},
		// 7 place and 4 ICB series of the acute feed's services, February
		// 2023 (the data start on 5 January) to February 2024 (they end on
		// 7 March); social care and GP have no whole month (TestSeriesWholePeriods).
		{"monthly series", "SELECT count(*) || ' ' || min(month) || ' ' || max(month) FROM series_monthly", strconv.Itoa(11*13) + " 2023-02-01 2024-02-01"},
		// The GP feed's last day is Monday 18 March: its last whole week
		// starts on 11 March.
		{"weekly series end", "SELECT max(week_start) FROM series_weekly", "2024-03-11"},
		{"weekly iso", "SELECT DISTINCT iso_year || '-' || iso_week FROM activity_weekly WHERE week_start = DATE '2024-01-01'", "2024-1"},
		{"weekly sum", "SELECT sum(events) FROM activity_weekly WHERE week_start = DATE '2024-02-05'", "3"},
		{"population years", "SELECT min(year) || '-' || max(year) FROM population", "2011-2026"},
		{"population 2020", "SELECT round(sum(population)) FROM population WHERE year = 2020 AND lad_code = 'E08000034'", "441290"},
		{"rates places", "SELECT count(DISTINCT lad_code) FROM activity_rates WHERE level = 'place'", "2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			have := queryStrings(t, db, c.query)
			if len(have) != 1 || have[0][0] != c.want {
				t.Errorf("%s = %v, want %s", c.query, have, c.want)
			}
		})
	}
}

func TestBuildModelsErrorNamesFileAndLine(t *testing.T) {
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := script{Name: "broken", File: "models/broken.sql", Body: "-- a broken model\nSELECT 1 AS a,\n    no_such_column AS b\n"}
	_, err = buildModel(context.Background(), db, m, t.TempDir())
	if err == nil || !strings.HasPrefix(err.Error(), "sql/models/broken.sql:3: ") {
		t.Fatalf("error = %v, want it to start with sql/models/broken.sql:3", err)
	}
}

func TestOrderModels(t *testing.T) {
	for _, c := range []struct {
		name   string
		models []script
		want   string
	}{
		{"inferred", []script{
			{Name: "c", Body: "SELECT * FROM b JOIN a USING (x)"},
			{Name: "b", Body: "SELECT * FROM a"},
			{Name: "a", Body: "SELECT 1 AS x -- not c"},
		}, "a b c"},
		{"declared", []script{
			{Name: "a", Body: "-- depends: b\nSELECT 1"},
			{Name: "b", Body: "SELECT 'a'"},
		}, "b a"},
		{"cycle", []script{
			{Name: "a", Body: "SELECT * FROM b"},
			{Name: "b", Body: "SELECT * FROM a"},
		}, "error"},
		{"unknown declared", []script{{Name: "a", Body: "-- depends: zz\nSELECT 1"}}, "error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := orderModels(c.models)
			var names []string
			for _, m := range got {
				names = append(names, m.Name)
			}
			have := strings.Join(names, " ")
			if err != nil {
				have = "error"
			}
			if have != c.want {
				t.Errorf("order = %q (err %v), want %q", have, err, c.want)
			}
		})
	}
	// The embedded models order without error and daily comes before weekly.
	ms, err := loadModels()
	if err != nil {
		t.Fatal(err)
	}
	idx := func(n string) int { return slices.IndexFunc(ms, func(m script) bool { return m.Name == n }) }
	if idx("activity_daily") > idx("activity_weekly") || idx("population") > idx("activity_rates") {
		t.Errorf("embedded model order wrong: %v", ms)
	}
}

// TestDataTestsFail breaks the built models in the way each
// testdata/breaks/<test>.sql (and <test>.<case>.sql, for tests with several
// ways to fail) describes and checks that exactly that data test fails.
func TestDataTestsFail(t *testing.T) {
	dir := makeRun(t)
	tests, err := readScripts("tests")
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range tests {
		breaks, err := filepath.Glob(filepath.Join("testdata/breaks", test.Name+"*.sql"))
		if err != nil || len(breaks) == 0 {
			t.Errorf("every data test needs a fixture that breaks it: none for %s (%v)", test.Name, err)
		}
		for _, file := range breaks {
			t.Run(strings.TrimSuffix(filepath.Base(file), ".sql"), func(t *testing.T) {
				breakDataTest(t, dir, test, file)
			})
		}
	}
}

// breakDataTest builds the models over the run in dir, runs the SQL in
// file over them and checks that test, and only test, fails.
func breakDataTest(t *testing.T, dir string, test script, file string) {
	ctx := context.Background()
	breakSQL, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tests, err := readScripts("tests")
	if err != nil {
		t.Fatal(err)
	}
	models, err := loadModels()
	if err != nil {
		t.Fatal(err)
	}
	db, err := openModelDB(ctx, dir, models, ModelOptions{BusinessDate: businessDate, Geography: yorkshire(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, m := range models {
		if _, err := buildModel(ctx, db, m, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		// Models are read-only views over their Parquet; the breaks edit
		// them, so copy each into a table first.
		name := quoteIdent(m.Name)
		for _, q := range []string{
			"CREATE TABLE edit AS FROM " + name,
			"DROP VIEW " + name,
			"ALTER TABLE edit RENAME TO " + name,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.ExecContext(ctx, string(breakSQL)); err != nil {
		t.Fatalf("break: %v", err)
	}
	res, err := runTests(ctx, db, tests)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if failed := r.FailingRows > 0; failed != (r.Name == test.Name) {
			t.Errorf("after %s, test %s failed=%v (%v)", file, r.Name, failed, r.Sample)
		}
	}
}

// TestBuildModelsDataTestError: an event with a service outside the
// documented list fails BuildModels with ErrDataTest, naming the test and
// showing the failing row.
func TestBuildModelsDataTestError(t *testing.T) {
	dir := makeRun(t)
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	extra := filepath.Join(dir, "activity", "year=2024", "extra.parquet")
	q := fmt.Sprintf(`COPY (SELECT * REPLACE ('teleport' AS service) FROM read_parquet(%s) LIMIT 1) TO %s (FORMAT parquet)`,
		quoteString(filepath.Join(dir, "activity", "year=2024", "data_0.parquet")), quoteString(extra))
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
	rep, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: businessDate, Geography: yorkshire(t)})
	if !errors.Is(err, ErrDataTest) {
		t.Fatalf("error = %v, want ErrDataTest", err)
	}
	for _, want := range []string{"accepted_values", "value=teleport"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if rep == nil || len(rep.Models) != 14 {
		t.Errorf("report = %+v, want the 14 models built", rep)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rows
}

func queryStrings(t *testing.T, db *dbsql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(cols))
		for i, v := range vals {
			r[i] = FormatValue(v)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareRows compares two sets of rows in any order, numbers to 1e-9.
func compareRows(t *testing.T, want, have [][]string) {
	t.Helper()
	key := func(r []string) string { return strings.Join(r, ",") }
	slices.SortFunc(want, func(a, b []string) int { return strings.Compare(key(a), key(b)) })
	slices.SortFunc(have, func(a, b []string) int { return strings.Compare(key(a), key(b)) })
	if len(want) != len(have) {
		t.Fatalf("%d rows, want %d:\nhave %v\nwant %v", len(have), len(want), have, want)
	}
	for i := range want {
		for j := range want[i] {
			w, h := want[i][j], have[i][j]
			wf, err1 := strconv.ParseFloat(w, 64)
			hf, err2 := strconv.ParseFloat(h, 64)
			if w != h && (err1 != nil || err2 != nil || abs(wf-hf) > 1e-9) {
				t.Errorf("row %d column %d = %q, want %q\nhave %v\nwant %v", i, j, h, w, have[i], want[i])
			}
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }

// Issue 15: the models build, and the data tests pass, on a run that has
// no events at all, and on one whose people all live in unknown places:
// the models are empty where they must be.
func TestBuildModelsOnThinRuns(t *testing.T) {
	for _, tt := range []struct {
		name, where string // where: which events are kept
	}{
		{"no events", "false"},
		{"no known place", "true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := makeRun(t)
			db, err := dbsql.Open("duckdb", "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			activity := filepath.Join(dir, "activity")
			thin := filepath.Join(dir, "thin")
			// As the warehouse writes them: a run without events has one
			// empty part file in its business year.
			src := quoteString(filepath.Join(activity, "**", "*.parquet"))
			q := fmt.Sprintf(`COPY (SELECT * REPLACE ('unknown' AS lsoa21, 'unknown' AS sicbl_code, 'unknown' AS lad_code, 'unknown' AS icb_code)
				FROM read_parquet(%s, hive_partitioning = true)) TO %s (FORMAT parquet, PARTITION_BY (year))`, src, quoteString(thin))
			if tt.where == "false" {
				os.MkdirAll(filepath.Join(thin, "year=2024"), 0o755)
				q = fmt.Sprintf(`COPY (SELECT * EXCLUDE (year) FROM read_parquet(%s, hive_partitioning = true) WHERE false) TO %s (FORMAT parquet)`,
					src, quoteString(filepath.Join(thin, "year=2024", "part-00000.parquet")))
			}
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(activity); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(thin, activity); err != nil {
				t.Fatal(err)
			}
			rep, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: businessDate, Geography: yorkshire(t)})
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string]int64{}
			for _, m := range rep.Models {
				rows[m.Name] = m.Rows
			}
			if rows["series_monthly"] != 0 || rows["series_weekly"] != 0 || rows["population"] == 0 || rows["data_quality"] == 0 {
				t.Errorf("model rows %v", rows)
			}
		})
	}
}

// TestSeriesWholePeriods: the forecasting series start at the first whole
// period and end at the last whole one of the data each service's feeds
// deliver — not at the first and last month with any event (issue 16,
// finding 4). The fixture's acute feed runs from Thursday 5 January 2023
// to Thursday 7 March 2024, its GP feed from Wednesday 14 February to
// Monday 18 March 2024 and its social care feed holds one day; the business
// date (2 April 2024) has finished March, which the data has not.
func TestSeriesWholePeriods(t *testing.T) {
	dir := makeRun(t)
	if _, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC), Geography: yorkshire(t)}); err != nil {
		t.Fatal(err)
	}
	db := openRun(t, dir)
	for _, c := range []struct{ name, query, want string }{
		// February 2023 to February 2024: 13 whole months of the acute feed.
		{"monthly span", "SELECT min(month) || ' ' || max(month) || ' ' || count(DISTINCT month) FROM series_monthly", "2023-02-01 2024-02-01 13"},
		// Every series spans the whole window, zero-filled.
		{"monthly complete", "SELECT count(*) FROM (SELECT series_key FROM series_monthly GROUP BY 1 HAVING count(*) <> 13)", "0"},
		// Mondays 9 January 2023 to 26 February 2024 (which ends on Sunday
		// 3 March, before the acute feed's last day).
		{"weekly span", "SELECT min(week_start) || ' ' || max(week_start) FROM series_weekly WHERE service = 'ae_attendance'", "2023-01-09 2024-02-26"},
		// The GP feed has whole weeks (19 February to 11 March), no whole
		// month; the one-day social care feed has neither.
		{"gp weeks", "SELECT min(week_start) || ' ' || max(week_start) || ' ' || count(DISTINCT week_start) FROM series_weekly WHERE service = 'gp_appointment'", "2024-02-19 2024-03-11 4"},
		{"no whole month", "SELECT count(*) FROM series_monthly WHERE service IN ('social_care_assessment', 'gp_appointment')", "0"},
		{"no whole week", "SELECT count(*) FROM series_weekly WHERE service = 'social_care_assessment'", "0"},
		// The partial months' events are not counted: January 2023's A&E
		// attendance (5 January) and March 2024's (5 March).
		{"partial months left out", "SELECT sum(events) FROM series_monthly WHERE series_key = 'icb/E54000054/ae_attendance'", "6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			have := queryStrings(t, db, c.query)
			if len(have) != 1 || have[0][0] != c.want {
				t.Errorf("%s = %v, want %s", c.query, have, c.want)
			}
		})
	}
}
