package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/pseudonymise"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig is the default config with its warehouse in a temporary folder.
func testConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.Warehouse = t.TempDir()
	return cfg
}

func ledgerEntries(t *testing.T, cfg *config.Config) []Entry {
	t.Helper()
	l, err := OpenLedger(cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

type healing struct{ permanent bool }

func (h healing) Error() string   { return "stage error" }
func (h healing) Permanent() bool { return h.permanent }

func TestIsPermanent(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("disk full"), false},
		{context.DeadlineExceeded, false},
		{permanent(errors.New("bad feed")), true},
		{fmt.Errorf("prepare: %w", permanent(errors.New("bad feed"))), true},
		{fmt.Errorf("load: %w", config.ErrInvalid), true},
		{fmt.Errorf("national list: %w", pseudonymise.ErrOptOutList), true},
		{pseudonymise.ErrNoKey, true},
		{fmt.Errorf("stage: %w", healing{permanent: true}), true},
		{healing{permanent: false}, false},
	} {
		if got := IsPermanent(tc.err); got != tc.want {
			t.Errorf("IsPermanent(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if err := permanent(errors.New("x")); err.Error() != "x" {
		t.Errorf("permanent changes the message: %q", err)
	}
}

func TestExecuteRecordsOutcome(t *testing.T) {
	date := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		run    Runner
		cancel bool
		status Status
		errMsg string
	}{
		{"succeeded", func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			return Result{RunID: "r1", Counts: map[string]int64{"events_out": 7}}, nil
		}, false, StatusSucceeded, ""},
		{"failed", func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			return Result{}, errors.New("feed gp: file gp.csv line 9: field sex: unknown code")
		}, false, StatusFailed, "feed gp: file gp.csv line 9: field sex: unknown code"},
		{"cancelled", func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			<-ctx.Done()
			return Result{}, fmt.Errorf("extract: %w", ctx.Err())
		}, true, StatusCancelled, "extract: context canceled"},
		{"panicked", func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			var m map[string]int
			m["x"]++ // a runtime error
			return Result{}, nil
		}, false, StatusFailed, "nightly panicked: assignment to entry in nil map"},
		{"panicked with a value", func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
			panic("9434765919") // might be data: never recorded
		}, false, StatusFailed, "nightly panicked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			ctx, cancel := context.WithCancel(t.Context())
			if tc.cancel {
				cancel()
			}
			defer cancel()
			req := Request{Config: cfg, Job: "nightly", Kind: "pipeline", BusinessDate: date, Trigger: TriggerManual}
			res, err := Execute(ctx, discard(), tc.run, req)
			if (err == nil) != (tc.status == StatusSucceeded) {
				t.Fatalf("Execute error = %v", err)
			}
			entries := ledgerEntries(t, cfg)
			if len(entries) != 1 {
				t.Fatalf("ledger has %d entries, want 1", len(entries))
			}
			e := entries[0]
			if e.Status != tc.status || e.Error != tc.errMsg || e.Job != "nightly" || e.Kind != "pipeline" ||
				e.BusinessDate != "2026-03-29" || e.Trigger != TriggerManual || e.Attempt != 1 || e.End.Before(e.Start) {
				t.Errorf("entry = %+v", e)
			}
			if e.RunID != res.RunID || e.Counts["events_out"] != res.Counts["events_out"] {
				t.Errorf("entry run %q counts %v, result %q %v", e.RunID, e.Counts, res.RunID, res.Counts)
			}
		})
	}
}

// flaky fails with errs in turn, then succeeds, counting its calls.
type flaky struct {
	errs  []error
	calls int
}

func (f *flaky) run(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
	f.calls++
	if req.Attempt != f.calls {
		return Result{}, fmt.Errorf("attempt %d on call %d", req.Attempt, f.calls)
	}
	if f.calls <= len(f.errs) {
		return Result{}, f.errs[f.calls-1]
	}
	return Result{RunID: fmt.Sprint("run-", f.calls)}, nil
}

func TestRetry(t *testing.T) {
	transient := errors.New("warehouse locked by another run")
	for _, tc := range []struct {
		name      string
		errs      []error
		retries   int
		wantCalls int
		wantErr   bool
		wantWait  time.Duration // 1m backoff, doubling
	}{
		{"first time", nil, 3, 1, false, 0},
		{"heals on the third try", []error{transient, transient}, 3, 3, false, 3 * time.Minute},
		{"retries exhausted", []error{transient, transient, transient}, 2, 3, true, 3 * time.Minute},
		{"no retries configured", []error{transient}, 0, 1, true, 0},
		{"permanent: not retried", []error{permanent(errors.New("opt-out list missing"))}, 3, 1, true, 0},
		{"bad config: not retried", []error{fmt.Errorf("%w: region", config.ErrInvalid)}, 3, 1, true, 0},
		{"transient then permanent", []error{transient, fmt.Errorf("%w", pseudonymise.ErrOptOutList)}, 3, 2, true, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig(t)
				f := &flaky{errs: tc.errs}
				req := Request{Config: cfg, Job: "nightly", Kind: "pipeline", Trigger: TriggerSchedule}
				start := time.Now()
				res, err := Retry(t.Context(), discard(), f.run, req, RetryPolicy{Retries: tc.retries, Backoff: time.Minute})
				if waited := time.Since(start); waited != tc.wantWait {
					t.Errorf("waited %s, want %s", waited, tc.wantWait)
				}
				if f.calls != tc.wantCalls || (err != nil) != tc.wantErr {
					t.Fatalf("calls %d, err %v; want %d calls, error %v", f.calls, err, tc.wantCalls, tc.wantErr)
				}
				if err == nil && res.RunID != fmt.Sprint("run-", tc.wantCalls) {
					t.Errorf("result of run %q", res.RunID)
				}
				entries := ledgerEntries(t, cfg)
				if len(entries) != tc.wantCalls {
					t.Fatalf("ledger has %d entries, want one per try (%d)", len(entries), tc.wantCalls)
				}
				for i, e := range entries {
					if e.Attempt != i+1 {
						t.Errorf("entry %d: attempt %d", i, e.Attempt)
					}
				}
			})
		})
	}
}

func TestRetryCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig(t)
		ctx, cancel := context.WithCancel(t.Context())
		f := &flaky{errs: []error{errors.New("transient")}}
		time.AfterFunc(30*time.Second, cancel)
		_, err := Retry(ctx, discard(), f.run, Request{Config: cfg, Job: "nightly"}, RetryPolicy{Retries: 5, Backoff: time.Minute})
		if !errors.Is(err, context.Canceled) || f.calls != 1 {
			t.Fatalf("err %v after %d calls; want cancelled after 1", err, f.calls)
		}
	})
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{Retries: 10, Backoff: 5 * time.Minute}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %s, want %s", i+1, got, w)
		}
	}
}

func TestBackfill(t *testing.T) {
	cfg := testConfig(t)
	var dates []string
	run := func(ctx context.Context, log *slog.Logger, req Request) (Result, error) {
		d := req.BusinessDate.Format(time.DateOnly)
		dates = append(dates, d)
		if d == "2026-10-26" {
			return Result{}, errors.New("feed ae: missing")
		}
		return Result{RunID: d}, nil
	}
	from := time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)
	res, err := Backfill(t.Context(), discard(), run, Request{Config: cfg, Job: "nightly", Kind: "pipeline"}, from, to)
	if err == nil || len(res) != 2 || fmt.Sprint(dates) != "[2026-10-24 2026-10-25 2026-10-26]" {
		t.Fatalf("Backfill: %d results, err %v, dates run %v", len(res), err, dates)
	}
	for _, e := range ledgerEntries(t, cfg) {
		if e.Trigger != TriggerBackfill {
			t.Errorf("entry %s: trigger %q", e.BusinessDate, e.Trigger)
		}
	}
	if _, err := Backfill(t.Context(), discard(), run, Request{Config: cfg}, to, from); err == nil {
		t.Error("Backfill with to before from: no error")
	}
}
