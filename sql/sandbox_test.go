package sql

import (
	"context"
	"crypto/sha256"
	dbsql "database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func openDuckDB(t testing.TB) *dbsql.DB {
	t.Helper()
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// hashTree returns the SHA-256 of every file under dir.
func hashTree(t testing.TB, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// openSandbox opens a sandbox over the run in dir, closing it when the test
// ends.
func openSandbox(t testing.TB, dir string) *Sandbox {
	t.Helper()
	sb, err := OpenSandbox(context.Background(), dir, SandboxLimits{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

func TestSandboxEscapes(t *testing.T) {
	ctx := context.Background()
	dir := builtRun(t)
	sb := openSandbox(t, dir)
	before := hashTree(t, dir)
	act := filepath.Join(dir, "activity", "year=2024", "data_0.parquet")
	model := filepath.Join(dir, "models", "activity_daily.parquet")
	outside := filepath.Join(t.TempDir(), "stolen")

	for _, c := range []struct{ name, query, want string }{
		{"read_csv", "SELECT * FROM read_csv('/etc/passwd')", "Permission Error"},
		{"read_text", "SELECT * FROM read_text('/etc/passwd')", "Permission Error"},
		{"glob", "SELECT * FROM glob('/etc/*')", "Permission Error"},
		{"glob run", "SELECT * FROM glob('" + dir + "/*')", "Permission Error"},
		{"attach", "ATTACH '" + outside + ".db'", "not allowed"},
		{"copy out", "COPY (SELECT * FROM persons) TO '" + outside + ".csv'", "not allowed"},
		{"copy over run file", "COPY (SELECT 1 AS x) TO '" + act + "' (FORMAT parquet, USE_TMP_FILE false)", "not allowed"},
		{"copy over model", "COPY activity_daily TO '" + model + "' (FORMAT parquet, USE_TMP_FILE false)", "not allowed"},
		{"copy hidden after select", "SELECT 1; COPY (SELECT 1 AS x) TO '" + act + "' (FORMAT parquet, USE_TMP_FILE false)", "not allowed"},
		{"export", "EXPORT DATABASE '" + outside + "'", "not allowed"},
		{"install", "INSTALL httpfs", "not allowed"},
		{"load", "LOAD httpfs", "not allowed"},
		{"set", "SET enable_external_access = true", "not allowed"},
		{"set allowed paths", "SET allowed_paths = ['/']", "not allowed"},
		{"reset", "RESET lock_configuration", "not allowed"},
		{"pragma", "PRAGMA enable_profiling", "not allowed"},
		{"create", "CREATE TABLE x AS SELECT 1", "not allowed"},
		{"drop view", "DROP VIEW persons", "not allowed"},
		{"call", "CALL pragma_version()", "not allowed"},
		{"set in cte", "WITH x AS (SELECT 1) SELECT * FROM read_parquet('/etc/passwd')", "Permission Error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sb.Query(ctx, c.query)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.query, err, c.want)
			}
		})
	}
	if after := hashTree(t, dir); !maps.Equal(before, after) {
		t.Error("a data file changed")
	}
	if _, err := os.Stat(outside + ".csv"); err == nil {
		t.Error("COPY wrote outside the run")
	}

	// Reading the run's tables still works, through views and directly.
	for _, q := range []string{
		"SELECT service, count(*) FROM activity GROUP BY 1",
		"SELECT count(*) FROM read_parquet('" + act + "')",
		"DESCRIBE activity",
		"SHOW TABLES",
		"SELECT sum(events) FROM series_monthly",
	} {
		if _, err := sb.Query(ctx, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	res, err := sb.Query(ctx, "SELECT count(*) AS n FROM activity")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0] != int64(20) {
		t.Errorf("count(*) activity = %v, %v; want 20", res, err)
	}
}

// TestSandboxWriteParquet writes answers of every kind of query the
// sandbox admits to Parquet files, and refuses texts that would break out
// of the subquery they are embedded in.
func TestSandboxWriteParquet(t *testing.T) {
	ctx := context.Background()
	dir := builtRun(t)
	sb := openSandbox(t, dir)
	before := hashTree(t, dir)
	out := t.TempDir()
	for i, c := range []struct {
		query string
		rows  int64 // -1: any number above 0
	}{
		{"SELECT count(*) AS n FROM activity", 1},
		{"SELECT service, count(*) AS n FROM activity GROUP BY 1 ORDER BY 1;  \n", -1},
		{"DESCRIBE activity", -1},
		{"SHOW TABLES", -1},
		{"SUMMARIZE series_monthly", -1},
		{"FROM activity LIMIT 3 -- a trailing comment", 3},
		{"SELECT * FROM activity WHERE false", 0},
	} {
		path := filepath.Join(out, fmt.Sprintf("answer-%d.parquet", i))
		if err := sb.WriteParquet(ctx, c.query, path); err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		// An independent reader: a plain DuckDB over the written file.
		var n int64
		if err := openDuckDB(t).QueryRow("SELECT count(*) FROM read_parquet(" + quoteString(path) + ")").Scan(&n); err != nil {
			t.Errorf("%q: read back: %v", c.query, err)
		} else if c.rows >= 0 && n != c.rows || c.rows < 0 && n == 0 {
			t.Errorf("%q: %d rows written, want %d", c.query, n, c.rows)
		}
	}
	escape := filepath.Join(out, "escaped.csv")
	for _, q := range []string{
		"SELECT 1)) TO '" + escape + "' (FORMAT csv) --",
		"SELECT 1 /* )) TO '" + escape + "' (FORMAT csv) */",
		"SELECT 1; COPY (SELECT 1) TO '" + escape + "'",
		"COPY (SELECT 1) TO '" + escape + "'",
	} {
		err := sb.WriteParquet(ctx, q, filepath.Join(out, "never.parquet"))
		if q == "SELECT 1 /* )) TO '"+escape+"' (FORMAT csv) */" {
			// A comment is harmless: the query is SELECT 1.
			if err != nil {
				t.Errorf("%q: %v", q, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: no error", q)
		}
	}
	if _, err := os.Stat(escape); err == nil {
		t.Error("a query wrote outside the sandbox")
	}
	if after := hashTree(t, dir); !maps.Equal(before, after) {
		t.Error("a data file changed")
	}
}

// TestSandboxQueryArrow checks the Arrow hand-off of an analyst's query:
// types, nulls and values, against the same query through database/sql.
func TestSandboxQueryArrow(t *testing.T) {
	ctx := context.Background()
	sb := openSandbox(t, builtRun(t))
	q := `SELECT service, min(event_date) AS first, count(*) AS n, avg(age)::DOUBLE AS mean_age,
	       count(*) > 2 AS many, NULL::VARCHAR AS nothing, 7::INTEGER AS seven
	FROM activity GROUP BY 1 ORDER BY 1`
	want, err := sb.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]any
	err = sb.QueryArrow(ctx, q, func(rec arrow.RecordBatch) error {
		wantTypes := []arrow.Type{arrow.STRING, arrow.DATE32, arrow.INT64, arrow.FLOAT64, arrow.BOOL, arrow.STRING, arrow.INT64}
		for i, ty := range wantTypes {
			if id := rec.Schema().Field(i).Type.ID(); id != ty {
				t.Fatalf("column %d: type %s, want %s", i, id, ty)
			}
		}
		for r := range int(rec.NumRows()) {
			if !rec.Column(5).IsNull(r) {
				t.Errorf("row %d: NULL came through as a value", r)
			}
			got = append(got, []any{
				rec.Column(0).(*array.String).Value(r),
				rec.Column(1).(*array.Date32).Value(r).ToTime(),
				rec.Column(2).(*array.Int64).Value(r),
				rec.Column(3).(*array.Float64).Value(r),
				rec.Column(4).(*array.Boolean).Value(r),
				rec.Column(6).(*array.Int64).Value(r),
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Rows) || len(got) == 0 {
		t.Fatalf("%d rows through Arrow, %d through database/sql", len(got), len(want.Rows))
	}
	for i, w := range want.Rows {
		g := got[i]
		if g[0] != w[0] || !g[1].(time.Time).Equal(w[1].(time.Time)) || g[2] != w[2] || g[3] != w[3] || g[4] != w[4] || g[5] != int64(w[6].(int32)) {
			t.Errorf("row %d: Arrow %v, database/sql %v", i, g, w)
		}
	}
	if err := sb.QueryArrow(ctx, "SELECT 1::HUGEINT AS h", func(arrow.RecordBatch) error { return nil }); !errors.Is(err, ErrArrowType) {
		t.Errorf("HUGEINT: %v, want ErrArrowType", err)
	}
	if err := sb.QueryArrow(ctx, "DROP VIEW activity", func(arrow.RecordBatch) error { return nil }); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("DROP VIEW: %v, want ErrNotAllowed", err)
	}
}

// Issue 14, finding 6 (sandbox): each session spills to a private
// temporary folder of its own, which the analyst's SQL cannot read, and
// runs under memory, thread, spill and time limits, set before the
// configuration is locked.
func TestSandboxLimits(t *testing.T) {
	ctx := context.Background()
	dir := builtRun(t)
	lim := SandboxLimits{MemoryLimit: "512MB", Threads: 1, MaxTempSize: "64MB", Timeout: 300 * time.Millisecond}
	open := func() *Sandbox {
		sb, err := OpenSandbox(ctx, dir, lim)
		if err != nil {
			t.Fatal(err)
		}
		return sb
	}
	sb, other := open(), open()
	defer other.Close()
	setting := func(sb *Sandbox, name string) string {
		res, err := sb.Query(ctx, "SELECT current_setting('"+name+"')::VARCHAR")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res.Rows[0][0])
	}
	for name, want := range map[string]string{"memory_limit": "488.2 MiB", "threads": "1", "max_temp_directory_size": "61.0 MiB", "lock_configuration": "true"} {
		if got := setting(sb, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// DuckDB lets a session read its temporary folder (it allows it when
	// external access is disabled): so each session has its own, private
	// (0700) and removed with it, holding nothing but what the session
	// itself spilled; another session's is out of reach.
	spill, theirs := setting(sb, "temp_directory"), setting(other, "temp_directory")
	st, err := os.Stat(spill)
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("temp_directory %q: %v; want a private folder", spill, err)
	}
	if spill == theirs || !filepath.IsAbs(spill) {
		t.Errorf("temp_directory %q, another session's %q: want a folder of each session's own", spill, theirs)
	}
	secret := filepath.Join(theirs, "spill.parquet")
	if err := os.WriteFile(secret, []byte("PAR1"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"SELECT * FROM read_parquet('" + secret + "')", "SELECT * FROM glob('" + theirs + "/*')"} {
		if _, err := sb.Query(ctx, q); err == nil || !strings.Contains(err.Error(), "Permission Error") {
			t.Errorf("%s: %v, want a permission error", q, err)
		}
	}

	// A statement that runs past the timeout is stopped.
	if _, err := sb.Query(ctx, "SELECT count(*) FROM range(1000000000000) a"); !errors.Is(err, ErrTimeout) {
		t.Errorf("a long query: %v, want ErrTimeout", err)
	}
	if _, err := sb.Query(ctx, "SELECT count(*) FROM activity"); err != nil {
		t.Errorf("the session after a timeout: %v", err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(spill); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the temporary folder outlives its session: %v", err)
	}
}
