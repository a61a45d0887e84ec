package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/pseudonymise"
)

// A Runner runs one job for one business date: RunPipeline is the real one.
//
// Logging: Execute passes the runner the caller's logger unchanged and logs
// its own lines with "job" and "ledger_id"; the runner adds "run_id" and
// "job" (log.With) once it has a run id, so that every line of a run can be
// found by either.
type Runner func(ctx context.Context, log *slog.Logger, req Request) (Result, error)

// ErrPermanent marks errors that retrying cannot heal: bad configuration, an
// opt-out list or key that is missing or unusable, bad input that failed a
// feed. Stages outside this package mark them by returning (wrapping) one of
// the sentinels IsPermanent knows, or an error with a Permanent() bool
// method; inside it, by wrapping with permanent.
var ErrPermanent = errors.New("permanent failure")

// IsPermanent reports whether retrying err is pointless.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) && p.Permanent() {
		return true
	}
	return errors.Is(err, ErrPermanent) ||
		errors.Is(err, config.ErrInvalid) ||
		errors.Is(err, pseudonymise.ErrOptOutList) ||
		errors.Is(err, pseudonymise.ErrKey)
}

// permanent marks err as one that retrying cannot heal. Its message is err's.
func permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string        { return e.err.Error() }
func (e permanentError) Unwrap() error        { return e.err }
func (e permanentError) Is(target error) bool { return target == ErrPermanent }

// Execute runs req once with run and records the attempt in the ledger of the
// warehouse folder: started before the run, finished with its status, error
// and counts after. A panic in run is recovered and recorded as a failure.
func Execute(ctx context.Context, log *slog.Logger, run Runner, req Request) (Result, error) {
	ledger, err := OpenLedger(req.Config.Warehouse)
	if err != nil {
		return Result{}, err
	}
	if req.Attempt == 0 {
		req.Attempt = 1
	}
	start := time.Now()
	e := Entry{
		ID:           NewEntryID(start),
		Job:          req.Job,
		Kind:         req.Kind,
		BusinessDate: req.BusinessDate.Format(time.DateOnly),
		Trigger:      req.Trigger,
		Attempt:      req.Attempt,
		Start:        start,
	}
	elog := log.With("job", req.Job, "ledger_id", e.ID)
	if err := ledger.Start(e); err != nil {
		return Result{}, fmt.Errorf("record start of %s: %w", req.Job, err)
	}
	elog.Info("run started", "business_date", e.BusinessDate, "trigger", req.Trigger, "attempt", req.Attempt)

	res, runErr := runSafely(ctx, log, run, req)

	e.End = time.Now()
	e.RunID, e.Counts = res.RunID, res.Counts
	e.Unpublished = runErr == nil && res.RunID != "" && !res.Published
	switch {
	case runErr == nil:
		e.Status = StatusSucceeded
	case ctx.Err() != nil || errors.Is(runErr, context.Canceled):
		e.Status, e.Error = StatusCancelled, runErr.Error()
	default:
		e.Status, e.Error = StatusFailed, runErr.Error()
	}
	if err := ledger.Finish(e); err != nil {
		elog.Error("record run end", "err", err)
		if runErr == nil {
			runErr = fmt.Errorf("run %s committed, but %w", res.RunID, err)
		}
	}
	if e.Status == StatusSucceeded {
		elog.Info("run succeeded", "run_id", res.RunID, "published", res.Published, "seconds", e.Duration(e.End).Seconds())
	} else {
		elog.Error("run "+string(e.Status), "err", runErr, "permanent", IsPermanent(runErr), "seconds", e.Duration(e.End).Seconds())
	}
	return res, runErr
}

// runSafely calls run, turning a panic into an error so that the ledger
// records the failure and the daemon lives on. Only runtime errors are
// quoted: another panic value might carry data.
func runSafely(ctx context.Context, log *slog.Logger, run Runner, req Request) (res Result, err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		buf := make([]byte, 16<<10)
		buf = buf[:runtime.Stack(buf, false)]
		log.Error("run panicked", "job", req.Job, "stack", string(buf))
		if re, ok := v.(runtime.Error); ok {
			err = fmt.Errorf("%s panicked: %w", req.Job, re)
		} else {
			err = fmt.Errorf("%s panicked", req.Job)
		}
	}()
	return run(ctx, log, req)
}

// RetryPolicy says how often a failed run is tried again and how long to
// wait first.
type RetryPolicy struct {
	Retries int           // tries after the first
	Backoff time.Duration // wait before the first retry, doubled for each next one
}

// maxBackoff caps the wait between tries, so a nightly job still runs within
// its night.
const maxBackoff = time.Hour

// Delay is the wait before retry n (1 for the first retry).
func (p RetryPolicy) Delay(n int) time.Duration {
	d := p.Backoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// Retry executes req and, while it fails with an error that may heal, waits
// and tries again up to p.Retries times. Each try is its own ledger entry,
// numbered by req.Attempt.
func Retry(ctx context.Context, log *slog.Logger, run Runner, req Request, p RetryPolicy) (Result, error) {
	for attempt := 1; ; attempt++ {
		req.Attempt = attempt
		res, err := Execute(ctx, log, run, req)
		if err == nil || ctx.Err() != nil || IsPermanent(err) || attempt > p.Retries {
			return res, err
		}
		wait := p.Delay(attempt)
		log.Warn("retrying run", "job", req.Job, "attempt", attempt+1, "of", p.Retries+1, "wait", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, fmt.Errorf("%w (retry cancelled: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// Backfill executes req for each business date from from to to inclusive, one
// after another, with the backfill trigger unless req has one. It stops at
// the first failure, returning the results so far.
func Backfill(ctx context.Context, log *slog.Logger, run Runner, req Request, from, to time.Time) ([]Result, error) {
	if to.Before(from) {
		return nil, fmt.Errorf("backfill: %s is before %s", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if req.Trigger == "" {
		req.Trigger = TriggerBackfill
	}
	var results []Result
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		req.BusinessDate = d
		res, err := Execute(ctx, log, run, req)
		if err != nil {
			return results, fmt.Errorf("business date %s: %w", d.Format(time.DateOnly), err)
		}
		results = append(results, res)
	}
	return results, nil
}
