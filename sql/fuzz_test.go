package sql

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzOrderModels: any set of model texts either orders with every model
// after its declared and referenced dependencies, or is an error.
func FuzzOrderModels(f *testing.F) {
	f.Add("SELECT * FROM b", "-- depends: c\nSELECT 1", "SELECT 'a' -- a")
	f.Add("SELECT * FROM b", "SELECT * FROM a", "")
	f.Add("-- depends: ,, b ,\nSELECT \"c\"", "", "SELECT 'it''s' FROM a")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ms, err := orderModels([]script{{Name: "a", Body: a}, {Name: "b", Body: b}, {Name: "c", Body: c}})
		if err != nil {
			return
		}
		pos := map[string]int{}
		for i, m := range ms {
			pos[m.Name] = i
		}
		if len(pos) != 3 {
			t.Fatalf("ordered %d models, want 3", len(pos))
		}
		for _, m := range ms {
			for _, d := range m.Deps {
				if pos[d] > pos[m.Name] {
					t.Fatalf("%s before its dependency %s", m.Name, d)
				}
			}
		}
	})
}

// FuzzSandbox: whatever the text, the sandbox never changes a file of the
// run, and never runs anything that is not a query.
func FuzzSandbox(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM activity",
		"SELECT 1; COPY activity TO 'x.parquet'",
		"COPY (SELECT 1) TO 'activity/year=2024/data_0.parquet' (FORMAT parquet, USE_TMP_FILE false)",
		"SET lock_configuration = false",
		"ATTACH 'x.db'; SELECT 1",
		"SELECT * FROM read_text('/etc/passwd')",
		"PRAGMA enable_profiling",
		"EXPORT DATABASE 'out'",
		"DESCRIBE persons",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	dir := makeRun(f)
	sb, err := OpenSandbox(ctx, dir, SandboxLimits{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sb.Close() })
	before := hashTree(f, dir)
	f.Fuzz(func(t *testing.T, text string) {
		text = strings.ReplaceAll(text, "'x", "'"+dir+"/x")
		sb.Query(ctx, text)
		if after := hashTree(t, dir); !maps.Equal(before, after) {
			t.Fatalf("%q changed the run: %v", text, slices.Sorted(maps.Keys(after)))
		}
	})
}
