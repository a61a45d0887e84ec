package warehouse

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotKept reports a run that is not (or no longer) in the warehouse:
// never committed, replaced by a re-run of its business date, or pruned.
var ErrNotKept = errors.New("run not kept")

// A Lease is a reader's shared hold on a committed run: while any reader
// holds one, pruning leaves the run alone (it is removed by a later run's
// pruning). It is a shared flock(2) on leases/<run_id>, so the kernel ends
// the lease of a reader that dies.
type Lease struct {
	f *os.File
}

// Lease takes a shared lease on the committed run id for a reader. It fails
// with ErrNotKept when the run is not in the warehouse. Release it when
// done reading.
func (w *Warehouse) Lease(id string) (*Lease, error) {
	if _, err := ParseRunID(id); err != nil {
		return nil, fmt.Errorf("lease run %q: %w", id, err)
	}
	path := w.leasePath(id)
	// Opened read-only where it exists, so that readers need no write
	// access to the warehouse; runs committed before leases existed get
	// their file now.
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(w.RunDir(id)); serr != nil {
			return nil, fmt.Errorf("lease run %s: %w", id, ErrNotKept)
		}
		f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	}
	if err != nil {
		return nil, fmt.Errorf("lease run %s: %w", id, err)
	}
	if err := lockShared(f); err != nil {
		f.Close()
		if errors.Is(err, errNoFlock) {
			// Nothing on this system can prune either: read unleased.
			return &Lease{}, nil
		}
		return nil, fmt.Errorf("lease run %s: %w", id, err)
	}
	// Pruning removes the run before it lets go of the file: a run still
	// there now stays until Release.
	if _, err := os.Stat(w.RunDir(id)); err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("lease run %s: %w", id, ErrNotKept)
	}
	return &Lease{f: f}, nil
}

// Release ends the lease.
func (l *Lease) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	if err := errors.Join(unlock(f), f.Close()); err != nil {
		return fmt.Errorf("release lease: %w", err)
	}
	return nil
}

func (w *Warehouse) leasePath(id string) string { return filepath.Join(w.dir, leasesDir, id) }

// errLeased reports a run kept because a reader holds a lease on it.
var errLeased = errors.New("run is being read")

// removeUnleased removes the committed run id unless a reader holds a lease
// on it (errLeased). The run's lease file is locked exclusively while the
// run leaves runs/, so that a reader either holds its lease first or finds
// the run gone; then the lease file goes too.
func (w *Warehouse) removeUnleased(id string) error {
	path := w.leasePath(id)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("remove run %s: %w", id, err)
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil {
		return fmt.Errorf("remove run %s: %w", id, err)
	}
	if !ok {
		return errLeased
	}
	trash, err := w.takeOut(id)
	if err == nil {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = fmt.Errorf("remove run %s: %w", id, rerr)
		}
	}
	unlock(f)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(trash); err != nil {
		return fmt.Errorf("remove run %s: %w", id, err)
	}
	return nil
}
