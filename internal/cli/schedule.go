package cli

import (
	"context"
	"flag"

	"github.com/yhcr/carecast/jobs"
)

var scheduleFlags struct {
	config string
}

var cmdSchedule = &Command{
	Name:      "schedule",
	UsageLine: "[--config FILE]",
	Short:     "run the configured jobs on their schedules (a daemon)",
	Long: `Schedule runs the jobs in the config's schedule.jobs on their cron specs, in
schedule.location (Europe/London), until it is stopped, recording every run in
the warehouse's ledger (see 'carecast runs').

On start it makes up runs missed while it was down, as each job's catch_up
says (latest, all or none). A failed run is retried up to the job's retries
with exponential backoff from retry_backoff, unless retrying cannot help
(bad configuration, an unusable opt-out list or key). A job still running
when it is next due is skipped. Specs that can fire from 01:00 to 02:59 are
warned about at start: on the days the clocks change they are skipped or run
twice.

SIGTERM or SIGINT stops it: no new runs start, the current one is cancelled
(its staging removed, the last good run untouched), and it exits within 30
seconds. Run it under systemd or similar; see deploy/.`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&scheduleFlags.config, "config", "", "config file with schedule.jobs")
	},
	Run: runSchedule,
}

func runSchedule(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	if scheduleFlags.config == "" {
		return usageError("--config is required: the jobs to schedule are in its schedule.jobs")
	}
	cfg, err := loadConfig(scheduleFlags.config)
	if err != nil {
		return err
	}
	s, err := jobs.NewScheduler(cfg, env.Log, jobs.RunPipeline)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}
