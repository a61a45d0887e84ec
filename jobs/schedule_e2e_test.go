package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/internal/cli"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
)

// The scheduler runs the real pipeline on the demo region twice in a row —
// every fifteen seconds, the second run waiting for the first (skip if still
// running) — records both in the ledger that `carecast runs` lists, and
// stops cleanly when its context is cancelled (what SIGTERM does in main).
func TestScheduleRunsThePipelineTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline twice")
	}
	dir := t.TempDir()
	cfg := demoConfig(dir)
	cfg.Demo.Scale = 0.001
	cfg.Demo.Years = 2
	cfg.Schedule.Jobs = []config.Job{{
		Name: "nightly", Cron: "*/15 * * * * *", Run: "pipeline", BusinessDate: "yesterday",
		CatchUp: "none", MaxAge: config.Duration(time.Hour),
	}}
	s, err := jobs.NewScheduler(cfg, slog.New(slog.DiscardHandler), jobs.RunPipeline, jobs.WithSeconds(),
		jobs.WithStopTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	ledger, err := jobs.OpenLedger(cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	var entries []jobs.Entry
	for ctx.Err() == nil {
		if entries, err = ledger.Entries(); err != nil {
			t.Fatal(err)
		}
		if succeeded(entries) >= 2 {
			break
		}
		time.Sleep(time.Second)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("scheduler: %v", err)
	}
	if n := succeeded(entries); n < 2 {
		t.Fatalf("%d scheduled runs succeeded; ledger: %+v", n, entries)
	}

	var out, errOut bytes.Buffer
	configFile := filepath.Join(dir, "carecast.yaml")
	writeConfig(t, configFile, cfg)
	if code := cli.Run(context.Background(), []string{"runs", "--config", configFile}, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("carecast runs: exit %d: %s", code, errOut.String())
	}
	if got := strings.Count(out.String(), "succeeded"); got < 2 {
		t.Errorf("carecast runs lists %d succeeded runs:\n%s", got, out.String())
	}
}

func succeeded(entries []jobs.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Status == jobs.StatusSucceeded {
			n++
		}
	}
	return n
}

// writeConfig writes the part of cfg that `carecast runs` reads.
func writeConfig(t *testing.T, path string, cfg *config.Config) {
	t.Helper()
	var b strings.Builder
	b.WriteString("warehouse: " + cfg.Warehouse + "\nwork_dir: " + cfg.WorkDir + "\nschedule:\n  jobs:\n")
	for _, j := range cfg.Schedule.Jobs {
		b.WriteString("    - {name: " + j.Name + ", cron: '" + j.Cron + "', run: " + j.Run + "}\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}
