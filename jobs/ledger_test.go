package jobs

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLedgerSurvivesTornLine(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 30, 3, 30, 0, 0, time.UTC)
	a := Entry{ID: "a", Job: "nightly", BusinessDate: "2026-03-29", Trigger: TriggerSchedule, Attempt: 1, Start: start}
	if err := l.Start(a); err != nil {
		t.Fatal(err)
	}
	a.Status, a.End, a.RunID, a.Counts = StatusSucceeded, start.Add(time.Minute), "run-a", map[string]int64{"events_out": 42}
	if err := l.Finish(a); err != nil {
		t.Fatal(err)
	}
	// A crash while writing the next line leaves half of it.
	f, err := os.OpenFile(filepath.Join(dir, LedgerFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"b","job":"nightly","busin`)
	f.Close()

	// After a restart, the ledger reads and appends as before.
	l, err = OpenLedger(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != StatusSucceeded || got[0].Counts["events_out"] != 42 || got[0].RunID != "run-a" {
		t.Fatalf("after torn line, entries = %+v", got)
	}
	c := Entry{ID: "c", Job: "nightly", BusinessDate: "2026-03-30", Trigger: TriggerManual, Attempt: 1, Start: start.Add(time.Hour)}
	if err := l.Start(c); err != nil {
		t.Fatal(err)
	}
	c.Status, c.Error = StatusFailed, "feed gp: file gp.csv line 3: field nhs_number: bad check digit"
	if err := l.Finish(c); err != nil {
		t.Fatal(err)
	}
	got, err = l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].ID != "c" || got[1].Status != StatusFailed || got[1].Error != c.Error {
		t.Fatalf("after append, entries = %+v", got)
	}
	last, ok, err := l.Last("nightly")
	if err != nil || !ok || last.ID != "c" {
		t.Errorf("Last = %+v, %v, %v; want c", last, ok, err)
	}
	succ, ok, err := l.LastSuccess("nightly")
	if err != nil || !ok || succ.ID != "a" {
		t.Errorf("LastSuccess = %+v, %v, %v; want a", succ, ok, err)
	}
	if _, ok, _ := l.Last("weekly"); ok {
		t.Error("Last of a job never run: found one")
	}
}

func TestLedgerAbandoned(t *testing.T) {
	l, err := OpenLedger(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 10, 25, 3, 30, 0, 0, time.UTC)
	for _, e := range []Entry{
		{ID: "dead", Job: "nightly", Start: start, PID: 101, Host: l.host},
		{ID: "alive", Job: "nightly", Start: start.Add(time.Hour), PID: 102, Host: l.host},
		{ID: "elsewhere", Job: "nightly", Start: start.Add(2 * time.Hour), PID: 101, Host: "another-host"},
	} {
		if err := l.Start(e); err != nil {
			t.Fatal(err)
		}
	}
	l.alive = func(pid int) bool { return pid == 102 }
	got, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"dead": StatusAbandoned, "alive": StatusRunning, "elsewhere": StatusRunning}
	for _, e := range got {
		if e.Status != want[e.ID] {
			t.Errorf("%s: status %s, want %s", e.ID, e.Status, want[e.ID])
		}
	}
}

func TestLedgerRecordsThisProcess(t *testing.T) {
	l, err := OpenLedger(filepath.Join(t.TempDir(), "warehouse")) // not yet made
	if err != nil {
		t.Fatal(err)
	}
	if got, err := l.Entries(); err != nil || len(got) != 0 {
		t.Fatalf("empty ledger: %v, %v", got, err)
	}
	if err := l.Start(Entry{ID: "x", Job: "nightly", Start: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PID != os.Getpid() || got[0].Status != StatusRunning {
		t.Fatalf("entries = %+v, want one running entry of this process", got)
	}
	if err := l.Finish(Entry{ID: "x", Status: StatusRunning}); err == nil {
		t.Error("Finish with status running: no error")
	}
}

func TestOpenLedgerNotAFolder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLedger(p); err == nil {
		t.Error("OpenLedger on a file: no error")
	}
}
