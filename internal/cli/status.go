package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
)

var statusFlags struct {
	config string
}

var cmdStatus = &Command{
	Name:      "status",
	UsageLine: "[--config FILE]",
	Short:     "check that every job's last run succeeded recently (for monitoring)",
	Long: `Status checks each job in schedule.jobs — or, with none configured, the
manual 'carecast run' job, nightly, against a max_age of 36h — and prints one
line per job: OK, or FAIL and why. A job is healthy when its last finished
run succeeded and ended within its max_age. A run in progress is noted but
not judged.

Exit codes: 0 every job healthy, 1 any job not (for monitoring systems),
2 usage or configuration error.`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&statusFlags.config, "config", "", "config file (default: the embedded demo region's)")
	},
	Run: runStatus,
}

// manualJob is the job name of 'carecast run', checked when no jobs are
// scheduled.
const manualJob = "nightly"

func runStatus(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	cfg, err := loadConfig(statusFlags.config)
	if err != nil {
		return err
	}
	ledger, err := jobs.OpenLedger(cfg.Warehouse)
	if err != nil {
		return err
	}
	entries, err := ledger.Entries()
	if err != nil {
		return err
	}
	checks := cfg.Schedule.Jobs
	if len(checks) == 0 {
		checks = []config.Job{{Name: manualJob, MaxAge: config.Duration(36 * time.Hour)}}
	}
	failing := 0
	for _, j := range checks {
		ok, why := jobHealth(entries, j.Name, time.Duration(j.MaxAge), env.Now())
		word := "OK"
		if !ok {
			word = "FAIL"
			failing++
		}
		fmt.Fprintf(env.Stdout, "%s %s: %s\n", word, j.Name, why)
	}
	if failing > 0 {
		return fmt.Errorf("%d of %d jobs failing", failing, len(checks))
	}
	return nil
}

// jobHealth judges a job by its last finished run in entries (in start
// order): it must have succeeded and ended within maxAge of now.
func jobHealth(entries []jobs.Entry, job string, maxAge time.Duration, now time.Time) (ok bool, why string) {
	var last, running *jobs.Entry
	for i := len(entries) - 1; i >= 0 && last == nil; i-- {
		e := &entries[i]
		switch {
		case e.Job != job:
		case e.Status == jobs.StatusRunning:
			if running == nil {
				running = e
			}
		default:
			last = e
		}
	}
	note := ""
	if running != nil {
		note = fmt.Sprintf("; a run for %s is in progress (started %s ago)", running.BusinessDate, roundDuration(now.Sub(running.Start)))
	}
	switch {
	case last == nil:
		return false, "no finished run recorded" + note
	case last.Status == jobs.StatusAbandoned:
		// It never recorded an end: it is as old as its start.
		return false, fmt.Sprintf("last run (business date %s, attempt %d) abandoned: started %s ago, its process gone", last.BusinessDate, last.Attempt, roundDuration(now.Sub(last.Start))) + note
	case last.Status != jobs.StatusSucceeded:
		why := fmt.Sprintf("last run (business date %s, attempt %d) %s %s ago", last.BusinessDate, last.Attempt, last.Status, roundDuration(now.Sub(last.End)))
		if last.Error != "" {
			why += ": " + firstLine(last.Error, 200)
		}
		return false, why + note
	}
	age := now.Sub(last.End)
	if age > maxAge {
		return false, fmt.Sprintf("last success (business date %s) ended %s ago, older than max_age %s", last.BusinessDate, roundDuration(age), roundDuration(maxAge)) + note
	}
	return true, fmt.Sprintf("last run (business date %s) succeeded %s ago, run %s", last.BusinessDate, roundDuration(age), last.RunID) + note
}
