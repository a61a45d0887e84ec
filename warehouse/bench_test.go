package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/yhcr/carecast/pseudonymise"
)

// benchEvents and benchPeople are a generated region: 10 million events of
// a million people.
const (
	benchEvents = 10_000_000
	benchPeople = 1_000_000
)

// BenchmarkActivityWriter writes the activity table of a generated region
// of 10 million events (generation is not timed) and reports rows/s and
// bytes/row, then the time DuckDB takes to group it by service. Run once:
//
//	go test -run '^$' -bench ActivityWriter -benchtime 1x ./warehouse/
func BenchmarkActivityWriter(b *testing.B) {
	ids := genIDs(benchPeople)
	batch := make([]pseudonymise.ActivityRow, batchRows)
	var dir string
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		w, err := Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		run, err := w.Begin(NewRunID(time.Date(2026, 11, 24, 2, 0, i, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)))
		if err != nil {
			b.Fatal(err)
		}
		dir = run.Dir()
		r := mrand.New(mrand.NewPCG(1, 2))
		b.StartTimer()
		aw, err := run.Activity()
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < benchEvents; n += len(batch) {
			b.StopTimer()
			for j := range batch {
				genActivity(r, ids, &batch[j])
			}
			b.StartTimer()
			for j := range batch[:min(len(batch), benchEvents-n)] {
				if err := aw.Write(&batch[j]); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := aw.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	rows := float64(benchEvents) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(treeSize(b, filepath.Join(dir, "activity")))/benchEvents, "bytes/row")
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/rows, "allocs/row")

	db := openDuckDB(b)
	view := `CREATE VIEW activity AS SELECT * FROM read_parquet(` +
		sqlString(filepath.Join(dir, "activity", "**", "*.parquet")) + `, hive_partitioning = true)`
	if _, err := db.Exec(view); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var services, total int64
	err := db.QueryRowContext(context.Background(),
		`SELECT count(*), sum(n) FROM (SELECT service, count(*) AS n FROM activity GROUP BY 1)`).Scan(&services, &total)
	if err != nil || total != benchEvents {
		b.Fatalf("GROUP BY service: %d services, %d events, %v", services, total, err)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "groupby-ms")
}

func treeSize(b *testing.B, root string) int64 {
	var size int64
	err := filepath.Walk(root, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			size += fi.Size()
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return size
}

// BenchmarkPersonIDEncoding measures the bytes per row of a column of a
// million random pseudonyms stored as a 16-byte UUID and as a 32-character
// hex string, both zstd-compressed (docs/data.md quotes it).
func BenchmarkPersonIDEncoding(b *testing.B) {
	type asUUID struct {
		ID [16]byte `parquet:"person_id,uuid"`
	}
	type asHex struct {
		ID string `parquet:"person_id"`
	}
	const n = 1 << 20
	uuids := make([]asUUID, n)
	hexes := make([]asHex, n)
	for i := range uuids {
		rand.Read(uuids[i].ID[:])
		hexes[i].ID = hex.EncodeToString(uuids[i].ID[:])
	}
	dir := b.TempDir()
	for range b.N {
		for _, tc := range []struct {
			name  string
			write func(string) error
		}{
			{"uuid", func(p string) error { return WriteTable(p, uuids) }},
			{"hex", func(p string) error { return WriteTable(p, hexes) }},
		} {
			path := filepath.Join(dir, tc.name+".parquet")
			if err := tc.write(path); err != nil {
				b.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size())/n, fmt.Sprintf("bytes/row-%s", tc.name))
		}
	}
}
