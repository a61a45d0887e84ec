package sql

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TEMPORARY local harness (deleted before report).
func TestZZLocal(t *testing.T) {
	dir := os.Getenv("ZZRUN")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	bd, _ := time.Parse(time.DateOnly, "2026-11-01")
	opts := ModelOptions{BusinessDate: bd}
	start := time.Now()
	models, err := loadModels()
	if err != nil {
		t.Fatal(err)
	}
	db, err := openModelDB(ctx, dir, models, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{os.Getenv("ZZSET")} {
		if q != "" {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("open %.2fs", time.Since(start).Seconds())
	if f := os.Getenv("ZZSQL"); f != "" {
		b, _ := os.ReadFile(f)
		for _, q := range strings.Split(string(b), ";\n") {
			if strings.TrimSpace(q) == "" {
				continue
			}
			s := time.Now()
			var n any
			err := db.QueryRowContext(ctx, q).Scan(&n)
			t.Logf("%6.2fs %v %v  %.60q", time.Since(s).Seconds(), n, err, q)
		}
		return
	}
	for _, m := range models {
		res, err := buildModel(ctx, db, m, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-18s %10d rows %6.2fs", res.Name, res.Rows, res.Duration.Seconds())
	}
	tests, _ := readScripts("tests")
	for _, tt := range tests {
		s := time.Now()
		res, err := runTests(ctx, db, []script{tt})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("test %-18s fail=%d %6.2fs", tt.Name, res[0].FailingRows, time.Since(s).Seconds())
	}
	t.Logf("total %.2fs", time.Since(start).Seconds())
}
