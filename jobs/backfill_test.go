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

	"github.com/yhcr/carecast/internal/config"
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
	// A scenario job on the backfill (carecast scenario run --run ID, issue
	// 19): a new run of its date, committed without being published.
	scen := scenarioOnOlderRun(t, &cfg, wh, res.RunID, tonight)
	id, err := wh.RunOf(old)
	if err != nil || id != scen {
		t.Fatalf("RunOf(%s) = %s, %v; want the scenario run %s", old.Format(time.DateOnly), id, err, scen)
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

// scenarioOnOlderRun runs a scenario job on run src, older than CURRENT
// (tonight): it commits a run of src's business date without publishing it,
// with the scenario's results beside those src had, and returns its id.
// src, superseded, is then refused — while a reader holds it, it is still
// there.
func scenarioOnOlderRun(t *testing.T, cfg *config.Config, wh *warehouse.Warehouse, src, tonight string) string {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	file := filepath.Join(t.TempDir(), "local.yaml")
	if err := os.WriteFile(file, []byte("name: local\nhorizon_years: 2\ndraws: 100\nservices:\n  emergency_admission:\n    activity_avoided: {p10: 0.1, p90: 0.3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lease, err := wh.Lease(src)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	req := jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario", Trigger: jobs.TriggerManual, Scenarios: []string{file}, SourceRun: src}
	res, err := jobs.Execute(ctx, log, jobs.RunPipeline, req)
	if err != nil {
		t.Fatalf("scenario job on the older run %s: %v", src, err)
	}
	if res.Published || res.Current != tonight {
		t.Errorf("scenario job on %s: published %v, current %s; want unpublished, current %s", src, res.Published, res.Current, tonight)
	}
	if cur, _ := wh.Current(); cur != tonight {
		t.Errorf("the scenario job moved CURRENT back to %s; want %s", cur, tonight)
	}
	srcID, _ := warehouse.ParseRunID(src)
	newID, err := warehouse.ParseRunID(res.RunID)
	if err != nil || !newID.BusinessDate.Equal(srcID.BusinessDate) {
		t.Errorf("scenario run %s (%v), want the business date of %s", res.RunID, err, src)
	}
	ledger, err := jobs.OpenLedger(cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok, _ := ledger.Last("scenario"); !ok || !e.Unpublished || e.RunID != res.RunID {
		t.Errorf("ledger: %+v, want the scenario run recorded as unpublished", e)
	}
	db := openRun(t, res.RunDir)
	var local, carried int64
	if err := db.QueryRow(`SELECT count(*) FILTER (scenario = 'local' AND run_id = ?), count(*) FILTER (scenario <> 'local')
		FROM scenario_results`, res.RunID).Scan(&local, &carried); err != nil {
		t.Fatal(err)
	}
	if local == 0 || carried == 0 {
		t.Errorf("scenario_results: %d rows of local, %d carried over from %s; want both", local, carried, src)
	}
	if res.Report == "" {
		t.Error("no report")
	}
	// src, now superseded by the scenario run of its date, is refused.
	_, err = jobs.Execute(ctx, log, jobs.RunPipeline, req)
	if !errors.Is(err, jobs.ErrSupersededRun) || !jobs.IsPermanent(err) {
		t.Errorf("scenario job on the superseded run %s: %v, want a permanent ErrSupersededRun", src, err)
	}
	return res.RunID
}
