package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Run is a run being written in staging/<run_id>/.
type Run struct {
	w   *Warehouse
	id  string
	dir string

	mu   sync.Mutex
	rows map[string]int64 // rows written by table, by this package's writers

	published bool // Commit made it CURRENT
}

// ErrRunExists reports a run id already staged or committed.
var ErrRunExists = errors.New("run already exists")

// Begin starts the run id in staging/<id>/. Hold the lock.
func (w *Warehouse) Begin(id string) (*Run, error) {
	if _, err := ParseRunID(id); err != nil {
		return nil, fmt.Errorf("begin run %q: %w", id, err)
	}
	if w.Committed(id) {
		return nil, fmt.Errorf("begin run %s: %w", id, ErrRunExists)
	}
	dir := filepath.Join(w.dir, stagingDir, id)
	if err := mkdirNew(dir); err != nil {
		if errors.Is(err, fs.ErrExist) {
			err = ErrRunExists
		}
		return nil, fmt.Errorf("begin run %s: %w", id, err)
	}
	return &Run{w: w, id: id, dir: dir, rows: map[string]int64{}}, nil
}

// mkdirNew creates the folder dir, which must not exist.
func mkdirNew(dir string) error { return os.Mkdir(dir, 0o755) }

// ID returns the run id.
func (r *Run) ID() string { return r.id }

// Dir returns the run's staging folder. Every table of the run, models/ and
// report/ included, is written into it before Commit.
func (r *Run) Dir() string { return r.dir }

func (r *Run) addRows(table string, n int64) {
	r.mu.Lock()
	r.rows[table] += n
	r.mu.Unlock()
}

// testHook, when set by tests, is called at each step of Commit, so that a
// test can kill the process there.
var testHook func(step string)

func hook(step string) {
	if testHook != nil {
		testHook(step)
	}
}

// Commit commits the run and publishes it unless it is for an older
// business date than the CURRENT run (a backfill: see Published). It writes
// manifest.json, fsyncs every file and folder of the run, creates its lease
// file, renames staging/<id> to runs/<id> — the moment a backfill is
// committed — and, for a run of CURRENT's business date or a later one,
// atomically replaces CURRENT with the run's id: the moment the run is
// committed and published. A crash before that leaves CURRENT and every
// earlier run as they were. Then it prunes: every run of a business date
// but its newest, and the dates beyond KeepRuns.
//
// Rows written through Persons and Activity are added to m.Tables where the
// caller has not counted them.
func (r *Run) Commit(m *Manifest) error {
	if err := r.WriteManifest(m); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	if err := syncTree(r.dir); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	hook("staged")
	publish, err := r.w.publishes(r.id)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	lease, err := os.OpenFile(r.w.leasePath(r.id), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	lease.Close()

	runs := filepath.Join(r.w.dir, runsDir)
	if err := os.Rename(r.dir, r.w.RunDir(r.id)); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	if err := syncDir(runs); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	hook("renamed")

	if publish {
		if err := r.w.setCurrent(r.id); err != nil {
			return fmt.Errorf("commit run %s: %w", r.id, err)
		}
		r.published = true
		hook("published")
	} else {
		r.w.log.Info("run committed, not published: CURRENT is for a later business date", "run", r.id)
	}

	// The run is committed: failures from here on are logged, not
	// returned, and the next commit tries again.
	if err := r.w.prune(); err != nil {
		r.w.log.Error("remove old runs", "err", err)
	}
	return nil
}

// Published reports whether Commit published the run as CURRENT. A
// committed run that is not published is a backfill: its business date is
// older than CURRENT's, which stays where it was.
func (r *Run) Published() bool { return r.published }

// publishes reports whether committing run id publishes it: when there is
// no CURRENT, or id's business date is not older than CURRENT's.
func (w *Warehouse) publishes(id string) (bool, error) {
	cur, err := w.Current()
	if errors.Is(err, ErrNoRun) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	curID, err := ParseRunID(cur)
	if err != nil {
		return false, err
	}
	rid, err := ParseRunID(id)
	if err != nil {
		return false, err
	}
	return !rid.BusinessDate.Before(curID.BusinessDate), nil
}

// WriteManifest writes m into the staging folder. Commit writes the final
// manifest; stages that read it before then (the report's provenance) see
// this one.
func (r *Run) WriteManifest(m *Manifest) error {
	if m.RunID == "" {
		m.RunID = r.id
	}
	if m.RunID != r.id {
		return fmt.Errorf("manifest is for run %s", m.RunID)
	}
	if m.Tables == nil {
		m.Tables = map[string]int64{}
	}
	r.mu.Lock()
	for t, n := range r.rows {
		if _, ok := m.Tables[t]; !ok {
			m.Tables[t] = n
		}
	}
	r.mu.Unlock()
	b, err := encodeManifest(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(r.dir, ManifestFile), b, 0o644)
}

// setCurrent atomically points CURRENT at id.
func (w *Warehouse) setCurrent(id string) error {
	tmp := filepath.Join(w.dir, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write CURRENT: %w", err)
	}
	_, err = f.WriteString(id + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write CURRENT: %w", err)
	}
	hook("current-written")
	if err := os.Rename(tmp, filepath.Join(w.dir, currentFile)); err != nil {
		return fmt.Errorf("write CURRENT: %w", err)
	}
	return syncDir(w.dir)
}

// prune removes the runs no longer kept: every run of a business date but
// its newest (a re-run replaces a date), then the runs of the dates beyond
// the KeepRuns newest. CURRENT is never removed, nor a run a reader holds a
// lease on: that one is removed by a later prune.
func (w *Warehouse) prune() error {
	kept, err := w.Kept() // newest date first, newest run of a date first
	if err != nil {
		return err
	}
	var errs []error
	dates := 0
	for i, r := range kept {
		why := ""
		switch {
		case r.Current:
			if i == 0 || !kept[i-1].BusinessDate.Equal(r.BusinessDate) {
				dates++
			}
			continue
		case i > 0 && kept[i-1].BusinessDate.Equal(r.BusinessDate):
			why = "replaced by a re-run of its business date"
		default:
			dates++
			if w.KeepRuns <= 0 || dates <= w.KeepRuns {
				continue
			}
			why = "beyond keep_runs"
		}
		switch err := w.removeUnleased(r.ID); {
		case errors.Is(err, errLeased):
			w.log.Info("keeping run a reader holds: removed by a later run", "run", r.ID, "reason", why)
		case err != nil:
			errs = append(errs, err)
		default:
			w.log.Info("removed run "+why, "removed_run", r.ID, "keep_runs", w.KeepRuns)
		}
	}
	return errors.Join(errs...)
}

// Abort removes the run's staging folder. Close its writers first.
func (r *Run) Abort() error {
	if err := os.RemoveAll(r.dir); err != nil {
		return fmt.Errorf("abort run %s: %w", r.id, err)
	}
	return nil
}

// syncTree fsyncs every file and folder under root, folders after their
// contents, so that a rename of root publishes only durable bytes.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("sync %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := syncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}
