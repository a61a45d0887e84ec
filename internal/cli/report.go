package cli

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/yhcr/carecast/reports"
)

var reportFlags struct{ config, run, out string }

var cmdReport = &Command{
	Name:      "report",
	UsageLine: "[--config FILE] [--run ID|DATE] [--out DIR]",
	Short:     "build the commissioners' report of a run",
	Long: `Report builds the commissioners' report of the warehouse's current run, or of
the run given by --run: self-contained HTML pages (the region, each ICB and
each place) with charts, a CSV file of every table and forecasts.csv, in
<run>/report or in --out. It prints the path of index.html.

Every published count is under disclosure control: counts from 1 to
report.suppress_max (7) are shown as *, others are rounded to the nearest
report.round_to (5). Forecasts and their intervals are modelled figures and
are not rounded.`,
	SetFlags: func(fs *flag.FlagSet) {
		reportFlags.config, reportFlags.run, reportFlags.out = "", "", ""
		fs.StringVar(&reportFlags.config, "config", "", "config `file` (default: the embedded demo)")
		fs.StringVar(&reportFlags.run, "run", "", "run `id`, or a business date YYYY-MM-DD for its kept run (default: the current run)")
		fs.StringVar(&reportFlags.out, "out", "", "output `dir` (default: <run>/report)")
	},
	Run: runReport,
}

func runReport(ctx context.Context, env *Env, args []string) error {
	f := reportFlags
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	cfg, runDir, lease, err := loadRun(env, f.config, f.run)
	if err != nil {
		return err
	}
	defer lease.Release()
	out := f.out
	if out == "" {
		out = filepath.Join(runDir, "report")
	}
	index, err := reports.Build(ctx, runDir, out, reports.Options{
		Title:           cfg.ReportTitle(),
		SuppressMax:     cfg.Report.SuppressMax,
		RoundTo:         cfg.Report.RoundTo,
		ChangePoints:    reports.ChangePoints(cfg.Report.ChangePoints),
		Log:             env.Log,
		ExcludedPeriods: cfg.Forecast.Describe(),
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, index)
	return nil
}
