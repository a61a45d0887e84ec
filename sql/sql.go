// Package sql is carecast's DuckDB layer: the .sql models and data tests
// (embedded), the runner that materialises them into a run, the Arrow
// hand-off of series to forecasting, and the analysts' sandbox.
package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// OpenRun opens an in-memory DuckDB with one view per table of the run in
// dir: every `<name>.parquet` file and every `<name>/` folder of Parquet
// files (Hive-partitioned, e.g. activity/year=2024/), at the top of the run
// and under models/. Tables are the contract of docs/data.md.
func OpenRun(ctx context.Context, dir string) (*dbsql.DB, error) {
	tables, err := RunTables(dir)
	if err != nil {
		return nil, err
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, t.ViewSQL()); err != nil {
			db.Close()
			return nil, fmt.Errorf("create view %s over %s: %w", t.Name, t.Path, err)
		}
	}
	return db, nil
}

// Table is one table of a run on disk.
type Table struct {
	Name string
	Path string // a .parquet file, or a folder of Parquet files
	Dir  bool
}

// ViewSQL returns the CREATE VIEW statement exposing the table.
func (t Table) ViewSQL() string {
	src := quoteString(t.Path)
	if t.Dir {
		src = quoteString(filepath.Join(t.Path, "**", "*.parquet")) + ", hive_partitioning = true"
	}
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet(%s)", quoteIdent(t.Name), src)
}

// RunTables lists the tables of the run in dir, sorted by name. A model
// table under models/ with the same name as a top-level one is an error.
func RunTables(dir string) ([]Table, error) {
	var out []Table
	seen := map[string]string{}
	for _, sub := range []string{"", "models"} {
		d := filepath.Join(dir, sub)
		entries, err := os.ReadDir(d)
		if errors.Is(err, os.ErrNotExist) && sub != "" {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list run tables: %w", err)
		}
		for _, e := range entries {
			name, path := e.Name(), filepath.Join(d, e.Name())
			var t Table
			switch {
			case !e.IsDir() && strings.HasSuffix(name, ".parquet"):
				t = Table{Name: strings.TrimSuffix(name, ".parquet"), Path: path}
			case e.IsDir() && name != "models" && hasParquet(path):
				t = Table{Name: name, Path: path, Dir: true}
			default:
				continue
			}
			if prev, dup := seen[t.Name]; dup {
				return nil, fmt.Errorf("run %s: table %s is both %s and %s", dir, t.Name, prev, t.Path)
			}
			seen[t.Name] = t.Path
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func hasParquet(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

func quoteIdent(s string) string  { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }
