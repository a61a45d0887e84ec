package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/yhcr/carecast/warehouse"
)

// rebuild makes a new run from the current one (or, for a scenario job, the
// run it names) for the report, forecast and scenario jobs: the run's files are hard-linked into staging (runs are never
// changed once committed), the outputs of the job are dropped and built
// again, and the new run is committed for the same business date, replacing
// the run it came from.
func (p *pipeline) rebuild(ctx context.Context, wh *warehouse.Warehouse, start time.Time) (*warehouse.Run, *warehouse.Manifest, error) {
	current, err := wh.Current()
	if err != nil {
		return nil, nil, permanent(fmt.Errorf("%s job: no committed run to rebuild: %w", p.req.Kind, err))
	}
	if p.req.SourceRun != "" {
		current = p.req.SourceRun
	}
	// The source run is leased while it is read: a reader's lease and this
	// job's own are alike to pruning.
	lease, err := wh.Lease(current)
	if err != nil {
		return nil, nil, fmt.Errorf("%s job: %w", p.req.Kind, err)
	}
	defer lease.Release()
	src := wh.RunDir(current)
	m, err := warehouse.ReadManifest(src)
	if err != nil {
		return nil, nil, fmt.Errorf("%s job: %w", p.req.Kind, err)
	}
	if m.BusinessDate != p.req.BusinessDate.Format(time.DateOnly) {
		return nil, nil, fmt.Errorf("%s job: the current run changed while waiting for the lock; try again", p.req.Kind)
	}
	if p.geo, err = loadGeography(p.cfg); err != nil {
		return nil, nil, permanent(err)
	}
	if p.req.Kind == "scenario" {
		if err := p.loadScenarios(); err != nil {
			return nil, nil, err
		}
		p.sourceDir = src
	}
	run, err := wh.Begin(p.runID)
	if err != nil {
		return nil, nil, err
	}
	rebuilt := func(rel string) bool {
		if rel == warehouse.ManifestFile || rel == "report" || strings.HasPrefix(rel, "report"+string(filepath.Separator)) {
			return true
		}
		if p.req.Kind == "scenario" {
			return isScenarioTable(rel)
		}
		return p.req.Kind == "forecast" && (rel == filepath.Join("models", "forecasts.parquet") ||
			rel == filepath.Join("models", "forecast_accuracy.parquet"))
	}
	err = p.timed("link_current_run", func() error { return linkTree(src, run.Dir(), rebuilt) })
	if err != nil {
		run.Abort()
		return nil, nil, fmt.Errorf("%s job: copy run %s: %w", p.req.Kind, current, err)
	}
	p.demo = m.Demo
	p.tables = m.Tables
	if p.tables == nil {
		p.tables = map[string]int64{}
	}
	m.RunID = p.runID
	m.Job = p.req.Job
	m.Trigger = p.req.Trigger
	m.Start = start.UTC()
	m.Durations = p.durations
	if p.req.Kind == "scenario" {
		// The files of this job's scenarios; those of scenarios carried over
		// are in the manifests of the runs that computed them (their run_id).
		m.Inputs = append(slices.DeleteFunc(m.Inputs, func(in warehouse.InputFile) bool { return in.Feed == "scenarios" }), p.inputs...)
	}
	if p.req.Kind == "report" || p.req.Kind == "scenario" {
		// Forecasts come from the source run.
		cfg := *p.cfg
		off := false
		cfg.Forecast.Enabled = &off
		p.cfg = &cfg
	}
	if err := p.forecastAndReport(ctx, run, m); err != nil {
		run.Abort()
		return nil, nil, err
	}
	m.End = time.Now().UTC()
	m.Tables = p.tables
	if len(p.counts) > 0 {
		if m.Counts == nil {
			m.Counts = map[string]int64{}
		}
		for k, v := range p.counts {
			m.Counts[k] = v
		}
	}
	return run, m, nil
}

// linkTree hard-links every file below src into dst, except those skip
// names (by path relative to src); where hard links are not possible it
// copies.
func linkTree(src, dst string, skip func(rel string) bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if err := os.Link(path, target); err == nil || !errors.Is(err, fs.ErrPermission) && !isCrossDevice(err) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o444)
	})
}

// isCrossDevice reports a link across file systems (EXDEV), by the error
// number rather than its text, which varies by system and language.
func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

// currentBusinessDate returns the business date of the current run.
func currentBusinessDate(wh *warehouse.Warehouse) (time.Time, error) {
	current, err := wh.Current()
	if err != nil {
		return time.Time{}, fmt.Errorf("no committed run to rebuild: %w", err)
	}
	m, err := warehouse.ReadManifest(wh.RunDir(current))
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.DateOnly, m.BusinessDate)
}
