package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/warehouse"
)

var runFlags struct {
	config, date, from, to string
	newKey                 bool
}

var cmdRun = &Command{
	Name:      "run",
	UsageLine: "[--config FILE] [--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD] [--new-key]",
	Short:     "run the nightly pipeline",
	Long: `Run reads every feed, removes opt-outs, pseudonymises, writes the run's Parquet
tables, builds the SQL models, forecasts and the report, and commits the run
atomically: a failed run leaves the last good one untouched.

With no --config, it runs on the embedded synthetic Yorkshire & Humber region,
generated into the work folder (and reused while its options do not change),
with the published demo key; every output is marked DEMO.

A run whose pseudonymisation key differs from the previous committed run's
stops (a new key changes every pseudonym) unless --new-key, or
pseudonymise.key_id naming the new key, says the change is intended; the
manifest records it.

The business date defaults to yesterday (Europe/London). --from and --to
backfill a range of dates, one run after another; re-running a date replaces
that date's run. The warehouse's CURRENT run moves only forward in business
date: a run for an older date than CURRENT's is committed without being
published, and says so; 'carecast sql --run DATE' reads it. keep_runs counts
business dates, newest first: CURRENT is always kept.

Exit codes: 0 success, 1 failure, 2 usage or configuration error,
3 the warehouse is locked by another run (see lock_timeout).`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&runFlags.config, "config", "", "config file (default: the embedded demo region)")
		fs.StringVar(&runFlags.date, "date", "", "business date to process, YYYY-MM-DD (default yesterday)")
		fs.StringVar(&runFlags.from, "from", "", "first business date of a backfill")
		fs.StringVar(&runFlags.to, "to", "", "last business date of a backfill")
		fs.BoolVar(&runFlags.newKey, "new-key", false, "the pseudonymisation key is meant to differ from the previous run's")
	},
	Run: runRun,
}

func runRun(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	if runFlags.date != "" && (runFlags.from != "" || runFlags.to != "") {
		return usageError("--date cannot be combined with --from/--to")
	}
	if (runFlags.from == "") != (runFlags.to == "") {
		return usageError("--from and --to go together")
	}
	cfg, err := loadConfig(runFlags.config)
	if err != nil {
		return err
	}
	loc, err := scheduleLocation(cfg)
	if err != nil {
		return err
	}
	req := jobs.Request{Config: cfg, Job: "nightly", Kind: "pipeline", Trigger: jobs.TriggerManual, Attempt: 1, NewKey: runFlags.newKey}
	if env.StderrIsTerminal {
		req.Progress = env.Stderr
	}
	var dates []time.Time
	switch {
	case runFlags.from != "":
		from, err := parseDate("from", runFlags.from)
		if err != nil {
			return err
		}
		to, err := parseDate("to", runFlags.to)
		if err != nil {
			return err
		}
		if to.Before(from) {
			return usageError("--to %s is before --from %s", runFlags.to, runFlags.from)
		}
		req.Trigger = jobs.TriggerBackfill
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			dates = append(dates, d)
		}
	case runFlags.date != "":
		d, err := parseDate("date", runFlags.date)
		if err != nil {
			return err
		}
		dates = []time.Time{d}
	default:
		y, m, d := env.Now().In(loc).AddDate(0, 0, -1).Date()
		dates = []time.Time{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	for _, d := range dates {
		req.BusinessDate = d
		res, err := jobs.Execute(ctx, env.Log, jobs.RunPipeline, req)
		if err != nil {
			if errors.Is(err, warehouse.ErrLocked) {
				return fmt.Errorf("%w: %w", ErrLocked, err)
			}
			return fmt.Errorf("business date %s: %w", d.Format(time.DateOnly), err)
		}
		printRunSummary(env.Stdout, d, res)
	}
	return nil
}

// printRunSummary prints what a run read and wrote: records per feed, per
// service and year, and rejected records by reason.
func printRunSummary(w io.Writer, date time.Time, res jobs.Result) {
	s := res.Summary
	if res.Published {
		fmt.Fprintf(w, "run %s (business date %s) committed and published as CURRENT\n", res.RunID, date.Format(time.DateOnly))
	} else {
		fmt.Fprintf(w, "run %s (business date %s) committed, not published: CURRENT stays on %s, of a later business date\n(read this run with carecast sql --run %s)\n",
			res.RunID, date.Format(time.DateOnly), res.Current, date.Format(time.DateOnly))
	}
	if s.Demo {
		fmt.Fprintln(w, "DEMO: synthetic data and the published demo key")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nfeed\tpeople read\tevents read\tquarantined\topted out\twritten\t")
	for _, f := range s.Feeds {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", f.Name, f.People, f.Events, f.Quarantined, f.OptedOut, f.Written)
	}
	tw.Flush()
	years := make([]int, 0, len(s.Years))
	for y := range s.Years {
		years = append(years, y)
	}
	slices.Sort(years)
	fmt.Fprint(tw, "\nevents written\t")
	for _, y := range years {
		fmt.Fprintf(tw, "%d\t", y)
	}
	fmt.Fprintln(tw, "total\t")
	for _, svc := range s.Services {
		fmt.Fprintf(tw, "%s\t", svc)
		var total int64
		for _, y := range years {
			n := s.Years[y][svc]
			total += n
			fmt.Fprintf(tw, "%d\t", n)
		}
		fmt.Fprintf(tw, "%d\t\n", total)
	}
	tw.Flush()
	if len(s.Rejected) > 0 {
		fmt.Fprintln(tw, "\nrejected (quarantine)\treason\trecords\t")
		for _, r := range s.Rejected {
			fmt.Fprintf(tw, "%s\t%s\t%d\t\n", r.Feed, r.Reason, r.N)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nwarehouse run: %s\n", res.RunDir)
	if res.Report != "" {
		fmt.Fprintf(w, "report: %s\n", res.Report)
	}
}
