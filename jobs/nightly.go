package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/buildinfo"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/refdata"
	"github.com/yhcr/carecast/pseudonymise"
	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/warehouse"
)

// RunPipeline runs the nightly pipeline for one business date: it reads
// every feed, removes opt-outs, pseudonymises, writes the run's Parquet
// tables, builds the SQL models, forecasts and the report into a staging
// run, and commits it. Nothing is published unless every stage succeeds.
func RunPipeline(ctx context.Context, log *slog.Logger, req Request) (res Result, err error) {
	cfg := req.Config
	start := time.Now()
	wh, err := warehouse.Open(cfg.Warehouse, log)
	if err != nil {
		return res, err
	}
	wh.KeepRuns = cfg.KeepRuns
	switch req.Kind {
	case "report", "forecast":
		// These jobs rebuild the current run, for its business date.
		if req.BusinessDate, err = currentBusinessDate(wh); err != nil {
			return res, permanent(fmt.Errorf("%s job: %w", req.Kind, err))
		}
	case "scenario":
		// A scenario job rebuilds the run it is given, or the current one.
		if req.SourceRun, req.BusinessDate, err = scenarioSource(wh, req.SourceRun); err != nil {
			return res, permanent(fmt.Errorf("scenario job: %w", err))
		}
	}
	host, _ := os.Hostname()
	lock, err := wh.Lock(ctx, time.Duration(cfg.LockTimeout), warehouse.Holder{
		PID: os.Getpid(), Host: host, Job: req.Job, Since: start,
	})
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	// The id is taken under the lock: ids order the runs of a date (the
	// newest is the date's run, and one newer than CURRENT an interrupted
	// commit), and a run that waited for the lock may commit after one
	// started later. The holder names it from now on.
	runID, start, err := wh.NextRunID(ctx, time.Now, req.BusinessDate)
	if err != nil {
		return res, err
	}
	if err := lock.SetRunID(runID); err != nil {
		return res, err
	}
	log = log.With("run_id", runID, "job", req.Job)
	if err := wh.CleanStaging(); err != nil {
		return res, err
	}

	p := &pipeline{cfg: cfg, req: req, log: log, runID: runID, durations: map[string]float64{}, tables: map[string]int64{}}
	var m *warehouse.Manifest
	var run *warehouse.Run
	switch req.Kind {
	case "", "pipeline":
		if err := p.prepare(ctx); err != nil {
			return res, err
		}
		if err := p.checkKey(wh); err != nil {
			return res, err
		}
		if run, err = wh.Begin(runID); err != nil {
			return res, err
		}
		defer abortUnlessCommitted(run, log)
		if err := p.extract(ctx, run); err != nil {
			return res, err
		}
		// The extract's per-person state is garbage now: hand it back to
		// the system before DuckDB builds the models, so that the two
		// peaks of memory do not add up.
		debug.FreeOSMemory()
		if err := p.timed("sql_models", func() error { return p.sqlModels(ctx, run) }); err != nil {
			return res, err
		}
		if err := p.forecastAndReport(ctx, run, p.manifest(start)); err != nil {
			return res, err
		}
		m = p.manifest(start)
	case "forecast", "report", "scenario":
		if run, m, err = p.rebuild(ctx, wh, start); err != nil {
			return res, err
		}
		defer abortUnlessCommitted(run, log)
	default:
		return res, permanent(fmt.Errorf("unknown job kind %q (pipeline, report, forecast or scenario)", req.Kind))
	}
	if err := run.Commit(m); err != nil {
		return res, fmt.Errorf("commit run %s: %w", runID, err)
	}
	res = Result{RunID: runID, RunDir: wh.RunDir(runID), Counts: p.counts, Summary: p.summary, Published: run.Published()}
	if res.Current, err = wh.Current(); err != nil {
		return res, fmt.Errorf("run %s committed, but %w", runID, err)
	}
	if p.reportBuilt {
		res.Report = filepath.Join(res.RunDir, "report", "index.html")
	}
	log.Info("run committed", "dir", res.RunDir, "published", res.Published, "current", res.Current, "seconds", time.Since(start).Seconds())
	return res, nil
}

// abortUnlessCommitted removes the staging of a run that did not commit, so
// a failed run leaves nothing behind. After Commit the staging folder has
// been renamed into runs/, and there is nothing left to remove.
func abortUnlessCommitted(run *warehouse.Run, log *slog.Logger) {
	if err := run.Abort(); err != nil {
		log.Error("remove staging of failed run", "err", err)
	}
}

// pipeline carries one run's state from stage to stage.
type pipeline struct {
	cfg   *config.Config
	req   Request
	log   *slog.Logger
	runID string

	feeds    []config.Feed
	demo     bool
	optOuts  *pseudonymise.OptOuts
	key      pseudonymise.Key
	keyCheck *warehouse.KeyContinuity
	geo      *refdata.Geography
	inputs   []warehouse.InputFile
	// scenarios are the planning scenarios the run runs; sourceDir, for a
	// scenario job, the run it builds on.
	scenarios []*scenario.File
	sourceDir string

	reidentification *warehouse.ReidentificationRisk

	quarantine  *transforms.Quarantine
	counts      map[string]int64
	optOutRows  []optOutRow
	feedRows    []feedCountRow
	durations   map[string]float64
	reportBuilt bool
	tables      map[string]int64
	summary     Summary
}

// timed records how long a stage took, for the manifest.
func (p *pipeline) timed(stage string, f func() error) error {
	t := time.Now()
	err := f()
	p.durations[stage] += time.Since(t).Seconds()
	p.log.Info("stage done", "stage", stage, "seconds", time.Since(t).Seconds(), "ok", err == nil)
	return err
}

// prepare settles the run's inputs before anything is read: the feeds (the
// demo region when none are configured), the opt-out lists — loaded first
// and failing closed —, the key and the geography.
func (p *pipeline) prepare(ctx context.Context) error {
	cfg := p.cfg
	var err error
	if p.optOuts, err = pseudonymise.LoadOptOuts(cfg.OptOuts, time.Now()); err != nil {
		return permanent(err)
	}
	p.feeds = cfg.Feeds
	if cfg.IsDemo() {
		p.demo = true
		feed, denyList, err := ensureDemoRegion(ctx, p.log, cfg, p.req.BusinessDate)
		if err != nil {
			return err
		}
		p.feeds = []config.Feed{feed}
		if cfg.OptOutsEnabled() && cfg.OptOuts.NationalDenyList == nil {
			oc := cfg.OptOuts
			oc.NationalDenyList = &config.ListFile{Path: denyList}
			if p.optOuts, err = pseudonymise.LoadOptOuts(oc, time.Now()); err != nil {
				return permanent(err)
			}
		}
		p.key = pseudonymise.DemoKey()
	} else {
		if p.key, err = pseudonymise.LoadKey(cfg.Pseudonymise, os.Getenv); err != nil {
			return permanent(err)
		}
		if p.key.Demo() {
			return permanent(errors.New("the published demo key may be used only for the embedded demo region"))
		}
		// config.Validate says so too; a config built in code must not
		// slip through without national opt-outs.
		if cfg.OptOutsEnabled() && cfg.OptOuts.NationalDenyList == nil && cfg.OptOuts.CheckServiceResponse == nil {
			return permanent(errors.New("opt_outs.national_deny_list or opt_outs.check_service_response is required with real feeds and opt-outs enabled"))
		}
	}
	if p.geo, err = loadGeography(cfg); err != nil {
		return permanent(err)
	}
	return p.loadScenarios()
}

// ErrKeyChanged reports a pseudonymisation key whose id differs from the
// previous committed run's (or from pseudonymise.key_id) when the change
// was not declared intended: every pseudonym would change, breaking the
// links analysts keep between runs — and a key damaged by accident (a
// trailing newline, the wrong file) would go unnoticed.
var ErrKeyChanged = errors.New("pseudonymisation key changed")

// checkKey compares the key with the previous committed run's and with
// pseudonymise.key_id, recording the result for the manifest.
func (p *pipeline) checkKey(wh *warehouse.Warehouse) error {
	id := p.key.ID()
	want := p.cfg.Pseudonymise.KeyID
	if want != "" && want != id {
		return permanent(fmt.Errorf("%w: the key's id is %s, pseudonymise.key_id says %s", ErrKeyChanged, id, want))
	}
	p.keyCheck = &warehouse.KeyContinuity{}
	current, err := wh.Current()
	if errors.Is(err, warehouse.ErrNoRun) {
		return nil
	}
	if err != nil {
		return err
	}
	m, err := warehouse.ReadManifest(wh.RunDir(current))
	if err != nil {
		return fmt.Errorf("key continuity: %w", err)
	}
	p.keyCheck.PreviousRunID, p.keyCheck.PreviousKeyID = current, m.KeyID
	if m.KeyID == id {
		return nil
	}
	p.keyCheck.Changed = true
	switch {
	case p.req.NewKey:
		p.keyCheck.IntendedBy = "--new-key"
	case want == id:
		p.keyCheck.IntendedBy = "pseudonymise.key_id"
	default:
		return permanent(fmt.Errorf("%w: run %s used key id %s, this run's key is %s — every pseudonym would change; "+
			"if the new key is intended, run with --new-key or set pseudonymise.key_id: %s", ErrKeyChanged, current, m.KeyID, id, id))
	}
	p.log.Warn("pseudonymisation key changed, as declared", "previous_key_id", m.KeyID, "key_id", id, "intended_by", p.keyCheck.IntendedBy)
	return nil
}

// loadGeography returns the geography of the configured region, from the
// embedded England-wide lookup or from geography.lookup_file.
func loadGeography(cfg *config.Config) (*refdata.Geography, error) {
	lookup, err := refdata.Embedded()
	if err != nil {
		return nil, err
	}
	if cfg.Geography.LookupFile != "" {
		f, err := os.Open(cfg.Geography.LookupFile)
		if err != nil {
			return nil, fmt.Errorf("geography.lookup_file: %w", err)
		}
		defer f.Close()
		if lookup, err = refdata.LoadLookup(f, cfg.Geography.LookupFile); err != nil {
			return nil, fmt.Errorf("geography.lookup_file: %w", err)
		}
	}
	region, err := refdata.ParseRegion(cfg.Region.Items, lookup.Names())
	if err != nil {
		return nil, fmt.Errorf("region: %w", err)
	}
	return lookup.Geography(region)
}

// regionName describes the run's region for its manifest.
func regionName(g *refdata.Geography) string {
	if g == nil {
		return ""
	}
	if g.Region.Name != "" {
		return g.Region.Name + " (" + strings.Join(g.Region.ICBs, ", ") + ")"
	}
	return strings.Join(g.Region.ICBs, ", ")
}

// today is the business date as a canonical date: events after it are in
// the future.
func (p *pipeline) today() canonical.Date { return canonical.DateOf(p.req.BusinessDate) }

func (p *pipeline) manifest(start time.Time) *warehouse.Manifest {
	legal := ""
	if !p.cfg.OptOutsEnabled() {
		legal = p.cfg.OptOuts.LegalBasis
	}
	return &warehouse.Manifest{
		RunID:           p.runID,
		Job:             p.req.Job,
		BusinessDate:    p.req.BusinessDate.Format(time.DateOnly),
		Trigger:         p.req.Trigger,
		Start:           start.UTC(),
		End:             time.Now().UTC(),
		SoftwareVersion: buildinfo.Version(),
		ConfigHash:      p.cfg.Hash,
		Inputs:          p.inputs,
		KeyID:           p.key.ID(),
		KeyContinuity:   p.keyCheck,
		Demo:            p.demo,
		Region:          regionName(p.geo),
		LegalBasis:      legal,
		OptOuts:         p.optOuts.Evidence(),
		Counts:          p.counts,
		Quarantine:      quarantineCounts(p.quarantine),
		Tables:          p.tables,
		Durations:       p.durations,

		ReidentificationRisk: p.reidentification,
	}
}
