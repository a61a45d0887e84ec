package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/warehouse"
)

var runsFlags struct {
	config string
	last   int
	json   bool
	kept   bool
}

var cmdRuns = &Command{
	Name:      "runs",
	UsageLine: "[--config FILE] [--last N] [--json] [--kept]",
	Short:     "list the runs recorded in the warehouse's ledger, or the runs it keeps",
	Long: `Runs lists the runs in the warehouse's ledger, oldest first: when each
started, its job, business date, trigger (schedule, manual, backfill,
catch-up), attempt, status (running, succeeded, failed, cancelled, or
abandoned when the process running it died), how long it took, the
committed run, whether the warehouse still keeps it (current: it is the
published CURRENT run; yes: kept, e.g. a backfill of an older date, which
is committed without being published; no: replaced by a re-run of its date
or pruned by keep_runs) and the error. Times are in schedule.location.

--kept lists instead the runs the warehouse keeps, newest business date
first: each can be read with 'carecast sql --run' or 'carecast report
--run', by its id or its business date.

--json prints every field, counts included, as a JSON array.`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&runsFlags.config, "config", "", "config file (default: the embedded demo region's)")
		fs.IntVar(&runsFlags.last, "last", 20, "show the last N runs (0 for all)")
		fs.BoolVar(&runsFlags.json, "json", false, "print JSON")
		fs.BoolVar(&runsFlags.kept, "kept", false, "list the runs the warehouse keeps")
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
	wh, err := warehouse.Open(cfg.Warehouse, env.Log)
	if err != nil {
		return err
	}
	kept, err := wh.Kept()
	if err != nil {
		return err
	}
	if runsFlags.kept {
		return listKept(env, kept, loc)
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
	state := map[string]string{}
	for _, r := range kept {
		state[r.ID] = "yes"
		if r.Current {
			state[r.ID] = "current"
		}
	}
	fmt.Fprintln(tw, "STARTED\tJOB\tDATE\tTRIGGER\tTRY\tSTATUS\tTOOK\tRUN\tKEPT\tERROR")
	for _, e := range entries {
		k := "-"
		if e.RunID != "" {
			k = cmp.Or(state[e.RunID], "no")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n",
			e.Start.In(loc).Format("2006-01-02 15:04:05 MST"), e.Job, e.BusinessDate, e.Trigger, e.Attempt,
			e.Status, roundDuration(e.Duration(now)), dash(e.RunID), k, dash(firstLine(e.Error, 100)))
	}
	return tw.Flush()
}

// keptRun is a kept run as --kept --json prints it.
type keptRun struct {
	ID           string    `json:"id"`
	BusinessDate string    `json:"business_date"`
	Start        time.Time `json:"start"`
	Current      bool      `json:"current"`
}

// listKept prints the runs the warehouse keeps, newest business date first.
func listKept(env *Env, kept []warehouse.RunInfo, loc *time.Location) error {
	if runsFlags.json {
		out := make([]keptRun, len(kept))
		for i, r := range kept {
			out[i] = keptRun{ID: r.ID, BusinessDate: r.BusinessDate.Format(time.DateOnly), Start: r.Start, Current: r.Current}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(kept) == 0 {
		fmt.Fprintln(env.Stdout, "the warehouse keeps no runs")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tRUN\tSTARTED\tCURRENT")
	for _, r := range kept {
		cur := ""
		if r.Current {
			cur = "current"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.BusinessDate.Format(time.DateOnly), r.ID, r.Start.In(loc).Format("2006-01-02 15:04:05 MST"), cur)
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
