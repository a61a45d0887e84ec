package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yhcr/carecast/jobs"
)

var runsFlags struct {
	config string
	last   int
	json   bool
}

var cmdRuns = &Command{
	Name:      "runs",
	UsageLine: "[--config FILE] [--last N] [--json]",
	Short:     "list the runs recorded in the warehouse's ledger",
	Long: `Runs lists the runs in the warehouse's ledger, oldest first: when each
started, its job, business date, trigger (schedule, manual, backfill,
catch-up), attempt, status (running, succeeded, failed, cancelled, or
abandoned when the process running it died), how long it took, the
committed run folder and the error. Times are in schedule.location.

--json prints every field, counts included, as a JSON array.`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&runsFlags.config, "config", "", "config file (default: the embedded demo region's)")
		fs.IntVar(&runsFlags.last, "last", 20, "show the last N runs (0 for all)")
		fs.BoolVar(&runsFlags.json, "json", false, "print JSON")
	},
	Run: runRuns,
}

func runRuns(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	if runsFlags.last < 0 {
		return usageError("--last must be 0 or more")
	}
	cfg, err := loadConfig(runsFlags.config)
	if err != nil {
		return err
	}
	loc, err := scheduleLocation(cfg)
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
	if n := runsFlags.last; n > 0 && len(entries) > n {
		entries = entries[len(entries)-n:]
	}
	if runsFlags.json {
		if entries == nil {
			entries = []jobs.Entry{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		fmt.Fprintf(env.Stdout, "no runs recorded in %s\n", ledger.Path())
		return nil
	}
	now := env.Now()
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tJOB\tDATE\tTRIGGER\tTRY\tSTATUS\tTOOK\tRUN\tERROR")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n",
			e.Start.In(loc).Format("2006-01-02 15:04:05 MST"), e.Job, e.BusinessDate, e.Trigger, e.Attempt,
			e.Status, roundDuration(e.Duration(now)), dash(e.RunID), dash(firstLine(e.Error, 100)))
	}
	return tw.Flush()
}

// roundDuration writes d to the second, or to the minute from an hour on.
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
}

// firstLine is the first line of s, cut to at most n runes.
func firstLine(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		s, cut = string(r[:n]), true
	}
	if cut {
		s += "…"
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
