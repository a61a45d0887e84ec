package cli

import (
	"bytes"
	"context"
	dbsql "database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// fixtureWarehouse makes a warehouse whose current run holds a small
// activity table and persons table, written by DuckDB, and a config naming it.
func fixtureWarehouse(t *testing.T) (config string) {
	t.Helper()
	dir := t.TempDir()
	id := "20240321T010000Z-d20240320"
	writeFixtureRun(t, filepath.Join(dir, "warehouse", "runs", id))
	if err := os.WriteFile(filepath.Join(dir, "warehouse", "CURRENT"), []byte(id+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config = filepath.Join(dir, "carecast.yaml")
	if err := os.WriteFile(config, []byte("warehouse: "+filepath.Join(dir, "warehouse")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return config
}

// writeFixtureRun writes the fixture's run into the folder run.
func writeFixtureRun(t *testing.T, run string) {
	t.Helper()
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`COPY (SELECT * FROM (VALUES ('00000000-0000-0000-0000-000000000001'::UUID, DATE '2024-01-02', 'ae_attendance', 2024),
			('00000000-0000-0000-0000-000000000001'::UUID, DATE '2024-01-03', 'gp_appointment', 2024),
			('00000000-0000-0000-0000-000000000002'::UUID, DATE '2023-05-03', 'gp_appointment', 2023))
			AS t(person_id, event_date, service, year)) TO '` + filepath.Join(run, "activity") + `' (FORMAT parquet, PARTITION_BY (year))`,
		`COPY (SELECT '00000000-0000-0000-0000-000000000001'::UUID AS person_id, 'female' AS sex) TO '` + filepath.Join(run, "persons.parquet") + `' (FORMAT parquet)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSQLCommand(t *testing.T) {
	cfg := fixtureWarehouse(t)
	out := filepath.Join(t.TempDir(), "answer.parquet")
	for _, c := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  []string // substrings of stdout (or stderr on failure)
	}{
		{"table", []string{"select service, count(*) AS n from activity group by 1 order by 1"}, "", 0,
			[]string{"service", "ae_attendance", "gp_appointment", "(2 rows)"}},
		{"stdin csv", []string{"--format", "csv"}, "SELECT service FROM activity WHERE year = 2023", 0,
			[]string{"service\ngp_appointment\n"}},
		{"json", []string{"--format", "json", "SELECT count(*) AS n FROM persons"}, "", 0, []string{`"n": 1`}},
		{"tables", []string{"--tables"}, "", 0, []string{"activity", "3", "persons"}},
		{"describe", []string{"--describe", "activity"}, "", 0, []string{"person_id", "UUID", "event_date", "DATE"}},
		{"parquet", []string{"--format", "parquet", "-o", out, "SELECT * FROM activity"}, "", 0, nil},
		{"parquet needs -o", []string{"--format", "parquet", "SELECT 1"}, "", 2, []string{"needs -o"}},
		{"refused", []string{"COPY activity TO '/tmp/x.csv'"}, "", 1, []string{"not allowed"}},
		{"outside", []string{"SELECT * FROM read_text('/etc/passwd')"}, "", 1, []string{"Permission Error"}},
		{"limits", []string{"--memory-limit", "256MB", "--threads", "1", "--max-temp", "1GB", "--format", "csv",
			"SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t, current_setting('max_temp_directory_size') AS x"}, "", 0,
			[]string{"244.1 MiB,1,953.6 MiB"}},
		{"timeout", []string{"--timeout", "200ms", "SELECT count(*) FROM range(1000000000000)"}, "", 1, []string{"timed out", "--timeout"}},
		{"no threads", []string{"--threads", "0", "SELECT 1"}, "", 2, []string{"--threads"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"sql", "--config", cfg}, c.args...)
			code := Run(context.Background(), args, strings.NewReader(c.stdin), &stdout, &stderr)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, stderr.String())
			}
			text := stdout.String()
			if code != 0 {
				text = stderr.String()
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
	// The Parquet answer reads back through DuckDB.
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM read_parquet('" + out + "')").Scan(&n); err != nil || n != 3 {
		t.Errorf("parquet answer: %d rows, %v; want 3", n, err)
	}
}

// TestReadKeptRuns: sql, report and runs reach every kept run — the
// published one, and a backfill committed without being published — by run
// id or by business date (issue 16, finding 1).
func TestReadKeptRuns(t *testing.T) {
	cfg := fixtureWarehouse(t)
	backfill := "20240322T090000Z-d20240101"
	writeFixtureRun(t, filepath.Join(filepath.Dir(cfg), "warehouse", "runs", backfill))
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"by date", []string{"sql", "--run", "2024-01-01", "SELECT count(*) AS n FROM activity"}, 0, "3"},
		{"by id", []string{"sql", "--run", backfill, "SELECT count(*) AS n FROM activity"}, 0, "3"},
		{"no run of the date", []string{"sql", "--run", "2023-12-31", "SELECT 1"}, 1, "runs --kept"},
		{"pruned id", []string{"sql", "--run", "20240301T090000Z-d20240229", "SELECT 1"}, 1, "not kept"},
		{"neither", []string{"sql", "--run", "latest", "SELECT 1"}, 2, "neither a run id nor a business date"},
		{"kept", []string{"runs", "--kept"}, 0, "2024-03-20  20240321T010000Z-d20240320"},
		{"kept json", []string{"runs", "--kept", "--json"}, 0, `"id": "` + backfill + `"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := opsRun(t, append(append([]string{}, c.args[0], "--config", cfg), c.args[1:]...)...)
			if code != c.code || !strings.Contains(stdout+stderr, c.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, c.code, c.want, stdout, stderr)
			}
		})
	}
	_, stdout, _ := opsRun(t, "runs", "--kept", "--config", cfg)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], "current") || !strings.Contains(lines[2], backfill) || strings.HasSuffix(lines[2], "current") {
		t.Errorf("runs --kept:\n%s", stdout)
	}
}
