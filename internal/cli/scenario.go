package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/scenario"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

var scenarioFlags struct {
	config, run, variant, out string
	years, baselineYear       int
	spread                    float64
}

func setScenarioFlags(fs *flag.FlagSet) {
	f := &scenarioFlags
	fs.StringVar(&f.config, "config", f.config, "config `file` (default: the embedded demo)")
	fs.StringVar(&f.run, "run", f.run, "run `id` to build on (default: the current run)")
	fs.StringVar(&f.variant, "variant", f.variant, "projection: principal, high, low or none")
	fs.Float64Var(&f.spread, "spread", f.spread, "projection: the high and low variants' growth a year above or below the principal's")
	fs.IntVar(&f.years, "years", f.years, "projection: years after the baseline year")
	fs.IntVar(&f.baselineYear, "baseline-year", f.baselineYear, "projection: the baseline year (default: the run's last whole year)")
	fs.StringVar(&f.out, "o", f.out, "projection: output `file` (default: standard output)")
}

var cmdScenario = &Command{
	Name:      "scenario",
	UsageLine: "run [--config FILE] [--run ID] FILE... | check FILE... | projection [--config FILE] [--run ID] [--variant V] [--years N] [-o FILE]",
	Short:     "run planning scenarios: demand, its causes and the capacity it takes",
	Long: `Scenario runs planning scenarios (docs/scenarios.md): from a run's activity and
population, the demand of every place and service under uncertain assumptions —
population variants, growth beyond demography, activity avoided, moves to other
settings, shorter stays — with its 10th, 50th and 90th percentiles by year, the
change attributed to each factor, and the beds, clinic sessions and clinician
time it takes.

  carecast scenario run FILE...    runs the scenario files on the current run (or
                                   --run ID) and commits a new run with the tables
                                   scenario_results, scenario_attribution and
                                   scenario_assumptions and the report; the results of
                                   other scenarios already in the run are kept beside
                                   them. The new run is of its source's business date:
                                   on a run older than the current one it is committed
                                   without being published (CURRENT moves only
                                   forward). Files listed in the config's scenarios:
                                   run with every nightly run.
  carecast scenario check FILE...  checks scenario files; each problem is named by
                                   file, line and field.
  carecast scenario projection     writes the run's population projection (--variant
                                   principal, high, low or none) in the ONS
                                   subnational projection layout: a starting point
                                   for a projection file of one's own.

Exit codes: 0 success, 1 failure, 2 usage or a bad scenario or config file,
3 the warehouse is locked by another run.`,
	SetFlags: func(fs *flag.FlagSet) {
		scenarioFlags.config, scenarioFlags.run, scenarioFlags.variant, scenarioFlags.out = "", "", scenario.Principal, ""
		scenarioFlags.years, scenarioFlags.baselineYear, scenarioFlags.spread = scenario.MaxHorizonYears, 0, scenario.DefaultHighLowSpread
		setScenarioFlags(fs)
	},
	Run: runScenario,
}

func runScenario(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageError("name what to do: run, check or projection")
	}
	verb := args[0]
	fs := flag.NewFlagSet("carecast scenario "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	setScenarioFlags(fs)
	// The logging flags may follow the subcommand too.
	logFormat := fs.String("log-format", "", "")
	logLevel := fs.String("log-level", "", "")
	files, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return usageError("%v", err)
	}
	if *logFormat != "" || *logLevel != "" {
		if env.Log, err = newLogger(env.Stderr, env.StderrIsTerminal, *logFormat, *logLevel); err != nil {
			return usageError("%v", err)
		}
	}
	switch verb {
	case "run":
		return scenarioRun(ctx, env, files)
	case "check":
		return scenarioCheck(env, files)
	case "projection":
		if len(files) > 0 {
			return usageError("projection takes no files, only flags")
		}
		return scenarioProjection(ctx, env)
	}
	return usageError("unknown scenario command %q (run, check or projection)", verb)
}

// parseInterspersed parses flags given before, between and after the
// positional arguments, which it returns.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func scenarioRun(ctx context.Context, env *Env, files []string) error {
	if len(files) == 0 {
		return usageError("scenario run: name the scenario files to run")
	}
	cfg, err := loadConfig(scenarioFlags.config)
	if err != nil {
		return err
	}
	for i, f := range files {
		if files[i], err = filepath.Abs(f); err != nil {
			return err
		}
	}
	if scenarioFlags.run != "" {
		if _, err := warehouse.ParseRunID(scenarioFlags.run); err != nil {
			return usageError("--run: %q is not a run id", scenarioFlags.run)
		}
	}
	req := jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario", Trigger: jobs.TriggerManual, Attempt: 1,
		Scenarios: files, SourceRun: scenarioFlags.run}
	res, err := jobs.Execute(ctx, env.Log, jobs.RunPipeline, req)
	if err != nil {
		if errors.Is(err, warehouse.ErrLocked) {
			return fmt.Errorf("%w: %w", ErrLocked, err)
		}
		return err
	}
	if res.Published {
		fmt.Fprintf(env.Stdout, "run %s committed and published as CURRENT\n", res.RunID)
	} else {
		fmt.Fprintf(env.Stdout, "run %s committed, not published: CURRENT stays on %s, of a later business date\n(read this run with carecast sql --run %s)\n",
			res.RunID, res.Current, res.RunID)
	}
	if err := printScenarioSummary(env.Stdout, res.RunDir); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nwarehouse run: %s\n", res.RunDir)
	if res.Report != "" {
		fmt.Fprintf(env.Stdout, "report: %s\n", res.Report)
	}
	return nil
}

// printScenarioSummary prints the region's activity at each scenario's
// horizon: the baseline, the median and its 80 % range.
func printScenarioSummary(w io.Writer, runDir string) error {
	rows, err := parquet.ReadFile[scenario.ResultRow](filepath.Join(runDir, "models", "scenario_results.parquet"))
	if err != nil {
		return fmt.Errorf("read the scenario results: %w", err)
	}
	last := map[string]int32{}
	for _, r := range rows {
		last[r.Scenario] = max(last[r.Scenario], r.Year)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nscenario\tservice\tmeasure\tyear\tbaseline\tp10\tp50\tp90\t")
	for _, r := range rows {
		if r.Level != scenario.LevelRegion || r.Year != last[r.Scenario] || r.Measure != scenario.Activity && r.Measure != scenario.Beds {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t\n", r.Scenario, r.Service, r.Measure, r.Year, r.Baseline, r.P10, r.P50, r.P90)
	}
	return tw.Flush()
}

func scenarioCheck(env *Env, files []string) error {
	if len(files) == 0 {
		return usageError("scenario check: name the scenario files to check")
	}
	var errs []error
	for _, path := range files {
		f, err := scenario.Load(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: scenario %s, %d years, %d draws: ok\n", path, f.Name, f.HorizonYears, drawsOf(f))
	}
	return errors.Join(errs...)
}

func drawsOf(f *scenario.File) int {
	if f.Draws != nil {
		return *f.Draws
	}
	return scenario.DefaultDraws
}

func scenarioProjection(ctx context.Context, env *Env) error {
	f := scenarioFlags
	_, runDir, lease, err := loadRun(env, f.config, f.run)
	if err != nil {
		return err
	}
	defer lease.Release()
	m, err := warehouse.ReadManifest(runDir)
	if err != nil {
		return err
	}
	date, err := time.Parse(time.DateOnly, m.BusinessDate)
	if err != nil {
		return fmt.Errorf("run %s: business date: %w", m.RunID, err)
	}
	year := f.baselineYear
	if year == 0 {
		year = scenario.LastWholeYear(date)
	}
	db, err := cwsql.OpenRun(ctx, runDir)
	if err != nil {
		return err
	}
	defer db.Close()
	b, err := scenario.ReadBaseline(ctx, db, date, year)
	if err != nil {
		return err
	}
	rows, err := scenario.Projection(b, f.variant, f.spread, f.years)
	if err != nil {
		return usageError("%v", err)
	}
	if f.out == "" {
		return scenario.WriteProjection(env.Stdout, rows)
	}
	file, err := os.Create(f.out)
	if err != nil {
		return err
	}
	if err := errors.Join(scenario.WriteProjection(file, rows), file.Close()); err != nil {
		return fmt.Errorf("write projection %s: %w", f.out, err)
	}
	fmt.Fprintf(env.Stderr, "wrote %d rows: %s, %d to %d, variant %s\n", len(rows), f.out, year, year+f.years, f.variant)
	return nil
}
