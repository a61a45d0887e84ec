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
}

// ErrRunExists reports a run id already staged or committed.
var ErrRunExists = errors.New("run already exists")

// Begin starts the run id in staging/<id>/. Hold the lock.
func (w *Warehouse) Begin(id string) (*Run, error) {
	if _, err := ParseRunID(id); err != nil {
		return nil, fmt.Errorf("begin run %q: %w", id, err)
	}
	if _, err := os.Stat(w.RunDir(id)); err == nil {
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

// Commit publishes the run. It writes manifest.json, fsyncs every file and
// folder of the run, renames staging/<id> to runs/<id>, and atomically
// replaces CURRENT with the run's id — the moment the run is published. A
// crash before that leaves CURRENT and every earlier run as they were. Then
// it removes earlier runs of the same business date (a re-run replaces a
// date) and applies KeepRuns.
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

	runs := filepath.Join(r.w.dir, runsDir)
	if err := os.Rename(r.dir, r.w.RunDir(r.id)); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	if err := syncDir(runs); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	hook("renamed")

	if err := r.w.setCurrent(r.id); err != nil {
		return fmt.Errorf("commit run %s: %w", r.id, err)
	}
	hook("published")

	// The run is published: failures from here on are logged, not returned,
	// and the next commit tries again.
	if err := r.w.prune(r.id); err != nil {
		r.w.log.Error("remove old runs", "err", err)
	}
	return nil
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

// prune removes the runs that the published run cur makes redundant:
// earlier runs of its business date, then the oldest beyond KeepRuns.
func (w *Warehouse) prune(cur string) error {
	curID, err := ParseRunID(cur)
	if err != nil {
		return err
	}
	ids, err := w.Runs()
	if err != nil {
		return err
	}
	kept := ids[:0]
	var errs []error
	for _, id := range ids {
		rid, _ := ParseRunID(id) // Runs lists only valid ids
		if id != cur && rid.BusinessDate.Equal(curID.BusinessDate) {
			w.log.Info("removing run replaced by a re-run of its business date", "removed_run", id)
			errs = append(errs, w.removeRun(id))
			continue
		}
		kept = append(kept, id)
	}
	if w.KeepRuns > 0 {
		for len(kept) > w.KeepRuns {
			id := kept[0]
			kept = kept[1:]
			if id == cur {
				continue
			}
			w.log.Info("removing run beyond keep_runs", "removed_run", id, "keep_runs", w.KeepRuns)
			errs = append(errs, w.removeRun(id))
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
