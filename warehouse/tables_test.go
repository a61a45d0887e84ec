package warehouse

import (
	"bufio"
	dbsql "database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/pseudonymise"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestRoundTrip writes persons and activity and reads them back through
// DuckDB, an independent Parquet reader: same rows, same values, nulls
// where the rows have none.
func TestRoundTrip(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const people, events = 3000, 20000 // several batches, several years
	id := runID(t, "2026-11-24T18:30:00Z", "2026-11-23")
	run := writeRun(t, w, id, people, events, 42)
	db := openDuckDB(t)

	var want []string
	for _, p := range genPersons(people) {
		death := "NULL"
		if p.DeathMonth.Valid() {
			death = p.DeathMonth.String()
		}
		want = append(want, strings.Join([]string{uuidString(p.ID), p.Sex, fmt.Sprint(p.Age), p.AgeBand, p.LSOA,
			p.SubICB, p.SubICBName, p.LAD, p.LADName, p.ICB, p.ICBName, p.Practice, death, p.Feeds}, "|"))
	}
	got := queryStrings(t, db, `SELECT concat_ws('|', person_id, sex, age, age_band, lsoa21, sicbl_code, sicbl_name,
		lad_code, lad_name, icb_code, icb_name, gp_practice, coalesce(CAST(death_month AS VARCHAR), 'NULL'), feeds)
		FROM read_parquet(`+sqlString(filepath.Join(run.Dir(), "persons.parquet"))+`)`)
	compareRows(t, "persons", got, want)

	want = want[:0]
	r := rand.New(rand.NewPCG(42, 1))
	ids := genIDs(people)
	var a pseudonymise.ActivityRow
	for range events {
		genActivity(r, ids, &a)
		sys, code, stay := "NULL", "NULL", "NULL"
		if a.CodeSystem != "" {
			sys, code = a.CodeSystem, a.Code
		}
		if a.LengthOfStay >= 0 {
			stay = fmt.Sprint(a.LengthOfStay)
		}
		want = append(want, strings.Join([]string{uuidString(a.PersonID), a.Date.String(), a.Service.String(),
			a.Setting.String(), a.Provider, a.Feed, fmt.Sprint(a.Age), a.AgeBand, a.Sex, a.LSOA, a.SubICB, a.LAD, a.ICB,
			sys, code, stay, fmt.Sprint(a.Date.Year())}, "|"))
	}
	got = queryStrings(t, db, `SELECT concat_ws('|', person_id, event_date, service, setting, provider, feed, age,
		age_band, sex, lsoa21, sicbl_code, lad_code, icb_code, coalesce(code_system, 'NULL'), coalesce(code, 'NULL'),
		coalesce(CAST(length_of_stay AS VARCHAR), 'NULL'), year)
		FROM read_parquet(`+sqlString(filepath.Join(run.Dir(), "activity", "**", "*.parquet"))+`, hive_partitioning = true)`)
	compareRows(t, "activity", got, want)

	if err := run.Commit(&Manifest{Job: "nightly"}); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(w.RunDir(id))
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["persons"] != people || m.Tables["activity"] != events {
		t.Errorf("manifest tables = %v, want persons %d, activity %d", m.Tables, people, events)
	}
}

func queryStrings(t *testing.T, db *dbsql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func compareRows(t *testing.T, table string, got, want []string) {
	t.Helper()
	slices.Sort(got)
	slices.Sort(want)
	if len(got) != len(want) {
		t.Fatalf("%s: DuckDB read %d rows, want %d", table, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s row %d:\n got %s\nwant %s", table, i, got[i], want[i])
			if bad++; bad == 5 {
				t.FailNow()
			}
		}
	}
}

// TestSchema compares what DuckDB sees of each table — its SQL types, the
// Parquet physical and logical types, and the encodings and compression of
// each column chunk — with testdata/<table>.golden.
func TestSchema(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	run := writeRun(t, w, runID(t, "2026-11-24T18:30:00Z", "2026-11-23"), 200, 2000, 1)
	db := openDuckDB(t)
	tables := []struct{ name, file, src string }{
		{"persons", filepath.Join(run.Dir(), "persons.parquet"), ""},
		{"activity", filepath.Join(run.Dir(), "activity", "year=2024", "part-00000.parquet"), ", hive_partitioning = true"},
	}
	for _, tb := range tables {
		t.Run(tb.name, func(t *testing.T) {
			var b strings.Builder
			f := sqlString(tb.file)
			b.WriteString("# DESCRIBE\n")
			b.WriteString(strings.Join(queryStrings(t, db, `SELECT concat_ws(' ', column_name, column_type, "null")
				FROM (DESCRIBE SELECT * FROM read_parquet(`+f+tb.src+`))`), "\n"))
			// DuckDB prints IntType's bit width as a raw byte: converted_type says it.
			b.WriteString("\n# parquet_schema: name type(length) repetition converted_type logical_type\n")
			b.WriteString(strings.Join(queryStrings(t, db, `SELECT concat_ws(' ', name,
				coalesce(type, '-') || CASE WHEN type = 'FIXED_LEN_BYTE_ARRAY' THEN '(' || type_length || ')' ELSE '' END,
				coalesce(repetition_type, '-'), coalesce(converted_type, '-'),
				coalesce(regexp_replace(logical_type, 'bitWidth=[^,]*, ', ''), '-'))
				FROM parquet_schema(`+f+`) WHERE num_children IS NULL OR num_children = 0`), "\n"))
			b.WriteString("\n# parquet_metadata (first row group): column compression encodings\n")
			b.WriteString(strings.Join(queryStrings(t, db, `SELECT concat_ws(' ', path_in_schema, compression, encodings)
				FROM parquet_metadata(`+f+`) WHERE row_group_id = 0 ORDER BY column_id`), "\n"))
			b.WriteString("\n")
			golden(t, filepath.Join("testdata", tb.name+".golden"), b.String())
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update if intended):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestMetadata checks the key-value metadata DuckDB reads from the files:
// the table, version, run id and every column's description.
func TestMetadata(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := runID(t, "2026-11-24T18:30:00Z", "2026-11-23")
	run := writeRun(t, w, id, 20, 50, 1)
	type summary struct {
		Feed string `parquet:"feed,dict" doc:"feed name"`
		N    int64  `parquet:"records" doc:"records read"`
	}
	if err := WriteTable(filepath.Join(run.Dir(), "feed_counts.parquet"), []summary{{"gp", 3}, {"acute", 4}}); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	for _, tc := range []struct {
		table, file string
		rows        any
	}{
		{"persons", "persons.parquet", personRecord{}},
		{"activity", "activity/year=2024/part-00000.parquet", activityRecord{}},
		{"feed_counts", "feed_counts.parquet", summary{}},
	} {
		got := map[string]string{}
		for _, kv := range queryStrings(t, db, `SELECT decode(key) || '=' || decode(value)
			FROM parquet_kv_metadata(`+sqlString(filepath.Join(run.Dir(), tc.file))+`)`) {
			k, v, _ := strings.Cut(kv, "=")
			got[k] = v
		}
		want := map[string]string{MetaTable: tc.table, MetaRunID: id}
		cols, err := columnDocs(reflect.TypeOf(tc.rows))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if c.doc == "" {
				t.Errorf("%s.%s has no description", tc.table, c.name)
			}
			want[MetaColumnPrefix+c.name] = c.doc
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", tc.file, k, got[k], v)
			}
		}
		if got[MetaVersion] == "" {
			t.Errorf("%s: no %s", tc.file, MetaVersion)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + sqlString(filepath.Join(run.Dir(), "feed_counts.parquet")) + `) WHERE records > 2`).Scan(&n); err != nil || n != 2 {
		t.Errorf("feed_counts: %d rows, %v; want 2", n, err)
	}
}

// TestDataDictionary keeps docs/data.md and the Parquet writers in step:
// the columns of persons and activity documented there are the columns
// written (activity's year being its partition).
func TestDataDictionary(t *testing.T) {
	documented := dictionaryColumns(t, filepath.Join("..", "docs", "data.md"))
	for table, rows := range map[string]any{"persons": personRecord{}, "activity": activityRecord{}} {
		cols, err := columnDocs(reflect.TypeOf(rows))
		if err != nil {
			t.Fatal(err)
		}
		var written []string
		for _, c := range cols {
			written = append(written, c.name)
		}
		if table == "activity" {
			written = append(written, "year")
		}
		if !slices.Equal(documented[table], written) {
			t.Errorf("%s: docs/data.md documents %v, the writer writes %v", table, documented[table], written)
		}
	}
}

// dictionaryColumns reads the column names of each table of a data
// dictionary: the first cell of the rows under "### `table`".
func dictionaryColumns(t *testing.T, path string) map[string][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile("^### `([a-z_]+)`")
	name := regexp.MustCompile("`([a-z0-9_]+)`")
	out := map[string][]string{}
	table := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			table = m[1]
			continue
		}
		if strings.HasPrefix(line, "#") {
			table = ""
		}
		cells := strings.Split(line, "|")
		if table == "" || len(cells) < 3 || strings.HasPrefix(cells[1], "---") {
			continue
		}
		for _, m := range name.FindAllStringSubmatch(cells[1], -1) {
			out[table] = append(out[table], m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestActivityOpenRowsBounded writes events in person order — each person's
// events over several years in turn, so that every year stays open — and
// checks that the open row groups of all years never hold more than a row
// group's worth of rows, and that every row reaches the files.
func TestActivityOpenRowsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1.2 million rows")
	}
	run, aw := startActivity(t)
	const events, years = 1_200_000, 3
	r := rand.New(rand.NewPCG(7, 1))
	ids := genIDs(1000)
	var a pseudonymise.ActivityRow
	for i := range events {
		genActivity(r, ids, &a)
		a.Date = canonical.MakeDate(2023+i%years, 3, 1+i%28)
		if err := aw.Write(&a); err != nil {
			t.Fatal(err)
		}
		var open int64
		for _, p := range aw.years {
			open += p.t.open
		}
		if open > maxRowGroupRows {
			t.Fatalf("after %d events, %d rows in open row groups", i+1, open)
		}
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(run.Dir(), "activity", "year=*", "*.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var rows, groups int64
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquet.OpenFile(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		rows += pf.NumRows()
		groups += int64(len(pf.RowGroups()))
		f.Close()
	}
	if len(files) != years || rows != events {
		t.Errorf("%d files of %d rows, want %d of %d", len(files), rows, years, events)
	}
	// Without the bound each year would be one row group of 400,000 rows.
	if groups <= years {
		t.Errorf("%d row groups: no year's row group was ended early", groups)
	}
}

// Issue 15: a run without events still has its activity table, empty, with
// its columns, in the business date's year, so that the models build.
func TestActivityWithoutEvents(t *testing.T) {
	run, aw := startActivity(t)
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(run.Dir(), "activity", "year=2026", "part-00000.parquet")
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, cols int
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + sqlString(path) + `)`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%s: %d rows, %v", path, rows, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(` + sqlString(path) + `))`).Scan(&cols); err != nil || cols < 10 {
		t.Errorf("%s: %d columns, %v", path, cols, err)
	}
}

// startActivity begins a run for business date 2026-11-23 in a new
// warehouse and starts its activity table.
func startActivity(t *testing.T) (*Run, *ActivityWriter) {
	t.Helper()
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := w.Begin(runID(t, "2026-11-24T18:30:00Z", "2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	aw, err := run.Activity()
	if err != nil {
		t.Fatal(err)
	}
	return run, aw
}
