// Package warehouse stores carecast's runs: each run's pseudonymised Parquet
// tables are written under staging/ and published by one rename into runs/
// and an atomic replace of the CURRENT pointer, so a failed or killed run
// never damages the last good one. A lock file keeps to one writer at a time.
//
// The layout of a warehouse folder:
//
//	CURRENT          the id of the published run, one line
//	LOCK             flock(2)ed by the writer; holds the holder as JSON
//	runs/<run_id>/   committed runs (docs/data.md)
//	leases/<run_id>  flock(2)ed shared by readers of the run (see Lease)
//	staging/<id>/    runs being written; leftovers are removed by CleanStaging
//
// CURRENT moves only forward in business date: a run for an older date
// than CURRENT's (a backfill) is committed into runs/ without being
// published. So CURRENT is always the newest run of the newest business
// date, and pruning, which keeps the newest run of each of the KeepRuns
// newest business dates, never removes it.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrNoRun reports a warehouse with no published run.
var ErrNoRun = errors.New("no committed run")

// DefaultKeepRuns is how many committed runs are kept when not configured.
const DefaultKeepRuns = 7

const (
	currentFile = "CURRENT"
	lockFile    = "LOCK"
	runsDir     = "runs"
	leasesDir   = "leases"
	stagingDir  = "staging"
	// trashPrefix names a run being deleted: it is first renamed into
	// staging/, so that a deletion cut short never leaves half a run in runs/.
	trashPrefix = ".deleting-"
)

// Warehouse is a folder of runs.
type Warehouse struct {
	dir string
	log *slog.Logger
	// KeepRuns is how many business dates' runs Commit keeps, newest date
	// first (config keep_runs); 0 keeps all. The published run is always
	// kept, and so is a run a reader holds a lease on.
	KeepRuns int
}

// Open opens the warehouse in dir, creating dir, runs/ and staging/ as needed.
func Open(dir string, log *slog.Logger) (*Warehouse, error) {
	if dir == "" {
		return nil, errors.New("open warehouse: no folder given")
	}
	for _, d := range []string{dir, filepath.Join(dir, runsDir), filepath.Join(dir, leasesDir), filepath.Join(dir, stagingDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open warehouse: %w", err)
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Warehouse{dir: dir, log: log, KeepRuns: DefaultKeepRuns}, nil
}

// Dir returns the warehouse folder.
func (w *Warehouse) Dir() string { return w.dir }

// RunDir returns the folder of the committed run id.
func (w *Warehouse) RunDir(id string) string { return filepath.Join(w.dir, runsDir, id) }

// Current returns the id of the published run, or ErrNoRun.
func (w *Warehouse) Current() (string, error) {
	b, err := os.ReadFile(filepath.Join(w.dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoRun
	}
	if err != nil {
		return "", fmt.Errorf("read current run: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if _, err := ParseRunID(id); err != nil {
		return "", fmt.Errorf("read current run: %s: %w", filepath.Join(w.dir, currentFile), err)
	}
	return id, nil
}

// Runs returns the ids of the committed runs, oldest first.
func (w *Warehouse) Runs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(w.dir, runsDir))
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if _, err := ParseRunID(e.Name()); e.IsDir() && err == nil {
			ids = append(ids, e.Name())
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// CleanStaging removes what interrupted runs left: staging folders, runs
// being deleted, a CURRENT temp file, and a run renamed into runs/ whose
// commit was cut short before CURRENT named it. Such a run started after
// the CURRENT run and is for its business date or a later one — a run
// that would have been published; a committed backfill (an older business
// date) is left alone. Call it with the lock held.
func (w *Warehouse) CleanStaging() error {
	staging := filepath.Join(w.dir, stagingDir)
	entries, err := os.ReadDir(staging)
	if err != nil {
		return fmt.Errorf("clean staging: %w", err)
	}
	for _, e := range entries {
		w.log.Warn("removing leftover staging", "name", e.Name())
		if err := os.RemoveAll(filepath.Join(staging, e.Name())); err != nil {
			return fmt.Errorf("clean staging: %w", err)
		}
	}
	if err := os.Remove(filepath.Join(w.dir, currentFile+".tmp")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clean staging: %w", err)
	}
	cur, err := w.Current()
	if errors.Is(err, ErrNoRun) {
		// Without CURRENT nothing says which runs were published: keep all.
		return syncDir(staging)
	}
	if err != nil {
		return err
	}
	curID, err := ParseRunID(cur)
	if err != nil {
		return err
	}
	ids, err := w.Runs()
	if err != nil {
		return err
	}
	for _, id := range ids {
		rid, _ := ParseRunID(id) // Runs lists only valid ids
		if id > cur && !rid.BusinessDate.Before(curID.BusinessDate) {
			w.log.Warn("removing run whose commit was interrupted", "unpublished_run", id)
			if err := w.removeUnleased(id); errors.Is(err, errLeased) {
				w.log.Warn("run whose commit was interrupted is being read: removed by a later run", "unpublished_run", id)
			} else if err != nil {
				return fmt.Errorf("clean staging: %w", err)
			}
		}
	}
	return syncDir(staging)
}

// takeOut takes the committed run id out of runs/ by one rename into
// staging/, where it is removed by the caller (or, if cut short, by
// CleanStaging), and returns where it went.
func (w *Warehouse) takeOut(id string) (string, error) {
	trash := filepath.Join(w.dir, stagingDir, trashPrefix+id)
	if err := os.Rename(w.RunDir(id), trash); err != nil {
		return "", fmt.Errorf("remove run %s: %w", id, err)
	}
	if err := syncDir(filepath.Join(w.dir, runsDir)); err != nil {
		return "", err
	}
	return trash, nil
}

// RunInfo describes a kept run.
type RunInfo struct {
	ID string
	RunID
	Current bool // CURRENT names it
}

// Kept lists the committed runs, newest business date first and, within a
// date, newest first.
func (w *Warehouse) Kept() ([]RunInfo, error) {
	ids, err := w.Runs()
	if err != nil {
		return nil, err
	}
	cur, err := w.Current()
	if err != nil && !errors.Is(err, ErrNoRun) {
		return nil, err
	}
	out := make([]RunInfo, 0, len(ids))
	for _, id := range ids {
		rid, _ := ParseRunID(id) // Runs lists only valid ids
		out = append(out, RunInfo{ID: id, RunID: rid, Current: id == cur})
	}
	slices.SortFunc(out, func(a, b RunInfo) int {
		if c := b.BusinessDate.Compare(a.BusinessDate); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// RunOf returns the id of the kept run of a business date (the newest, if
// a reader still holds an older one), or ErrNotKept.
func (w *Warehouse) RunOf(date time.Time) (string, error) {
	kept, err := w.Kept()
	if err != nil {
		return "", err
	}
	for _, r := range kept {
		if r.BusinessDate.Equal(date) {
			return r.ID, nil
		}
	}
	return "", fmt.Errorf("business date %s: %w", date.Format(time.DateOnly), ErrNotKept)
}

// Run ids are the run's start time and its business date, so that they sort
// by start time and say which date they processed.
const (
	runIDStart = "20060102T150405Z"
	runIDDate  = "20060102"
)

// NewRunID returns the id of a run started at now for businessDate, e.g.
// "20261124T183000Z-d20261123".
func NewRunID(now, businessDate time.Time) string {
	return now.UTC().Format(runIDStart) + "-d" + businessDate.Format(runIDDate)
}

// NextRunID returns the id of a run starting now for businessDate, and the
// start it names. Ids are start times in whole seconds, so a run begun in
// the same second as a committed one — a quick retry — would take its id:
// it waits for the next second instead. Hold the lock, so that no other
// run can take the id returned.
func (w *Warehouse) NextRunID(ctx context.Context, now func() time.Time, businessDate time.Time) (string, time.Time, error) {
	for {
		start := now()
		id := NewRunID(start, businessDate)
		if !w.Committed(id) {
			return id, start, nil
		}
		t := time.NewTimer(start.Truncate(time.Second).Add(time.Second).Sub(start))
		select {
		case <-ctx.Done():
			t.Stop()
			return "", time.Time{}, fmt.Errorf("new run id: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Committed reports whether the run id is committed, in runs/.
func (w *Warehouse) Committed(id string) bool {
	_, err := os.Stat(w.RunDir(id))
	return err == nil
}

// RunID is a parsed run id.
type RunID struct {
	Start        time.Time // UTC, whole seconds
	BusinessDate time.Time // midnight UTC
}

// ErrBadRunID reports text that is not a run id.
var ErrBadRunID = errors.New("not a run id")

// ParseRunID parses an id made by NewRunID.
func ParseRunID(id string) (RunID, error) {
	start, date, ok := strings.Cut(id, "-d")
	if !ok || len(start) != len(runIDStart) || len(date) != len(runIDDate) {
		return RunID{}, ErrBadRunID
	}
	s, err := time.Parse(runIDStart, start)
	if err != nil {
		return RunID{}, ErrBadRunID
	}
	d, err := time.Parse(runIDDate, date)
	if err != nil {
		return RunID{}, ErrBadRunID
	}
	// time.Parse accepts some non-canonical forms; ids must round-trip.
	if NewRunID(s, d) != id {
		return RunID{}, ErrBadRunID
	}
	return RunID{Start: s, BusinessDate: d}, nil
}

// syncDir fsyncs a folder, making renames and creations in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
