package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/yhcr/carecast/reports"
	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/scenarios"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// The tables of the planning scenarios, under models/ (docs/data.md).
var scenarioTables = []string{"scenario_results", "scenario_attribution", "scenario_assumptions"}

// loadScenarios reads and checks the scenario files the run is to run,
// before anything else is read, so that a bad file stops the run at once
// with its field and line: those the request names (carecast scenario
// run), else those of the config; with neither, the demo region runs the
// example scenarios.
func (p *pipeline) loadScenarios() error {
	paths := p.cfg.Scenarios
	if len(p.req.Scenarios) > 0 {
		paths = p.req.Scenarios
	}
	names := map[string]string{}
	add := func(f *scenario.File, from string) error {
		if prev, dup := names[f.Name]; dup {
			return permanent(fmt.Errorf("%w: %s and %s are both scenario %q: give each its own name", scenario.ErrInvalid, prev, from, f.Name))
		}
		names[f.Name] = from
		p.scenarios = append(p.scenarios, f)
		return nil
	}
	if paths == nil && p.cfg.IsDemo() {
		examples, err := scenarios.Examples()
		if err != nil {
			return fmt.Errorf("example scenarios: %w", err)
		}
		for _, e := range examples {
			f, err := scenario.Parse(e.Text, "scenarios/"+e.Name)
			if err != nil {
				return err
			}
			if err := add(f, "scenarios/"+e.Name); err != nil {
				return err
			}
		}
		return nil
	}
	for i, path := range paths {
		f, err := scenario.Load(path)
		if err != nil {
			return permanent(err)
		}
		h, err := warehouse.HashFile(path)
		if err != nil {
			return permanent(err)
		}
		// Named by position, as feeds' files are: a path is not an output.
		p.inputs = append(p.inputs, warehouse.InputFile{Input: fmt.Sprintf("scenarios#%d", i), Feed: "scenarios",
			Ordinal: i, Size: h.Size, SHA256: h.SHA256})
		if err := add(f, path); err != nil {
			return err
		}
	}
	return nil
}

// runScenarios runs the run's scenarios on its activity and population and
// writes their tables. In the nightly pipeline a scenario that does not fit
// the run's data (its baseline year is not whole, a projection file is
// missing) is logged and left out, and the run commits; a scenario job
// fails instead, since running it is all it was asked to do. A scenario
// job keeps the source run's results of the scenarios it does not run.
func (p *pipeline) runScenarios(ctx context.Context, run *warehouse.Run) error {
	db, err := cwsql.OpenRun(ctx, run.Dir())
	if err != nil {
		return err
	}
	defer db.Close()
	dc := reports.Disclosure{SuppressMax: p.cfg.Report.SuppressMax, RoundTo: p.cfg.Report.RoundTo}
	disclose := func(n int64) (int64, bool) {
		c := dc.Count(n)
		if !c.Shown() {
			return 0, true
		}
		return int64(c.Value), false
	}
	baselines := map[int]*scenario.Baseline{}
	var results []*scenario.Results
	var failed int64
	for _, f := range p.scenarios {
		res, err := func() (*scenario.Results, error) {
			year := f.BaselineYear
			if year == 0 {
				year = scenario.LastWholeYear(p.req.BusinessDate)
			}
			b := baselines[year]
			if b == nil {
				var err error
				if b, err = scenario.ReadBaseline(ctx, db, p.req.BusinessDate, year); err != nil {
					return nil, err
				}
				baselines[year] = b
			}
			m, err := scenario.Compile(f, b, scenario.Options{Disclose: disclose, Workers: p.cfg.Forecast.Workers})
			if err != nil {
				return nil, err
			}
			return m.Run(ctx)
		}()
		if err != nil {
			if ctx.Err() != nil || p.req.Kind == "scenario" {
				return fmt.Errorf("scenario %s: %w", f.Name, err)
			}
			p.log.Error("scenario left out of the run", "scenario", f.Name, "err", err)
			failed++
			continue
		}
		res.SetRunID(p.runID)
		results = append(results, res)
		p.log.Info("scenario run", "scenario", f.Name, "baseline_year", res.BaselineYear, "draws", res.Draws, "rows", len(res.Rows))
	}
	if p.counts == nil {
		p.counts = map[string]int64{}
	}
	p.counts["scenarios"] = int64(len(results))
	if failed > 0 {
		p.counts["scenarios_failed"] = failed
	}
	var rows []scenario.ResultRow
	var attr []scenario.AttributionRow
	var assumptions []scenario.AssumptionRow
	ran := map[string]bool{}
	for _, r := range results {
		ran[r.Scenario] = true
		rows = append(rows, r.Rows...)
		attr = append(attr, r.Attribution...)
		assumptions = append(assumptions, r.Assumptions...)
	}
	if p.sourceDir != "" {
		// Side by side with the source run's other scenarios.
		keep := func(s string) bool { return !ran[s] }
		var err error
		if rows, err = carryOver(p.sourceDir, "scenario_results", rows, func(r scenario.ResultRow) bool { return keep(r.Scenario) }); err != nil {
			return err
		}
		if attr, err = carryOver(p.sourceDir, "scenario_attribution", attr, func(r scenario.AttributionRow) bool { return keep(r.Scenario) }); err != nil {
			return err
		}
		if assumptions, err = carryOver(p.sourceDir, "scenario_assumptions", assumptions, func(r scenario.AssumptionRow) bool { return keep(r.Scenario) }); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return nil
	}
	models := filepath.Join(run.Dir(), "models")
	return errors.Join(
		writeModel(models, "scenario_results", rows, p.tables),
		writeModel(models, "scenario_attribution", attr, p.tables),
		writeModel(models, "scenario_assumptions", assumptions, p.tables))
}

// carryOver returns rows with the rows of the source run's table that keep
// accepts before them.
func carryOver[T any](sourceDir, table string, rows []T, keep func(T) bool) ([]T, error) {
	path := filepath.Join(sourceDir, "models", table+".parquet")
	old, err := parquet.ReadFile[T](path)
	if errors.Is(err, os.ErrNotExist) {
		return rows, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s of the source run: %w", table, err)
	}
	return append(slices.DeleteFunc(old, func(r T) bool { return !keep(r) }), rows...), nil
}

func writeModel[T any](dir, table string, rows []T, tables map[string]int64) error {
	if err := warehouse.WriteTable(filepath.Join(dir, table+".parquet"), rows); err != nil {
		return err
	}
	tables["models/"+table] = int64(len(rows))
	return nil
}

// isScenarioTable reports whether rel (a path in a run) is a scenario table.
func isScenarioTable(rel string) bool {
	dir, file := filepath.Split(rel)
	return filepath.Clean(dir) == "models" && slices.ContainsFunc(scenarioTables, func(t string) bool { return file == t+".parquet" })
}

// ErrSupersededRun reports a scenario job asked to build on a run that a
// newer run of its business date has replaced.
var ErrSupersededRun = errors.New("superseded run")

// scenarioSource returns the run a scenario job builds on — the run given,
// or the current one — and its business date. The job commits a new run of
// that date, which Commit publishes only when the date is not older than
// CURRENT's: on an older run it is committed without moving CURRENT back,
// as a backfill is. The new run replaces its source as its date's run, so
// a source that a newer run of its date has superseded (kept only while a
// reader holds it) is refused: the job would replace the newer run.
func scenarioSource(wh *warehouse.Warehouse, id string) (string, time.Time, error) {
	if id == "" {
		current, err := wh.Current()
		if err != nil {
			return "", time.Time{}, fmt.Errorf("no committed run to run scenarios on: %w", err)
		}
		id = current
	}
	m, err := warehouse.ReadManifest(wh.RunDir(id))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("run %s: %w", id, err)
	}
	date, err := time.Parse(time.DateOnly, m.BusinessDate)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("run %s: business date: %w", id, err)
	}
	newest, err := wh.RunOf(date)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("run %s: %w", id, err)
	}
	if newest != id {
		return "", time.Time{}, fmt.Errorf("%w: run %s of business date %s has been superseded by run %s, which a scenario run on it would replace: run the scenarios on %s",
			ErrSupersededRun, id, date.Format(time.DateOnly), newest, newest)
	}
	return id, date, nil
}
