package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/yhcr/carecast/pseudonymise"
)

func TestRetention(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.KeepRuns = 3
	var ids []string
	for day := 1; day <= 5; day++ {
		id := NewRunID(time.Date(2026, 11, day+1, 2, 0, 0, 0, time.UTC), time.Date(2026, 11, day, 0, 0, 0, 0, time.UTC))
		commitRun(t, w, id)
		ids = append(ids, id)
	}
	runs, err := w.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if want := ids[2:]; !slices.Equal(runs, want) {
		t.Errorf("Runs() = %v, want the newest 3 %v", runs, want)
	}
	if cur, _ := w.Current(); cur != ids[4] {
		t.Errorf("Current() = %s, want %s", cur, ids[4])
	}
	if entries, _ := os.ReadDir(filepath.Join(w.Dir(), stagingDir)); len(entries) != 0 {
		t.Errorf("staging holds %d entries after retention", len(entries))
	}

	w.KeepRuns = 0 // keep all
	id := NewRunID(time.Date(2026, 11, 7, 2, 0, 0, 0, time.UTC), time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC))
	commitRun(t, w, id)
	if runs, _ := w.Runs(); len(runs) != 4 {
		t.Errorf("keep_runs 0 kept %v, want all 4", runs)
	}
}

// TestRerunReplacesDate re-runs a business date: the new run replaces the
// old one of that date and no other.
func TestRerunReplacesDate(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	other := runID(t, "2026-11-23T02:00:00Z", "2026-11-22")
	first := runID(t, "2026-11-24T02:00:00Z", "2026-11-23")
	rerun := runID(t, "2026-11-24T09:15:00Z", "2026-11-23")
	for _, id := range []string{other, first, rerun} {
		commitRun(t, w, id)
	}
	runs, err := w.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{other, rerun}; !slices.Equal(runs, want) {
		t.Errorf("Runs() = %v, want %v", runs, want)
	}
	if cur, _ := w.Current(); cur != rerun {
		t.Errorf("Current() = %s, want %s", cur, rerun)
	}
}

func TestAbortAndBegin(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Current(); !errors.Is(err, ErrNoRun) {
		t.Errorf("Current() of a new warehouse = %v, want ErrNoRun", err)
	}
	id := runID(t, "2026-11-24T02:00:00Z", "2026-11-23")
	run := writeRun(t, w, id, 10, 10, 1)
	if _, err := w.Begin(id); !errors.Is(err, ErrRunExists) {
		t.Errorf("Begin of a staged id = %v, want ErrRunExists", err)
	}
	if _, err := w.Begin("latest"); !errors.Is(err, ErrBadRunID) {
		t.Errorf("Begin(latest) = %v, want ErrBadRunID", err)
	}
	if err := run.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(run.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("staging of an aborted run: %v", err)
	}
	if _, err := w.Current(); !errors.Is(err, ErrNoRun) {
		t.Errorf("Current() after Abort = %v, want ErrNoRun", err)
	}
	commitRun(t, w, id)
	if _, err := w.Begin(id); !errors.Is(err, ErrRunExists) {
		t.Errorf("Begin of a committed id = %v, want ErrRunExists", err)
	}
}

func TestInProcessLock(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 11, 24, 18, 30, 0, 0, time.UTC)
	l, err := w.Lock(context.Background(), 0, Holder{PID: 42, Host: "h1", Job: "nightly", Since: since})
	if err != nil {
		t.Fatal(err)
	}
	held := "warehouse locked: " + filepath.Join(w.Dir(), lockFile) + " is held by pid 42 on h1 (job nightly, run %s) since 2026-11-24T18:30:00Z"
	_, err = w.Lock(context.Background(), 0, Holder{PID: 43})
	if want := fmt.Sprintf(held, "not yet named"); err == nil || err.Error() != want {
		t.Errorf("second Lock = %v, want %q", err, want)
	}
	// The holder takes its run's id under the lock, then names it.
	if err := l.SetRunID("r"); err != nil {
		t.Fatal(err)
	}
	_, err = w.Lock(context.Background(), 0, Holder{PID: 43})
	if want := fmt.Sprintf(held, "r"); err == nil || err.Error() != want {
		t.Errorf("second Lock after SetRunID = %v, want %q", err, want)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Errorf("second Unlock = %v", err)
	}
}

func TestRunID(t *testing.T) {
	start := time.Date(2026, 11, 24, 18, 30, 0, 0, time.FixedZone("BST", 3600))
	date := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	id := NewRunID(start, date)
	if id != "20261124T173000Z-d20261123" {
		t.Errorf("NewRunID = %s", id)
	}
	got, err := ParseRunID(id)
	if err != nil || !got.Start.Equal(start) || !got.BusinessDate.Equal(date) {
		t.Errorf("ParseRunID(%s) = %+v, %v", id, got, err)
	}
	for _, bad := range []string{"", "latest", "20261124T173000Z", "20261124T173000Z-d2026112", "20261324T173000Z-d20261123",
		"20261124T173000Z-d20261123x", "../20261124T173000Z-d20261123"} {
		if _, err := ParseRunID(bad); !errors.Is(err, ErrBadRunID) {
			t.Errorf("ParseRunID(%q) = %v, want ErrBadRunID", bad, err)
		}
	}
}

func FuzzParseRunID(f *testing.F) {
	f.Add("20261124T173000Z-d20261123")
	f.Add("20260229T250000Z-d20261123")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseRunID(s)
		if err != nil {
			return
		}
		if again := NewRunID(id.Start, id.BusinessDate); again != s {
			t.Errorf("ParseRunID(%q) round-trips to %q", s, again)
		}
	})
}

func TestManifest(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "feed.csv")
	if err := os.WriteFile(in, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := HashFile(in)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != 3 || f.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashFile = %+v", f)
	}
	m := &Manifest{RunID: runID(t, "2026-11-24T02:00:00Z", "2026-11-23"), Job: "nightly", BusinessDate: "2026-11-23",
		Start: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), Inputs: []InputFile{f}, KeyID: "0a1b2c3d",
		OptOuts: map[string]any{"national_deny_list": map[string]any{"entries": 12}}, Counts: map[string]int64{"events_read": 9}}
	b, err := encodeManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != m.RunID || got.Inputs[0] != f || got.Counts["events_read"] != 9 || !got.Start.Equal(m.Start) {
		t.Errorf("ReadManifest = %+v, want %+v", got, m)
	}
	for _, bad := range []string{"", "{}", `{"run_id": "x"}`, "[]", `{"run_id": "20261124T020000Z-d20261123"} {}`} {
		if _, err := decodeManifest([]byte(bad)); !errors.Is(err, ErrBadManifest) {
			t.Errorf("decodeManifest(%q) = %v, want ErrBadManifest", bad, err)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"run_id": "20261124T020000Z-d20261123", "tables": {"activity": 3}}`))
	f.Add([]byte(`{"run_id": "20261124T020000Z-d20261123", "opt_outs": [1, 2.5, "x"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b)
		if err != nil {
			return
		}
		// A manifest read is one that can be written again and read back.
		out, err := encodeManifest(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeManifest(out); err != nil {
			t.Errorf("re-encoded manifest does not decode: %v", err)
		}
	})
}

func TestWriteAfterClose(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	run := writeRun(t, w, runID(t, "2026-11-24T02:00:00Z", "2026-11-23"), 1, 1, 1)
	if _, err := run.Persons(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Persons() = %v, want ErrExist", err)
	}
	if _, err := run.Activity(); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Activity() = %v, want ErrExist", err)
	}
	run2, err := w.Begin(runID(t, "2026-11-24T03:00:00Z", "2026-11-23"))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := run2.Persons()
	aw, _ := run2.Activity()
	if err := errors.Join(pw.Close(), aw.Close()); err != nil {
		t.Fatal(err)
	}
	if err := pw.Write(&pseudonymise.PersonRow{}); !errors.Is(err, ErrClosed) {
		t.Errorf("PersonWriter.Write after Close = %v, want ErrClosed", err)
	}
	if err := aw.Write(&pseudonymise.ActivityRow{Date: 1}); !errors.Is(err, ErrClosed) {
		t.Errorf("ActivityWriter.Write after Close = %v, want ErrClosed", err)
	}
}

// TestNextRunIDAfterSameSecond: a run started within the second of a
// committed run (a quick retry; the CI failure of stop 21, "run already
// exists") takes the next second's id instead of failing.
func TestNextRunIDAfterSameSecond(t *testing.T) {
	w, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	first := time.Date(2026, 11, 30, 2, 0, 7, 900_000_000, time.UTC)
	commitRun(t, w, NewRunID(first, date))

	// The clock reads 950 ms into the committed run's second, then 2 ms
	// into the next.
	reads := []time.Time{first.Add(50 * time.Millisecond), first.Add(102 * time.Millisecond)}
	clock := func() time.Time {
		now := reads[0]
		if len(reads) > 1 {
			reads = reads[1:]
		}
		return now
	}
	id, start, err := w.NextRunID(context.Background(), clock, date)
	if err != nil {
		t.Fatal(err)
	}
	if want := "20261130T020008Z-d20261129"; id != want || !start.Equal(first.Add(102*time.Millisecond)) {
		t.Errorf("NextRunID = %s, %v; want %s at the second read", id, start, want)
	}
	if _, err := w.Begin(id); err != nil {
		t.Errorf("begin the new id: %v", err)
	}

	// A free second is used as it is.
	free := first.Add(time.Hour)
	if id, _, err := w.NextRunID(context.Background(), func() time.Time { return free }, date); err != nil || id != NewRunID(free, date) {
		t.Errorf("NextRunID at a free second = %s, %v", id, err)
	}
}
