package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

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
func BenchmarkPipeline(b *testing.B) { benchPipeline(b, "csv") }

// BenchmarkPipelineFHIR is BenchmarkPipeline on the region written as a
// FHIR R4 Bulk Data export (about 370 MB of NDJSON).
func BenchmarkPipelineFHIR(b *testing.B) { benchPipeline(b, "fhir") }

func benchPipeline(b *testing.B, format string) {
	dir := b.TempDir()
	cfg := config.Default()
	cfg.WorkDir = filepath.Join(dir, "work")
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	cfg.Demo.Scale, cfg.Demo.Years, cfg.Demo.Format = 0.01, 1, format
	cfg.KeepRuns = 1
	off := false
	cfg.Forecast.Enabled, cfg.Report.Enabled = &off, &off
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func() jobs.Result {
		res, err := jobs.RunPipeline(context.Background(), log, jobs.Request{
			Config: cfg, Job: "nightly", Kind: "pipeline", BusinessDate: businessDate,
			Trigger: jobs.TriggerManual, Attempt: 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	run() // generates the region
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
