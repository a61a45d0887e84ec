package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/yhcr/carecast/internal/config"
)

// DefaultStopTimeout bounds how long a stopping scheduler waits for the
// current run to notice its cancelled context and clean up.
const DefaultStopTimeout = 30 * time.Second

// maxMissedFires bounds the scan for missed runs, so that a frequent spec
// and a long outage cannot stall start-up.
const maxMissedFires = 100_000

// A Scheduler runs configured jobs on their cron specs, in the schedule's
// location, recording every run in the warehouse's ledger.
type Scheduler struct {
	cfg         *config.Config
	log         *slog.Logger
	run         Runner
	loc         *time.Location
	jobs        []scheduled
	parser      cron.Parser
	now         func() time.Time
	stopTimeout time.Duration
}

// scheduled is a configured job with its parsed spec.
type scheduled struct {
	job   config.Job
	sched cron.Schedule
	back  int // days from the fire date back to the business date
}

// An Option changes how a Scheduler works, for tests.
type Option func(*Scheduler)

// WithSeconds parses specs with a leading seconds field, as cron.WithSeconds.
func WithSeconds() Option {
	return func(s *Scheduler) {
		s.parser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	}
}

// WithStopTimeout sets how long Run waits for the current run on shutdown.
func WithStopTimeout(d time.Duration) Option { return func(s *Scheduler) { s.stopTimeout = d } }

// WithClock sets the clock the scheduler reads for catch-up and business
// dates (cron itself keeps real time).
func WithClock(now func() time.Time) Option { return func(s *Scheduler) { s.now = now } }

// NewScheduler checks cfg's schedule — every spec and business date rule —
// and returns a scheduler that runs its jobs with run. Problems are
// config.ErrInvalid errors naming the field.
func NewScheduler(cfg *config.Config, log *slog.Logger, run Runner, opts ...Option) (*Scheduler, error) {
	s := &Scheduler{
		cfg: cfg, log: log, run: run,
		parser:      cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor),
		now:         time.Now,
		stopTimeout: DefaultStopTimeout,
	}
	for _, o := range opts {
		o(s)
	}
	loc, err := time.LoadLocation(cfg.Schedule.Location)
	if err != nil {
		return nil, fmt.Errorf("%w: schedule.location: %w", config.ErrInvalid, err)
	}
	s.loc = loc
	if len(cfg.Schedule.Jobs) == 0 {
		return nil, fmt.Errorf("%w: schedule.jobs: no jobs to schedule", config.ErrInvalid)
	}
	for i, j := range cfg.Schedule.Jobs {
		sched, err := s.parser.Parse(j.Cron)
		if err != nil {
			return nil, fmt.Errorf("%w: schedule.jobs[%d].cron: %w", config.ErrInvalid, i, err)
		}
		back, err := ParseBusinessDate(j.BusinessDate)
		if err != nil {
			return nil, fmt.Errorf("%w: schedule.jobs[%d].business_date: %w", config.ErrInvalid, i, err)
		}
		s.jobs = append(s.jobs, scheduled{job: j, sched: sched, back: back})
	}
	return s, nil
}

// ParseBusinessDate reads a job's business_date rule — today, yesterday or
// today-N — as the number of days back from the day a run fires.
func ParseBusinessDate(rule string) (int, error) {
	switch rule {
	case "today":
		return 0, nil
	case "", "yesterday":
		return 1, nil
	}
	if n, ok := strings.CutPrefix(rule, "today-"); ok {
		if back, err := strconv.Atoi(n); err == nil && back >= 0 && back <= 3660 {
			return back, nil
		}
	}
	return 0, fmt.Errorf("want today, yesterday or today-N, have %q", rule)
}

// BusinessDate is the business date of a run firing at t: the calendar date
// in loc, back days earlier, as midnight UTC (as --date parses it).
func BusinessDate(t time.Time, loc *time.Location, back int) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
}

// RiskyOnDSTChange reports whether sched can fire from 01:00 to 02:59 local
// time in a location that changes its clocks: on the change days such a run
// is skipped or run twice (cron v3.0.1 fires a spec's wall-clock time as it
// finds it, and in spring 01:00–01:59 does not exist in Europe/London, in
// autumn it happens twice). Fixed-interval (@every) schedules do not follow
// the wall clock and are safe.
func RiskyOnDSTChange(sched cron.Schedule, loc *time.Location) bool {
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return false
	}
	if spec.Location != time.Local {
		loc = spec.Location
	}
	y := time.Now().Year()
	_, jan := time.Date(y, 1, 1, 0, 0, 0, 0, loc).Zone()
	_, jul := time.Date(y, 7, 1, 0, 0, 0, 0, loc).Zone()
	return jan != jul && spec.Hour&(1<<1|1<<2) != 0
}

// CatchUp returns the business dates of job's runs that were due while the
// daemon was down, oldest first: the fires of sched after the job's last
// scheduled or catch-up run in entries up to now (in the schedule's
// location), as job.CatchUp says — all of them, the latest only, or none —
// leaving out dates that already have a successful run of the job. A job
// never run on schedule has missed nothing.
func CatchUp(entries []Entry, job config.Job, sched cron.Schedule, now time.Time) ([]time.Time, error) {
	back, err := ParseBusinessDate(job.BusinessDate)
	if err != nil {
		return nil, err
	}
	if job.CatchUp == "none" {
		return nil, nil
	}
	var since time.Time
	done := map[string]bool{}
	for _, e := range entries {
		if e.Job != job.Name {
			continue
		}
		if e.Status == StatusSucceeded {
			done[e.BusinessDate] = true
		}
		if (e.Trigger == TriggerSchedule || e.Trigger == TriggerCatchUp) && e.Start.After(since) {
			since = e.Start
		}
	}
	if since.IsZero() {
		return nil, nil
	}
	var missed []time.Time
	seen := map[string]bool{}
	t := since.In(now.Location())
	for range maxMissedFires {
		t = sched.Next(t)
		if t.IsZero() || t.After(now) {
			break
		}
		d := BusinessDate(t, now.Location(), back)
		if key := d.Format(time.DateOnly); !seen[key] {
			seen[key] = true
			missed = append(missed, d)
		}
	}
	if job.CatchUp == "latest" && len(missed) > 1 {
		missed = missed[len(missed)-1:]
	}
	var dates []time.Time
	for _, d := range missed {
		if !done[d.Format(time.DateOnly)] {
			dates = append(dates, d)
		}
	}
	return dates, nil
}

// Run makes up missed runs, then runs the jobs on schedule until ctx is
// cancelled. Then it starts no more runs, cancels the current one (through
// ctx) and waits for it up to the stop timeout. A job still running when it
// is next due is skipped, and a panic is recovered and logged.
func (s *Scheduler) Run(ctx context.Context) error {
	cl := cronLogger{s.log}
	c := cron.New(
		cron.WithLocation(s.loc),
		cron.WithParser(s.parser),
		cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)),
	)
	for _, sj := range s.jobs {
		c.Schedule(sj.sched, cron.FuncJob(func() { s.fire(ctx, sj) }))
		if RiskyOnDSTChange(sj.sched, s.loc) {
			s.log.Warn("job can fire between 01:00 and 02:59 local time: on the days the clocks change it is skipped or runs twice; schedule it outside these hours",
				"job", sj.job.Name, "cron", sj.job.Cron, "location", s.loc.String())
		}
		s.log.Info("job scheduled", "job", sj.job.Name, "cron", sj.job.Cron, "run", sj.job.Run,
			"next", sj.sched.Next(s.now().In(s.loc)).Format(time.RFC3339))
	}

	// Missed runs are made up before the schedule starts, so they never
	// overlap a scheduled run of the same job.
	caughtUp := make(chan error, 1)
	go func() { caughtUp <- s.catchUp(ctx) }()
	select {
	case err := <-caughtUp:
		if err != nil {
			s.log.Error("catch-up", "err", err)
		}
	case <-ctx.Done():
		s.log.Info("stopping during catch-up")
		return s.wait(caughtUp)
	}

	c.Start()
	s.log.Info("scheduler started", "jobs", len(s.jobs), "location", s.loc.String())
	<-ctx.Done()
	s.log.Info("stopping: no new runs; cancelling the current one")
	stopped := c.Stop()
	done := make(chan error, 1)
	go func() { <-stopped.Done(); done <- nil }()
	return s.wait(done)
}

// wait waits for done up to the stop timeout.
func (s *Scheduler) wait(done <-chan error) error {
	t := time.NewTimer(s.stopTimeout)
	defer t.Stop()
	select {
	case <-done:
		s.log.Info("scheduler stopped")
		return nil
	case <-t.C:
		return fmt.Errorf("schedule: the current run did not stop within %s", s.stopTimeout)
	}
}

// catchUp runs each job's missed business dates, one after another.
func (s *Scheduler) catchUp(ctx context.Context) error {
	ledger, err := OpenLedger(s.cfg.Warehouse)
	if err != nil {
		return err
	}
	entries, err := ledger.Entries()
	if err != nil {
		return err
	}
	now := s.now().In(s.loc)
	for _, sj := range s.jobs {
		dates, err := CatchUp(entries, sj.job, sj.sched, now)
		if err != nil {
			return fmt.Errorf("job %s: %w", sj.job.Name, err)
		}
		for _, d := range dates {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Info("catching up a missed run", "job", sj.job.Name, "business_date", d.Format(time.DateOnly), "policy", sj.job.CatchUp)
			s.execute(ctx, sj, d, TriggerCatchUp)
		}
	}
	return nil
}

// fire runs a job when it is due.
func (s *Scheduler) fire(ctx context.Context, sj scheduled) {
	if ctx.Err() != nil {
		return
	}
	s.execute(ctx, sj, BusinessDate(s.now(), s.loc, sj.back), TriggerSchedule)
}

func (s *Scheduler) execute(ctx context.Context, sj scheduled, date time.Time, trigger string) {
	req := Request{
		Config: s.cfg, Job: sj.job.Name, Kind: sj.job.Run,
		BusinessDate: date, Trigger: trigger,
	}
	p := RetryPolicy{Retries: sj.job.Retries, Backoff: time.Duration(sj.job.RetryBackoff)}
	// Execute has logged the outcome of each try.
	_, _ = Retry(ctx, s.log, s.run, req, p)
}

// cronLogger sends cron's logging to slog. Cron's own chatter is debug; a
// skipped run is worth a warning.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		l.log.Warn("job still running when due again: this run is skipped", kv...)
		return
	}
	l.log.Debug("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	if err == nil {
		err = errors.New("unknown")
	}
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
