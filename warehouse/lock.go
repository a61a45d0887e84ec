package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrLocked reports that another process holds the warehouse lock. It is
// returned wrapped in a *LockedError naming the holder.
var ErrLocked = errors.New("warehouse locked")

// errNoFlock reports a system without flock(2).
var errNoFlock = errors.New("file locking is not supported on this system")

// Holder says who holds the lock, for the message another writer sees.
type Holder struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Job   string    `json:"job"`
	RunID string    `json:"run_id"`
	Since time.Time `json:"since"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "an unknown holder"
	}
	run := h.RunID
	if run == "" {
		run = "not yet named" // between taking the lock and the run's id
	}
	return fmt.Sprintf("pid %d on %s (job %s, run %s) since %s",
		h.PID, h.Host, h.Job, run, h.Since.UTC().Format(time.RFC3339))
}

// LockedError is the error of a Lock that did not get the lock in time.
type LockedError struct {
	Path   string
	Holder Holder // zero when the holder could not be read
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v: %s is held by %v", ErrLocked, e.Path, e.Holder)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is a held warehouse lock.
type Lock struct {
	f *os.File
	h Holder
}

// lockPoll is how often a waiting Lock tries again.
const lockPoll = 100 * time.Millisecond

// Lock takes the warehouse's writer lock: an exclusive flock(2) on LOCK,
// which the kernel releases when the holding process exits or is killed, so
// the lock of a dead process is taken over without guessing from pids. The
// holder h is written into the file for others' messages. Lock waits up to
// timeout (0 tries once), then returns a *LockedError wrapping ErrLocked.
func (w *Warehouse) Lock(ctx context.Context, timeout time.Duration, h Holder) (*Lock, error) {
	path := filepath.Join(w.dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock warehouse: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock warehouse: %s: %w", path, err)
		}
		if ok {
			break
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			holder := readHolder(f)
			f.Close()
			return nil, &LockedError{Path: path, Holder: holder}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock warehouse: %w", ctx.Err())
		case <-time.After(min(wait, lockPoll)):
		}
	}
	l := &Lock{f: f, h: h}
	if err := l.writeHolder(h); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("lock warehouse: write holder: %w", err)
	}
	w.log.Debug("warehouse locked", "path", path)
	return l, nil
}

// SetRunID names the holder's run once it has taken its id, which a run
// takes under the lock so that the runs of a business date are ordered as
// they commit.
func (l *Lock) SetRunID(id string) error {
	l.h.RunID = id
	if err := l.writeHolder(l.h); err != nil {
		return fmt.Errorf("lock warehouse: write holder: %w", err)
	}
	return nil
}

func (l *Lock) writeHolder(h Holder) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// readHolder reads the holder from a lock file held by another process. The
// holder may be writing it; then it is unknown.
func readHolder(f *os.File) Holder {
	var h Holder
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 4096))
	if err == nil {
		_ = json.Unmarshal(b, &h)
	}
	return h
}

// Unlock releases the lock. The file stays: removing it would let two
// processes lock two different files of the same name.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	terr := f.Truncate(0)
	uerr := unlock(f)
	cerr := f.Close()
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("unlock warehouse: %w", err)
	}
	return nil
}
