package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/yhcr/carecast/internal/config"
)

var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var standardParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// TestNextRunsAcrossDSTChanges pins what cron v3.0.1 does on the 2026 clock
// changes in Europe/London (29 March: 01:00 GMT becomes 02:00 BST; 25
// October: 02:00 BST becomes 01:00 GMT): specs at 01:xx are skipped in spring
// and run twice in autumn; specs outside 01:00–02:59 run once a day.
func TestNextRunsAcrossDSTChanges(t *testing.T) {
	spring := time.Date(2026, 3, 27, 12, 0, 0, 0, london)
	autumn := time.Date(2026, 10, 23, 12, 0, 0, 0, london)
	for _, tc := range []struct {
		spec  string
		from  time.Time
		want  []string
		risky bool
	}{
		{"30 1 * * *", spring, []string{"2026-03-28 01:30 GMT", "2026-03-30 01:30 BST", "2026-03-31 01:30 BST"}, true},
		{"30 1 * * *", autumn, []string{"2026-10-24 01:30 BST", "2026-10-25 01:30 BST", "2026-10-25 01:30 GMT", "2026-10-26 01:30 GMT"}, true},
		{"30 2 * * *", spring, []string{"2026-03-28 02:30 GMT", "2026-03-29 02:30 BST", "2026-03-30 02:30 BST"}, true},
		{"30 2 * * *", autumn, []string{"2026-10-24 02:30 BST", "2026-10-25 02:30 GMT", "2026-10-26 02:30 GMT"}, true},
		{"30 3 * * *", spring, []string{"2026-03-28 03:30 GMT", "2026-03-29 03:30 BST", "2026-03-30 03:30 BST"}, false},
		{"30 3 * * *", autumn, []string{"2026-10-24 03:30 BST", "2026-10-25 03:30 GMT", "2026-10-26 03:30 GMT"}, false},
		{"0 0 * * *", spring, []string{"2026-03-28 00:00 GMT", "2026-03-29 00:00 GMT", "2026-03-30 00:00 BST"}, false},
		{"45 23 * * *", autumn, []string{"2026-10-23 23:45 BST", "2026-10-24 23:45 BST", "2026-10-25 23:45 GMT"}, false},
	} {
		sched, err := standardParser.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for t := tc.from; len(got) < len(tc.want); {
			t = sched.Next(t)
			got = append(got, t.Format("2006-01-02 15:04 MST"))
		}
		if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
			t.Errorf("%q from %s:\n got %v\nwant %v", tc.spec, tc.from.Format(time.DateOnly), got, tc.want)
		}
		if r := RiskyOnDSTChange(sched, london); r != tc.risky {
			t.Errorf("RiskyOnDSTChange(%q) = %v, want %v", tc.spec, r, tc.risky)
		}
	}
}

func TestRiskyOnDSTChange(t *testing.T) {
	for _, tc := range []struct {
		spec string
		loc  *time.Location
		want bool
	}{
		{"* * * * *", london, true},
		{"0 */6 * * *", london, false}, // 00, 06, 12, 18
		{"0 0-3 * * *", london, true},
		{"@every 1h", london, false},
		{"@daily", london, false},
		{"30 1 * * *", time.UTC, false},
		{"CRON_TZ=UTC 30 1 * * *", london, false},
		{"CRON_TZ=Europe/London 30 1 * * *", time.UTC, true},
	} {
		sched, err := standardParser.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := RiskyOnDSTChange(sched, tc.loc); got != tc.want {
			t.Errorf("RiskyOnDSTChange(%q, %s) = %v, want %v", tc.spec, tc.loc, got, tc.want)
		}
	}
}

func TestParseBusinessDate(t *testing.T) {
	for rule, want := range map[string]int{"today": 0, "yesterday": 1, "": 1, "today-0": 0, "today-3": 3} {
		if got, err := ParseBusinessDate(rule); err != nil || got != want {
			t.Errorf("ParseBusinessDate(%q) = %d, %v; want %d", rule, got, err, want)
		}
	}
	for _, rule := range []string{"tomorrow", "today-", "today--1", "today+1", "today-x", "yesterday-1", "today-99999"} {
		if _, err := ParseBusinessDate(rule); err == nil {
			t.Errorf("ParseBusinessDate(%q): no error", rule)
		}
	}
	// Just after midnight BST the business date follows London, not UTC.
	at := time.Date(2026, 6, 2, 0, 10, 0, 0, london) // 23:10 UTC on 1 June
	if got := BusinessDate(at, london, 1).Format(time.DateOnly); got != "2026-06-01" {
		t.Errorf("BusinessDate = %s, want 2026-06-01", got)
	}
}

func TestCatchUp(t *testing.T) {
	day := func(d int) string { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly) }
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, london) }
	ran := func(d int, trigger string, status Status) Entry {
		return Entry{ID: day(d) + trigger, Job: "nightly", BusinessDate: day(d - 1), Trigger: trigger, Status: status, Start: at(d, 3, 30)}
	}
	nightly := config.Job{Name: "nightly", Cron: "30 3 * * *", BusinessDate: "yesterday"}
	sched, err := standardParser.Parse(nightly.Cron)
	if err != nil {
		t.Fatal(err)
	}
	// The daemon last ran the job on 25 March (for the 24th) and is
	// restarted on 29 March at 10:00: the fires of 26–29 March were missed.
	history := []Entry{ran(24, TriggerSchedule, StatusSucceeded), ran(25, TriggerSchedule, StatusSucceeded)}
	for _, tc := range []struct {
		name    string
		catchUp string
		entries []Entry
		now     time.Time
		want    []string
	}{
		{"latest", "latest", history, at(29, 10, 0), []string{day(28)}},
		{"all", "all", history, at(29, 10, 0), []string{day(25), day(26), day(27), day(28)}},
		{"none", "none", history, at(29, 10, 0), nil},
		{"restarted before the day's fire", "all", history, at(29, 3, 0), []string{day(25), day(26), day(27)}},
		{"nothing missed", "latest", history, at(26, 3, 29), nil},
		{"never scheduled", "all", nil, at(29, 10, 0), nil},
		{"manual runs only", "all", []Entry{ran(25, TriggerManual, StatusSucceeded)}, at(29, 10, 0), nil},
		{"dates done by hand are skipped", "all",
			append(history[:2:2], Entry{ID: "m", Job: "nightly", BusinessDate: day(26), Trigger: TriggerManual, Status: StatusSucceeded, Start: at(27, 9, 0)}),
			at(29, 10, 0), []string{day(25), day(27), day(28)}},
		{"latest already done by hand", "latest",
			append(history[:2:2], Entry{ID: "m", Job: "nightly", BusinessDate: day(28), Trigger: TriggerManual, Status: StatusSucceeded, Start: at(29, 9, 0)}),
			at(29, 10, 0), nil},
		{"a failed run is not missed", "all", append(history[:2:2], ran(26, TriggerSchedule, StatusFailed)), at(26, 12, 0), nil},
		{"catch-up runs count as run", "all", append(history[:2:2], Entry{ID: "c", Job: "nightly", BusinessDate: day(27), Trigger: TriggerCatchUp, Status: StatusSucceeded, Start: at(28, 11, 0)}),
			at(29, 10, 0), []string{day(28)}},
		{"other jobs do not count", "all", []Entry{{ID: "w", Job: "weekly", Trigger: TriggerSchedule, Start: at(28, 3, 30)}}, at(29, 10, 0), nil},
		// The fire of 01:30 on 29 March does not exist; the rest are made up.
		{"across the spring change", "all", history, at(31, 4, 0), []string{day(25), day(26), day(27), day(28), day(29), day(30)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := nightly
			job.CatchUp = tc.catchUp
			got, err := CatchUp(tc.entries, job, sched, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			var dates []string
			for _, d := range got {
				dates = append(dates, d.Format(time.DateOnly))
			}
			if strings.Join(dates, " ") != strings.Join(tc.want, " ") {
				t.Errorf("CatchUp = %v, want %v", dates, tc.want)
			}
		})
	}
	if _, err := CatchUp(history, config.Job{Name: "nightly", BusinessDate: "someday"}, sched, at(29, 10, 0)); err == nil {
		t.Error("CatchUp with a bad business_date: no error")
	}
}

func TestNewSchedulerRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs []config.Job
		want string
	}{
		{"no jobs", nil, "schedule.jobs"},
		{"bad spec", []config.Job{{Name: "n", Cron: "61 * * * *", BusinessDate: "yesterday"}}, "schedule.jobs[0].cron"},
		{"seconds without the option", []config.Job{{Name: "n", Cron: "* * * * * *", BusinessDate: "yesterday"}}, "schedule.jobs[0].cron"},
		{"bad business date", []config.Job{{Name: "n", Cron: "30 3 * * *", BusinessDate: "today+1"}}, "schedule.jobs[0].business_date"},
	} {
		cfg := config.Default()
		cfg.Schedule.Jobs = tc.jobs
		_, err := NewScheduler(cfg, discard(), nil)
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want config.ErrInvalid naming %s", tc.name, err, tc.want)
		}
	}
}

// syncBuffer is a log destination shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSchedulerRunsAndStops runs an every-second job with a real runner: it
// runs twice, the second run is cancelled by shutdown, and the scheduler
// returns once it has stopped. synctest's clock makes it instant.
func TestSchedulerRunsAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig(t)
		cfg.Schedule.Jobs = []config.Job{{Name: "every-second", Cron: "* * * * * *", Run: "pipeline", BusinessDate: "today", CatchUp: "latest"}}
		var mu sync.Mutex
		var reqs []Request
		stop := make(chan struct{})
		run := func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			mu.Lock()
			reqs = append(reqs, req)
			n := len(reqs)
			mu.Unlock()
			if n == 1 {
				return Result{RunID: "first"}, nil
			}
			close(stop)
			// The second run is long: shutdown has to cancel it.
			select {
			case <-ctx.Done():
				return Result{}, ctx.Err()
			case <-time.After(time.Hour):
				return Result{}, errors.New("not cancelled")
			}
		}
		var logs syncBuffer
		s, err := NewScheduler(cfg, slog.New(slog.NewJSONHandler(&logs, nil)), run, WithSeconds(), WithStopTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		<-stop
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		entries := ledgerEntries(t, cfg)
		if len(entries) != 2 || entries[0].Status != StatusSucceeded || entries[1].Status != StatusCancelled {
			t.Fatalf("ledger: %+v; want a succeeded run and a cancelled one", entries)
		}
		for i, r := range reqs {
			if r.Job != "every-second" || r.Kind != "pipeline" || r.Trigger != TriggerSchedule || r.Attempt != 1 {
				t.Errorf("request %d: %+v", i, r)
			}
		}
		log := logs.String()
		for _, want := range []string{`"msg":"job scheduled"`, `"msg":"scheduler started"`, `"msg":"scheduler stopped"`, "between 01:00 and 02:59"} {
			if !strings.Contains(log, want) {
				t.Errorf("log lacks %s:\n%s", want, log)
			}
		}
	})
}

// TestSchedulerCatchesUpOnStart restarts a daemon whose daily job last ran
// three days ago: catch_up all makes up the missed dates first, oldest first.
func TestSchedulerCatchesUpOnStart(t *testing.T) {
	cfg := testConfig(t)
	cfg.Schedule.Jobs = []config.Job{{Name: "nightly", Cron: "30 3 * * *", Run: "pipeline", BusinessDate: "yesterday", CatchUp: "all", Retries: 1, RetryBackoff: config.Duration(time.Millisecond)}}
	now := time.Date(2026, 10, 26, 9, 0, 0, 0, london)
	l, err := OpenLedger(cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	last := Entry{ID: "last", Job: "nightly", BusinessDate: "2026-10-22", Trigger: TriggerSchedule, Attempt: 1,
		Status: StatusSucceeded, Start: time.Date(2026, 10, 23, 3, 30, 0, 0, london)}
	if err := l.Finish(last); err != nil {
		t.Fatal(err)
	}
	var dates []string
	ctx, cancel := context.WithCancel(t.Context())
	run := func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
		if req.Trigger != TriggerCatchUp {
			t.Errorf("trigger %q", req.Trigger)
		}
		d := req.BusinessDate.Format(time.DateOnly)
		if d == "2026-10-24" && req.Attempt == 1 {
			return Result{}, errors.New("feed late") // healed by the retry
		}
		dates = append(dates, d)
		if len(dates) == 3 {
			cancel()
		}
		return Result{RunID: d}, nil
	}
	s, err := NewScheduler(cfg, discard(), run, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dates, " "); got != "2026-10-23 2026-10-24 2026-10-25" {
		t.Errorf("caught up %s", got)
	}
	if n := len(ledgerEntries(t, cfg)); n != 5 {
		t.Errorf("ledger has %d entries, want 5 (the old run, 3 caught up, 1 retry)", n)
	}
}
