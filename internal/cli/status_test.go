package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/warehouse"
)

var update = flag.Bool("update", false, "rewrite golden files")

// opsNow is the clock of the status and runs tests: 10:00 BST, 30 March 2026.
var opsNow = time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC)

// opsRun runs carecast in-process with the tests' clock.
func opsRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Now: func() time.Time { return opsNow }}
	code = RunEnv(context.Background(), env, args)
	return code, out.String(), errb.String()
}

// opsConfig writes a config with the given schedule section and a warehouse
// holding entries in its ledger, and returns the config's path.
func opsConfig(t *testing.T, schedule string, entries ...jobs.Entry) string {
	t.Helper()
	dir := t.TempDir()
	wh := filepath.Join(dir, "warehouse")
	l, err := jobs.OpenLedger(wh)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.PID == 0 {
			e.PID, e.Host = 1, "another-host" // never taken for abandoned
		}
		if err := l.Start(e); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "carecast.yaml")
	if err := os.WriteFile(path, []byte("warehouse: warehouse\n"+schedule), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func entry(id, job, date, trigger string, attempt int, status jobs.Status, start time.Time, took time.Duration, errMsg string) jobs.Entry {
	e := jobs.Entry{ID: id, Job: job, Kind: "pipeline", BusinessDate: date, Trigger: trigger, Attempt: attempt, Status: status, Start: start, Error: errMsg}
	if status != jobs.StatusRunning {
		e.End = start.Add(took)
	}
	if status == jobs.StatusSucceeded {
		d, _ := time.Parse(time.DateOnly, date)
		e.RunID = warehouse.NewRunID(start, d)
		e.Counts = map[string]int64{"events_out": 1234}
	}
	return e
}

// abandoned makes e a run recorded as running by a process of this host
// that is gone.
func abandoned(e jobs.Entry) jobs.Entry {
	e.Host, _ = os.Hostname()
	e.PID = 1 << 30 // above any pid_max: no such process
	return e
}

const twoJobs = `schedule:
  jobs:
    - name: nightly
      cron: "30 3 * * *"
    - name: weekly-report
      cron: "0 6 * * 1"
      run: report
      max_age: 8d
`

func TestStatus(t *testing.T) {
	h := func(hoursAgo float64) time.Time { return opsNow.Add(-time.Duration(hoursAgo * float64(time.Hour))) }
	weeklyOK := entry("w1", "weekly-report", "2026-03-29", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(3), time.Minute, "")
	tests := []struct {
		name     string
		schedule string
		entries  []jobs.Entry
		code     int
		want     []string
	}{
		{"all fresh", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-28", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(29.5), 10*time.Minute, ""),
			entry("n2", "nightly", "2026-03-29", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(5.5), 10*time.Minute, ""),
			weeklyOK,
		}, 0, []string{"OK nightly: last run (business date 2026-03-29) succeeded 5h20m ago, run 20260330T033000Z-d20260329", "OK weekly-report:"}},
		{"last run failed", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-28", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(29.5), 10*time.Minute, ""),
			entry("n2", "nightly", "2026-03-29", jobs.TriggerSchedule, 3, jobs.StatusFailed, h(5.5), 10*time.Minute, "opt-out list unusable: file optouts.txt: older than max_age 7d"),
			weeklyOK,
		}, 1, []string{"FAIL nightly: last run (business date 2026-03-29, attempt 3) failed 5h20m ago: opt-out list unusable: file optouts.txt: older than max_age 7d", "OK weekly-report:", "1 of 2 jobs failing"}},
		{"stale", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-27", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(53.5), 10*time.Minute, ""),
			weeklyOK,
		}, 1, []string{"FAIL nightly: last success (business date 2026-03-27) ended 53h20m ago, older than max_age 36h"}},
		{"never run", twoJobs, []jobs.Entry{weeklyOK}, 1, []string{"FAIL nightly: no finished run recorded"}},
		{"in progress after a success", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-28", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(29.5), 10*time.Minute, ""),
			entry("n2", "nightly", "2026-03-29", jobs.TriggerSchedule, 1, jobs.StatusRunning, h(0.25), 0, ""),
			weeklyOK,
		}, 0, []string{"OK nightly: last run (business date 2026-03-28) succeeded 29h20m ago, run 20260329T033000Z-d20260328; a run for 2026-03-29 is in progress (started 15m0s ago)"}},
		{"cancelled", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-29", jobs.TriggerSchedule, 1, jobs.StatusCancelled, h(1), time.Minute, "context canceled"),
			weeklyOK,
		}, 1, []string{"FAIL nightly: last run (business date 2026-03-29, attempt 1) cancelled 59m0s ago: context canceled"}},
		{"no jobs: manual runs judged", "", []jobs.Entry{
			entry("m1", "nightly", "2026-03-29", jobs.TriggerManual, 1, jobs.StatusSucceeded, h(2), time.Minute, ""),
		}, 0, []string{"OK nightly: last run (business date 2026-03-29) succeeded 1h59m ago"}},
		{"no jobs, no runs", "", nil, 1, []string{"FAIL nightly: no finished run recorded"}},
		// A run killed with SIGKILL never records its end: its age is from
		// its start, not from the zero time (issue 16, finding 6).
		{"abandoned", twoJobs, []jobs.Entry{
			entry("n1", "nightly", "2026-03-28", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, h(29.5), 10*time.Minute, ""),
			abandoned(entry("n2", "nightly", "2026-03-29", jobs.TriggerSchedule, 1, jobs.StatusRunning, h(5.5), 0, "")),
			weeklyOK,
		}, 1, []string{"FAIL nightly: last run (business date 2026-03-29, attempt 1) abandoned: started 5h30m ago, its process gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := opsRun(t, "status", "--config", opsConfig(t, tt.schedule, tt.entries...))
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, stdout, stderr)
				}
			}
		})
	}
}

func TestStatusBadConfig(t *testing.T) {
	code, _, stderr := opsRun(t, "status", "--config", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != ExitUsage {
		t.Errorf("missing config: exit %d, want %d (%s)", code, ExitUsage, stderr)
	}
}

// runsFixture is a ledger of five runs and a warehouse that keeps the run
// of entry c, as CURRENT; the run of entry a was replaced or pruned.
func runsFixture(t *testing.T) string {
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, time.UTC) }
	cfg := opsConfig(t, twoJobs,
		entry("a", "nightly", "2026-03-27", jobs.TriggerSchedule, 1, jobs.StatusSucceeded, at(28, 3, 30), 12*time.Minute+3*time.Second, ""),
		entry("b", "nightly", "2026-03-28", jobs.TriggerSchedule, 1, jobs.StatusFailed, at(29, 2, 30), 40*time.Second, "warehouse locked by pid 4242 on host etl-1 (job nightly) since 2026-03-29T02:29:00Z"),
		entry("c", "nightly", "2026-03-28", jobs.TriggerSchedule, 2, jobs.StatusSucceeded, at(29, 2, 32), 11*time.Minute, ""),
		entry("d", "nightly", "2026-03-01", jobs.TriggerBackfill, 1, jobs.StatusFailed, at(29, 9, 0), 2*time.Hour+5*time.Minute, "feed gp: file gp.csv line 12: field nhs_number: fails modulus 11\nsecond line"),
		entry("e", "weekly-report", "2026-03-29", jobs.TriggerManual, 1, jobs.StatusRunning, at(30, 8, 55), 0, ""),
	)
	wh := filepath.Join(filepath.Dir(cfg), "warehouse")
	kept := warehouse.NewRunID(at(29, 2, 32), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC))
	if err := os.MkdirAll(filepath.Join(wh, "runs", kept), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(wh, "CURRENT"), []byte(kept+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRunsTable(t *testing.T) {
	cfg := runsFixture(t)
	for _, tc := range []struct{ name, golden string }{
		{"", "runs.golden"},
		{"3", "runs_last3.golden"},
	} {
		args := []string{"runs", "--config", cfg}
		if tc.name != "" {
			args = append(args, "--last", tc.name)
		}
		code, stdout, stderr := opsRun(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		golden := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if stdout != string(want) {
			t.Errorf("carecast %s:\n%s\nwant (%s):\n%s", strings.Join(args, " "), stdout, golden, want)
		}
	}
}

func TestRunsJSON(t *testing.T) {
	code, stdout, stderr := opsRun(t, "runs", "--config", runsFixture(t), "--json", "--last", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []jobs.Entry
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(got) != 2 || got[0].ID != "d" || got[1].ID != "e" || got[1].Status != jobs.StatusRunning ||
		!strings.Contains(got[0].Error, "second line") {
		t.Errorf("entries = %+v", got)
	}

	code, stdout, _ = opsRun(t, "runs", "--config", opsConfig(t, ""), "--json")
	if code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("empty ledger: exit %d, %q", code, stdout)
	}
	code, stdout, _ = opsRun(t, "runs", "--config", opsConfig(t, ""))
	if code != 0 || !strings.Contains(stdout, "no runs recorded") {
		t.Errorf("empty ledger: exit %d, %q", code, stdout)
	}
	if code, _, _ := opsRun(t, "runs", "--last", "-1"); code != ExitUsage {
		t.Errorf("--last -1: exit %d", code)
	}
}

func TestScheduleUsage(t *testing.T) {
	if code, _, stderr := opsRun(t, "schedule"); code != ExitUsage || !strings.Contains(stderr, "--config is required") {
		t.Errorf("schedule without config: exit %d, %s", code, stderr)
	}
	bad := opsConfig(t, "schedule:\n  jobs:\n    - name: n\n      cron: \"every night\"\n")
	if code, _, stderr := opsRun(t, "schedule", "--config", bad); code != ExitUsage || !strings.Contains(stderr, "schedule.jobs[0].cron") {
		t.Errorf("bad spec: exit %d, %s", code, stderr)
	}
}
