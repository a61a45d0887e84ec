package scenario_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/scenarios"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// benchRun returns the run BenchmarkScenario works on, and its business
// date: the run folder in CARECAST_BENCH_RUN (make bench gives it the
// whole region's run), or else the default demo region (scale 0.01, four
// years to 30 June 2026), built once here and not timed.
func benchRun(b *testing.B) (string, time.Time) {
	b.Helper()
	if dir := os.Getenv("CARECAST_BENCH_RUN"); dir != "" {
		m, err := warehouse.ReadManifest(dir)
		if err != nil {
			b.Fatal(err)
		}
		date, err := time.Parse(time.DateOnly, m.BusinessDate)
		if err != nil {
			b.Fatal(err)
		}
		return dir, date
	}
	dir := b.TempDir()
	cfg := config.Default()
	cfg.WorkDir, cfg.Warehouse = filepath.Join(dir, "work"), filepath.Join(dir, "warehouse")
	off := false
	cfg.Forecast.Enabled, cfg.Report.Enabled, cfg.Scenarios = &off, &off, []string{}
	date := time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC)
	res, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
		Config: cfg, Job: "bench", Kind: "pipeline", BusinessDate: date, Trigger: jobs.TriggerManual, Attempt: 1})
	if err != nil {
		b.Fatal(err)
	}
	return res.RunDir, date
}

// BenchmarkScenario times 1,000 draws of each example scenario over every
// place and service of a region, as the nightly run does it: the baseline
// read from the run through DuckDB, the model compiled and run on every
// core. "-h20" is growth-and-mitigation over 20 years, the longest horizon.
func BenchmarkScenario(b *testing.B) {
	runDir, date := benchRun(b)
	examples, err := scenarios.Examples()
	if err != nil {
		b.Fatal(err)
	}
	type bench struct {
		name string
		text []byte
	}
	var benches []bench
	for _, e := range examples {
		name := strings.TrimSuffix(e.Name, ".yaml")
		benches = append(benches, bench{name, e.Text})
		if name == "growth-and-mitigation" {
			benches = append(benches, bench{name + "-h20", []byte(strings.Replace(string(e.Text), "horizon_years: 10", "horizon_years: 20", 1))})
		}
	}
	ctx := context.Background()
	for _, bc := range benches {
		f, err := scenario.Parse(bc.text, bc.name+".yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			var places, cells, rows int
			// Other work on a shared machine slows single runs: the best
			// run is reported beside the mean.
			best, bestRead, bestModel := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
			for b.Loop() {
				start := time.Now()
				db, err := cwsql.OpenRun(ctx, runDir)
				if err != nil {
					b.Fatal(err)
				}
				base, err := scenario.ReadBaseline(ctx, db, date, scenario.LastWholeYear(date))
				db.Close()
				if err != nil {
					b.Fatal(err)
				}
				read := time.Now()
				bestRead = min(bestRead, read.Sub(start))
				m, err := scenario.Compile(f, base, scenario.Options{})
				if err != nil {
					b.Fatal(err)
				}
				res, err := m.Run(ctx)
				if err != nil {
					b.Fatal(err)
				}
				places, cells, rows = len(base.Places), len(base.Cells), len(res.Rows)
				best, bestModel = min(best, time.Since(start)), min(bestModel, time.Since(read))
			}
			b.ReportMetric(best.Seconds(), "best-s")
			b.ReportMetric(bestRead.Seconds(), "read-s")
			b.ReportMetric(bestModel.Seconds(), "model-s")
			b.ReportMetric(float64(places), "places")
			b.ReportMetric(float64(cells), "cells")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
