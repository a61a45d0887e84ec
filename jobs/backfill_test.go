package jobs_test

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yhcr/carecast/jobs"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// copyTree copies the folder src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o444)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBackfillAndReaders runs the real pipeline for an older business date
// than the current run's: it commits without publishing and says so in its
// result and the ledger, and `carecast sql --run DATE` reaches it. A reader
// holding it survives the pruning of a later run; once it lets go, the
// next run prunes it (issue 16, findings 1 and 2).
func TestBackfillAndReaders(t *testing.T) {
	runDemo(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	src, err := warehouse.Open(demo.cfg.Warehouse, log)
	if err != nil {
		t.Fatal(err)
	}
	tonight, err := src.Current()
	if err != nil {
		t.Fatal(err)
	}
	// A warehouse of its own holding a copy of the demo's current run. The
	// backfill reads the demo's generated region (its end fixed, so that
	// it is reused): its events after the backfill's date are quarantined
	// as future-dated, a few per cent of them.
	dir := t.TempDir()
	cfg := *demo.cfg
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	cfg.Demo.End = businessDate.AddDate(0, 0, -1).Format(time.DateOnly)
	cfg.MaxRejectedFraction = 0.2
	cfg.KeepRuns = 2
	copyTree(t, src.RunDir(tonight), filepath.Join(cfg.Warehouse, "runs", tonight))
	if err := os.WriteFile(filepath.Join(cfg.Warehouse, "CURRENT"), []byte(tonight+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(cfg.Warehouse, log)
	if err != nil {
		t.Fatal(err)
	}

	old := businessDate.AddDate(0, -1, -10)
	res, err := jobs.Execute(ctx, log, jobs.RunPipeline, jobs.Request{
		Config: &cfg, Job: "nightly", Kind: "pipeline", BusinessDate: old, Trigger: jobs.TriggerBackfill,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Published || res.Current != tonight {
		t.Errorf("backfill of %s: published %v, current %s; want unpublished, current %s", old.Format(time.DateOnly), res.Published, res.Current, tonight)
	}
	if cur, _ := wh.Current(); cur != tonight {
		t.Errorf("CURRENT moved back to %s; want %s", cur, tonight)
	}
	ledger, err := jobs.OpenLedger(cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, _ := ledger.Last("nightly"); !ok || !e.Unpublished || e.RunID != res.RunID {
		t.Errorf("ledger: %+v, want the backfill recorded as unpublished", e)
	}
	id, err := wh.RunOf(old)
	if err != nil || id != res.RunID {
		t.Fatalf("RunOf(%s) = %s, %v; want %s", old.Format(time.DateOnly), id, err, res.RunID)
	}

	// A reader of the backfilled run, as carecast sql --run DATE opens it.
	lease, err := wh.Lease(id)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := cwsql.OpenSandbox(ctx, wh.RunDir(id), cwsql.SandboxLimits{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	count := func() (int64, error) {
		r, err := sb.Query(ctx, "SELECT count(*) FROM activity")
		if err != nil {
			return 0, err
		}
		return r.Rows[0][0].(int64), nil
	}
	before, err := count()
	if err != nil || before == 0 {
		t.Fatalf("reading the backfilled run: %d rows, %v", before, err)
	}
	// A report job rebuilds tonight's run; with keep_runs 1 its pruning
	// would remove the backfilled run, which is being read.
	cfg.KeepRuns = 1
	report := func() {
		t.Helper()
		if _, err := jobs.RunPipeline(ctx, log, jobs.Request{Config: &cfg, Job: "report", Kind: "report", Trigger: jobs.TriggerManual}); err != nil {
			t.Fatal(err)
		}
	}
	report()
	if after, err := count(); err != nil || after != before {
		t.Errorf("the reader read %d rows, %v after the prune; %d before", after, err, before)
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	report()
	if _, err := wh.RunOf(old); !errors.Is(err, warehouse.ErrNotKept) {
		t.Errorf("after the reader let go, the next run kept the backfill: %v", err)
	}
	if kept, _ := wh.Kept(); len(kept) != 1 || !kept[0].Current {
		t.Errorf("kept = %+v, want the current run alone", kept)
	}
}
