//go:build duckdb_arrow

package sql

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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

func TestSandboxEscapes(t *testing.T) {
	ctx := context.Background()
	dir := builtRun(t)
	sb, err := OpenSandbox(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
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
