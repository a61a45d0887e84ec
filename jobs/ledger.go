package jobs

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// LedgerFile is the name of the run ledger in the warehouse folder.
const LedgerFile = "ledger.jsonl"

// Status is the state of a run in the ledger.
type Status string

// Run states. Abandoned is never written: it is how a run recorded as
// running is shown once the process that ran it is gone.
const (
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
	StatusAbandoned Status = "abandoned"
)

// Entry is one run in the ledger. Errors in carecast name files, records and
// fields, never values, so Error carries no identifiers.
type Entry struct {
	ID           string           `json:"id"` // the ledger's id of this attempt
	Job          string           `json:"job"`
	Kind         string           `json:"kind,omitempty"`
	BusinessDate string           `json:"business_date"` // YYYY-MM-DD
	Trigger      string           `json:"trigger"`
	Attempt      int              `json:"attempt"`
	Status       Status           `json:"status"`
	Start        time.Time        `json:"start"`
	End          time.Time        `json:"end,omitzero"`
	RunID        string           `json:"run_id,omitempty"` // the committed warehouse run
	Error        string           `json:"error,omitempty"`
	Counts       map[string]int64 `json:"counts,omitempty"`
	// PID and Host name the process running it, to tell a run in progress
	// from one whose process died.
	PID  int    `json:"pid,omitempty"`
	Host string `json:"host,omitempty"`

	// Unpublished marks a run committed without being published: its
	// business date is older than that of the warehouse's CURRENT run.
	Unpublished bool `json:"unpublished,omitempty"`
}

// Duration is how long the run took, or has taken so far by now.
func (e Entry) Duration(now time.Time) time.Duration {
	if e.End.IsZero() {
		return now.Sub(e.Start)
	}
	return e.End.Sub(e.Start)
}

// A Ledger is the append-only record of runs in a warehouse folder: one JSON
// object per line, each a run's whole state when it started or finished, the
// latest line of a run winning. Each line is written with one write call in
// append mode and synced, so concurrent processes do not interleave and a
// crash can tear at most the last line, which reading skips and the next
// append closes off.
type Ledger struct {
	path string
	host string
	// alive reports whether the process pid on this host still runs.
	alive func(pid int) bool
}

// OpenLedger returns the ledger of the warehouse folder dir. Nothing is
// created until the first run is recorded.
func OpenLedger(dir string) (*Ledger, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open ledger: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("open ledger: %s is not a folder", dir)
	}
	host, _ := os.Hostname()
	return &Ledger{path: filepath.Join(dir, LedgerFile), host: host, alive: processAlive}, nil
}

// Path is the ledger file's path.
func (l *Ledger) Path() string { return l.path }

// NewEntryID returns a ledger id for a run starting at t: sortable by time,
// unique across processes.
func NewEntryID(t time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Start records a run that has started. Status defaults to running and PID
// and Host to this process.
func (l *Ledger) Start(e Entry) error {
	if e.Status == "" {
		e.Status = StatusRunning
	}
	if e.PID == 0 {
		e.PID = os.Getpid()
		e.Host = l.host
	}
	return l.append(e)
}

// Finish records a run's end: its status, end time, error and counts.
func (l *Ledger) Finish(e Entry) error {
	switch e.Status {
	case StatusSucceeded, StatusFailed, StatusCancelled:
	default:
		return fmt.Errorf("ledger: finish run %s with status %q", e.ID, e.Status)
	}
	if e.End.IsZero() {
		e.End = time.Now()
	}
	return l.append(e)
}

func (l *Ledger) append(e Entry) error {
	if e.ID == "" {
		return errors.New("ledger: entry without id")
	}
	e.Start, e.End = e.Start.UTC(), e.End.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, statErr := os.Stat(l.path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	// A line torn by a crash is closed off so that this one starts on a
	// line of its own.
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	line = append(line, '\n')
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("ledger: write %s: %w", l.path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("ledger: sync %s: %w", l.path, err)
	}
	if created {
		return syncDir(filepath.Dir(l.path))
	}
	return f.Close()
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ledger: sync %s: %w", dir, err)
	}
	return nil
}

// Entries returns the latest state of every run, in the order they started.
// Lines that do not parse (a line torn by a crash) are skipped. A run still
// recorded as running whose process on this host is gone is returned as
// abandoned.
func (l *Ledger) Entries() ([]Entry, error) {
	b, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	var entries []Entry
	index := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
			continue
		}
		if i, ok := index[e.ID]; ok {
			entries[i] = e
			continue
		}
		index[e.ID] = len(entries)
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", l.path, err)
	}
	for i, e := range entries {
		if e.Status == StatusRunning && l.gone(e) {
			entries[i].Status = StatusAbandoned
		}
	}
	slices.SortStableFunc(entries, func(a, b Entry) int { return a.Start.Compare(b.Start) })
	return entries, nil
}

// gone reports whether the process that recorded e as running has died.
// Runs of other hosts cannot be checked and are taken to be alive.
func (l *Ledger) gone(e Entry) bool {
	return e.PID > 0 && e.Host == l.host && !l.alive(e.PID)
}

// Last returns the latest run of job.
func (l *Ledger) Last(job string) (Entry, bool, error) {
	entries, err := l.Entries()
	if err != nil {
		return Entry{}, false, err
	}
	e, ok := lastOf(entries, job, func(Entry) bool { return true })
	return e, ok, nil
}

// LastSuccess returns the latest successful run of job.
func (l *Ledger) LastSuccess(job string) (Entry, bool, error) {
	entries, err := l.Entries()
	if err != nil {
		return Entry{}, false, err
	}
	e, ok := lastOf(entries, job, func(e Entry) bool { return e.Status == StatusSucceeded })
	return e, ok, nil
}

// lastOf returns the last of entries (in start order) of job that match.
func lastOf(entries []Entry, job string, match func(Entry) bool) (Entry, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.Job == job && match(e) {
			return e, true
		}
	}
	return Entry{}, false
}
