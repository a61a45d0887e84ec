package warehouse

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// day returns the id of a run started at start for business date date
// (both "2006-01-02T15:04"), UTC.
func day(t testing.TB, start, date string) string {
	t.Helper()
	return runID(t, start+":00Z", date)
}

// TestBackfillNeverMovesCurrentBack: after tonight's run, a backfill of ten
// older dates with keep_runs 7 commits each of them without publishing it,
// leaves tonight's run as CURRENT and still there, and keeps the newest run
// of each of the 7 newest business dates (issue 16, finding 1).
func TestBackfillNeverMovesCurrentBack(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.KeepRuns = 7
	tonight := day(t, "2026-11-30T02:00", "2026-11-29")
	run := writeRun(t, w, tonight, 20, 50, 1)
	if err := run.Commit(&Manifest{Job: "nightly"}); err != nil {
		t.Fatal(err)
	}
	if !run.Published() {
		t.Fatal("tonight's run was not published")
	}
	var backfilled []string
	for i := range 10 {
		date := time.Date(2026, 10, 1+i, 0, 0, 0, 0, time.UTC)
		id := NewRunID(time.Date(2026, 11, 30, 9, i, 0, 0, time.UTC), date)
		run := writeRun(t, w, id, 20, 50, uint64(i))
		if err := run.Commit(&Manifest{Job: "nightly"}); err != nil {
			t.Fatal(err)
		}
		if run.Published() {
			t.Errorf("backfill of %s was published over a newer date", date.Format(time.DateOnly))
		}
		backfilled = append(backfilled, id)
		if cur, err := w.Current(); cur != tonight || err != nil {
			t.Fatalf("after backfilling %s: Current() = %s, %v; want tonight's %s", date.Format(time.DateOnly), cur, err, tonight)
		}
	}
	runs, err := w.Runs()
	if err != nil {
		t.Fatal(err)
	}
	// Tonight's date and the six newest backfilled dates.
	want := append(slices.Clone(backfilled[4:]), tonight)
	slices.Sort(want)
	if !slices.Equal(runs, want) {
		t.Errorf("Runs() = %v\nwant %v", runs, want)
	}
	// CleanStaging takes committed backfills for what they are.
	if err := w.CleanStaging(); err != nil {
		t.Fatal(err)
	}
	if again, _ := w.Runs(); !slices.Equal(again, runs) {
		t.Errorf("CleanStaging removed committed runs: %v, had %v", again, runs)
	}
	// A re-run of tonight's date is published and replaces it.
	rerun := day(t, "2026-11-30T11:00", "2026-11-29")
	run = writeRun(t, w, rerun, 20, 50, 99)
	if err := run.Commit(&Manifest{Job: "nightly"}); err != nil {
		t.Fatal(err)
	}
	if cur, _ := w.Current(); cur != rerun || !run.Published() {
		t.Errorf("re-run of the current date: Current() = %s, published %v; want %s", cur, run.Published(), rerun)
	}
	if _, err := os.Stat(w.RunDir(tonight)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the replaced run of the current date is still there: %v", err)
	}
}

// TestPruneByBusinessDate: pruning orders runs by business date, not start
// time, keeps the newest run of each kept date, and never removes CURRENT.
func TestPruneByBusinessDate(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.KeepRuns = 2
	// Committed in this order: the newest date first, then two older dates,
	// the older of them twice (a backfill re-run).
	newest := day(t, "2026-11-30T02:00", "2026-11-29")
	older := day(t, "2026-11-30T03:00", "2026-11-20")
	oldest1 := day(t, "2026-11-30T04:00", "2026-11-10")
	oldest2 := day(t, "2026-11-30T05:00", "2026-11-10")
	for _, id := range []string{newest, older, oldest1, oldest2} {
		commitRun(t, w, id)
	}
	runs, _ := w.Runs()
	if want := []string{newest, older}; !slices.Equal(runs, want) {
		t.Errorf("Runs() = %v, want %v", runs, want)
	}
	if cur, _ := w.Current(); cur != newest {
		t.Errorf("Current() = %s, want %s", cur, newest)
	}

	// keep_runs 1 keeps CURRENT alone, whatever was committed last.
	w.KeepRuns = 1
	commitRun(t, w, day(t, "2026-11-30T06:00", "2026-11-25"))
	if runs, _ := w.Runs(); !slices.Equal(runs, []string{newest}) {
		t.Errorf("keep_runs 1: Runs() = %v, want [%s]", runs, newest)
	}
}

// TestLeaseSurvivesPrune: a reader holds a lease on the run it reads;
// pruning skips the leased run, the reader reads on, and the next run's
// pruning removes it once the lease is released (issue 16, finding 2).
func TestLeaseSurvivesPrune(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.KeepRuns = 1
	first := day(t, "2026-11-27T02:00", "2026-11-26")
	commitRun(t, w, first)
	lease, err := w.Lease(first)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(w.RunDir(first), ManifestFile)
	if _, err := os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	// Two later runs: keep_runs 1 would remove the first run at each.
	second := day(t, "2026-11-28T02:00", "2026-11-27")
	commitRun(t, w, second)
	third := day(t, "2026-11-29T02:00", "2026-11-28")
	commitRun(t, w, third)
	if _, err := os.ReadFile(file); err != nil {
		t.Fatalf("the leased run was removed under its reader: %v", err)
	}
	runs, _ := w.Runs()
	if want := []string{first, third}; !slices.Equal(runs, want) {
		t.Errorf("Runs() with a lease = %v, want %v (the unleased second run pruned)", runs, want)
	}
	// A second reader of the same run shares the lease.
	lease2, err := w.Lease(first)
	if err != nil {
		t.Fatalf("second lease: %v", err)
	}
	if err := lease.Release(); err != nil {
		t.Fatal(err)
	}
	commitRun(t, w, day(t, "2026-11-30T02:00", "2026-11-29"))
	if _, err := os.ReadFile(file); err != nil {
		t.Fatalf("removed while the second reader held it: %v", err)
	}
	if err := lease2.Release(); err != nil {
		t.Fatal(err)
	}
	last := day(t, "2026-12-01T02:00", "2026-11-30")
	commitRun(t, w, last)
	if runs, _ := w.Runs(); !slices.Equal(runs, []string{last}) {
		t.Errorf("after the leases ended: Runs() = %v, want [%s]", runs, last)
	}
	if _, err := w.Lease(first); !errors.Is(err, ErrNotKept) {
		t.Errorf("lease of a pruned run: %v, want ErrNotKept", err)
	}
	leases, _ := os.ReadDir(filepath.Join(w.Dir(), leasesDir))
	if len(leases) != 1 {
		t.Errorf("%d lease files for 1 run", len(leases))
	}
}

// TestKeptRuns lists the kept runs newest date first and finds a date's run.
func TestKeptRuns(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := day(t, "2026-11-30T02:00", "2026-11-29")
	b := day(t, "2026-11-30T03:00", "2026-10-01")
	commitRun(t, w, a)
	commitRun(t, w, b)
	kept, err := w.Kept()
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0].ID != a || !kept[0].Current || kept[1].ID != b || kept[1].Current {
		t.Errorf("Kept() = %+v", kept)
	}
	for date, want := range map[string]string{"2026-11-29": a, "2026-10-01": b} {
		d, _ := time.Parse(time.DateOnly, date)
		if got, err := w.RunOf(d); got != want || err != nil {
			t.Errorf("RunOf(%s) = %s, %v; want %s", date, got, err, want)
		}
	}
	if _, err := w.RunOf(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrNotKept) {
		t.Errorf("RunOf a date without a run: %v, want ErrNotKept", err)
	}
}
