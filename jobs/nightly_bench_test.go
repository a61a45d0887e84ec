package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/warehouse"
)

// BenchmarkPipeline runs the nightly pipeline without forecasts and report
// on the demo region at scale 0.01 over one year (about 57,000 people and
// 550,000 events), generated once before the clock starts. It reports the
// extract's throughput (feed CSV to Parquet, from the manifest's stage
// durations) besides the time of the whole run. Profile it with
//
//	go test -run '^$' -bench Pipeline -benchtime 3x -cpuprofile cpu.prof ./jobs/
//
// CARECAST_BENCH_CONFIG names a config to run instead of the demo region's
// (its warehouse and work folder are replaced by temporary ones), for the
// business date CARECAST_BENCH_DATE (YYYY-MM-DD). On make bench's 4-year
// region, once bench/run.sh has written its config:
//
//	CARECAST_BENCH_CONFIG=$PWD/bench/out/region-s0.05-y4/carecast.yaml CARECAST_BENCH_DATE=2026-07-01 \
//	  go test -run '^$' -bench '^BenchmarkPipeline$' -benchtime 1x -cpuprofile cpu.prof ./jobs/
func BenchmarkPipeline(b *testing.B) { benchPipeline(b, "csv") }

// BenchmarkPipelineFHIR is BenchmarkPipeline on the region written as a
// FHIR R4 Bulk Data export (about 370 MB of NDJSON).
func BenchmarkPipelineFHIR(b *testing.B) { benchPipeline(b, "fhir") }

func benchPipeline(b *testing.B, format string) {
	dir := b.TempDir()
	cfg, date := benchConfig(b, format)
	cfg.WorkDir = filepath.Join(dir, "work")
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	cfg.KeepRuns = 1
	off := false
	cfg.Forecast.Enabled, cfg.Report.Enabled = &off, &off
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func() jobs.Result {
		res, err := jobs.RunPipeline(context.Background(), log, jobs.Request{
			Config: cfg, Job: "nightly", Kind: "pipeline", BusinessDate: date,
			Trigger: jobs.TriggerManual, Attempt: 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	if cfg.IsDemo() {
		run() // generates the region
	}
	var events, seconds float64
	for b.Loop() {
		res := run()
		m, err := warehouse.ReadManifest(res.RunDir)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []string{"hash_inputs", "read_persons", "write_persons", "write_activity", "write_summaries"} {
			seconds += m.Durations[s]
		}
		events += float64(m.Counts["events_written"] + m.Counts["events_opted_out"])
	}
	b.ReportMetric(events/seconds, "extract-events/s")
}

// benchConfig returns the config BenchmarkPipeline runs and its business
// date: CARECAST_BENCH_CONFIG's, else the demo region's at scale 0.01 over
// one year.
func benchConfig(b *testing.B, format string) (*config.Config, time.Time) {
	b.Helper()
	path := os.Getenv("CARECAST_BENCH_CONFIG")
	if path == "" {
		cfg := config.Default()
		cfg.Demo.Scale, cfg.Demo.Years, cfg.Demo.Format = 0.01, 1, format
		return cfg, businessDate
	}
	if format != "csv" {
		b.Skip("CARECAST_BENCH_CONFIG is run by BenchmarkPipeline alone")
	}
	cfg, err := config.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	date, err := time.Parse(time.DateOnly, os.Getenv("CARECAST_BENCH_DATE"))
	if err != nil {
		b.Fatalf("CARECAST_BENCH_DATE: %v", err)
	}
	return cfg, date
}
