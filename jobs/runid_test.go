package jobs_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/warehouse"
)

// A run that waits for the warehouse lock while a run of its business date
// started after it commits is committed after that run, and takes a later
// id: ids order the runs of a date (RunOf reads the newest, and CleanStaging
// takes one newer than CURRENT for an interrupted commit), so the run
// published last must be the newest.
func TestRunWaitingForTheLockTakesALaterID(t *testing.T) {
	a := newAdv(t)
	a.feed("gp", "csv", csvFeed([2]string{nhsNumber(1), "1960-01-01"}))
	first := a.mustRun()
	a.cfg.LockTimeout = config.Duration(time.Minute)

	ctx := context.Background()
	wh, err := warehouse.Open(a.cfg.Warehouse, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := wh.Lock(ctx, 0, warehouse.Holder{PID: os.Getpid(), Job: "test"})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		res jobs.Result
		err error
	}
	waiting := make(chan result, 1)
	go func() {
		res, err := jobs.RunPipeline(ctx, slog.New(slog.DiscardHandler), jobs.Request{
			Config: a.cfg, Job: "nightly", Kind: "pipeline", BusinessDate: advDate, Trigger: jobs.TriggerManual, Attempt: 1,
		})
		waiting <- result{res, err}
	}()

	// While it waits, a run of the same date started a second later
	// commits: a copy of the first run under a new id.
	time.Sleep(1500 * time.Millisecond)
	later := warehouse.NewRunID(time.Now(), advDate)
	run, err := wh.Begin(later)
	if err != nil {
		t.Fatal(err)
	}
	firstDir := first.res.RunDir
	if err := os.CopyFS(run.Dir(), os.DirFS(firstDir)); err != nil {
		t.Fatal(err)
	}
	m, err := warehouse.ReadManifest(firstDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(run.Dir(), warehouse.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	m.RunID = ""
	if err := run.Commit(m); err != nil {
		t.Fatal(err)
	}
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}

	r := <-waiting
	if r.err != nil {
		t.Fatalf("the waiting run: %v", r.err)
	}
	if r.res.RunID <= later {
		t.Errorf("the run that waited took id %s, not after %s's, committed before it", r.res.RunID, later)
	}
	cur, err := wh.Current()
	if err != nil || cur != r.res.RunID {
		t.Errorf("CURRENT = %s, %v; want the run committed last, %s", cur, err, r.res.RunID)
	}
	if of, err := wh.RunOf(advDate); err != nil || of != r.res.RunID {
		t.Errorf("RunOf(%s) = %s, %v; want the run committed last, %s", advDate.Format(time.DateOnly), of, err, r.res.RunID)
	}
}
