package jobs_test

import (
	"context"
	dbsql "database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/scenario"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// cloneDemoWarehouse copies the demo warehouse's current run into a
// warehouse of its own, so that a test can commit runs on it without
// changing the run the other tests read.
func cloneDemoWarehouse(t *testing.T) (*config.Config, string) {
	t.Helper()
	runDemo(t)
	wh, err := warehouse.Open(demo.cfg.Warehouse, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := wh.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := *demo.cfg
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	if err := os.CopyFS(filepath.Join(cfg.Warehouse, "runs", cur), os.DirFS(wh.RunDir(cur))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Warehouse, "CURRENT"), []byte(cur+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &cfg, cur
}

// The nightly pipeline of the demo region runs the example scenarios after
// the forecasts, on the run's own activity and population.
func TestPipelineRunsScenarios(t *testing.T) {
	cfg, cur := cloneDemoWarehouse(t)
	db := openRun(t, filepath.Join(cfg.Warehouse, "runs", cur))
	var names []string
	err := cwsql.Each(context.Background(), db, `SELECT DISTINCT scenario FROM scenario_results ORDER BY 1`, func(r *dbsql.Rows) error {
		var s string
		err := r.Scan(&s)
		names = append(names, s)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"growth-and-mitigation", "population-only"}) {
		t.Fatalf("scenarios %v, want the two examples", names)
	}
	// Every place, its ICB and the region; every service of the run.
	var places, icbs, regions, services int64
	if err := db.QueryRow(`SELECT count(DISTINCT lad_code) FILTER (level = 'place'), count(DISTINCT icb_code) FILTER (level = 'icb'),
		count(*) FILTER (level = 'region'), count(DISTINCT service) FROM scenario_results`).Scan(&places, &icbs, &regions, &services); err != nil {
		t.Fatal(err)
	}
	var wantPlaces, wantICBs, wantServices int64
	if err := db.QueryRow(`SELECT count(DISTINCT lad_code), count(DISTINCT icb_code) FROM places`).Scan(&wantPlaces, &wantICBs); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(DISTINCT service) FROM activity WHERE service <> 'unknown'`).Scan(&wantServices); err != nil {
		t.Fatal(err)
	}
	if places != wantPlaces || icbs != wantICBs || regions == 0 || services < wantServices+3 {
		t.Errorf("%d places, %d ICBs, %d region rows, %d services and settings; want %d places, %d ICBs, %d services and 3 settings",
			places, icbs, regions, services, wantPlaces, wantICBs, wantServices)
	}
	// Percentiles in order; the region's baseline is the sum of its
	// places' published ones, each a multiple of 5 or suppressed (and then
	// nothing derived from it).
	var bad int64
	if err := db.QueryRow(`SELECT count(*) FROM scenario_results WHERE NOT (p10 <= p50 AND p50 <= p90)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("%d rows with percentiles out of order (%v)", bad, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM scenario_results WHERE level = 'place' AND measure = 'activity' AND years_ahead = 0
		AND service IN (SELECT DISTINCT service FROM activity) AND (suppressed AND baseline <> 0 OR NOT suppressed AND baseline % 5 <> 0)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("%d place baselines neither published (a multiple of 5) nor suppressed to 0 (%v)", bad, err)
	}
	var suppressed int64
	if err := db.QueryRow(`SELECT count(*) FROM scenario_results WHERE suppressed`).Scan(&suppressed); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM scenario_results WHERE suppressed AND level = 'place' AND (p10 <> 0 OR p50 <> 0 OR p90 <> 0 OR mean <> 0)
		AND measure IN ('activity', 'bed_days')`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("%d suppressed rows with figures derived from their count (%v)", bad, err)
	}
	t.Logf("%d suppressed rows", suppressed)
	var regionBase, placeBase float64
	if err := db.QueryRow(`SELECT sum(baseline) FILTER (level = 'region'), sum(baseline) FILTER (level = 'place')
		FROM scenario_results WHERE scenario = 'population-only' AND measure = 'activity' AND years_ahead = 0`).Scan(&regionBase, &placeBase); err != nil {
		t.Fatal(err)
	}
	if regionBase != placeBase || regionBase == 0 {
		t.Errorf("region baseline %v, places' %v", regionBase, placeBase)
	}
	// The attribution adds up on real data too.
	if err := db.QueryRow(`SELECT count(*) FROM scenario_results r JOIN (
			SELECT scenario, level, icb_code, lad_code, service, measure, year, sum(value) AS parts
			FROM scenario_attribution GROUP BY ALL) a USING (scenario, level, icb_code, lad_code, service, measure, year)
		WHERE abs(r.baseline + a.parts - r.p50) > 1e-6 * greatest(1, r.p50)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("%d rows whose attribution does not add up (%v)", bad, err)
	}
	// The report shows them.
	index, err := os.ReadFile(filepath.Join(cfg.Warehouse, "runs", cur, "report", "index.html"))
	if err != nil || !strings.Contains(string(index), `<section id="scenarios"`) || !strings.Contains(string(index), "growth-and-mitigation") {
		t.Errorf("the report has no planning scenarios section (%v)", err)
	}
	var assumptions int64
	if err := db.QueryRow(`SELECT count(*) FROM scenario_assumptions WHERE scenario = 'growth-and-mitigation' AND parameter = 'activity_avoided'`).Scan(&assumptions); err != nil || assumptions != 2 {
		t.Errorf("%d activity_avoided assumptions of growth-and-mitigation (%v), want the service's and its group's", assumptions, err)
	}
}

// carecast scenario run: a new run, committed, with the scenario's results
// beside those already there; a bad file fails before anything is written.
func TestScenarioJob(t *testing.T) {
	cfg, cur := cloneDemoWarehouse(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "local.yaml")
	if err := os.WriteFile(file, []byte(`name: local
title: A local plan
description: Fewer emergency admissions for the oldest.
horizon_years: 3
draws: 200
services:
  emergency_admission:
    groups:
      - ages: {from: 80}
        activity_avoided: {p10: 0.1, p90: 0.3}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	res, err := jobs.Execute(ctx, log, jobs.RunPipeline, jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario",
		Trigger: jobs.TriggerManual, Scenarios: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(cfg.Warehouse, log)
	if err != nil {
		t.Fatal(err)
	}
	if now, _ := wh.Current(); now != res.RunID || res.RunID == cur {
		t.Errorf("CURRENT %s, the scenario run %s, the source %s", now, res.RunID, cur)
	}
	if res.Report == "" {
		t.Error("no report")
	}
	db := openRun(t, res.RunDir)
	byScenario := map[string]string{}
	err = cwsql.Each(ctx, db, `SELECT scenario, min(run_id) FROM scenario_results GROUP BY 1`, func(r *dbsql.Rows) error {
		var s, id string
		err := r.Scan(&s, &id)
		byScenario[s] = id
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if byScenario["local"] != res.RunID || byScenario["population-only"] != cur && byScenario["population-only"] == "" {
		t.Errorf("scenarios by the run that computed them: %v; want local by %s, the examples kept from before", byScenario, res.RunID)
	}
	if len(byScenario) != 3 {
		t.Errorf("scenarios %v, want local beside the two examples", byScenario)
	}
	m, err := warehouse.ReadManifest(res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(m.Inputs, func(in warehouse.InputFile) bool { return in.Input == "scenarios#0" && in.SHA256 != "" }) {
		t.Errorf("manifest inputs %+v lack the scenario file", m.Inputs)
	}
	if m.Counts["scenarios"] != 1 {
		t.Errorf("manifest counts %v, want one scenario run", m.Counts)
	}

	// Run again: the scenario's rows are replaced, not doubled.
	count := func(dir string) int64 {
		var n int64
		if err := openRun(t, dir).QueryRow(`SELECT count(*) FROM scenario_results WHERE scenario = 'local'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	once := count(res.RunDir)
	res2, err := jobs.Execute(ctx, log, jobs.RunPipeline, jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario",
		Trigger: jobs.TriggerManual, Scenarios: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	if twice := count(res2.RunDir); once != twice || once == 0 {
		t.Errorf("local has %d rows after one run and %d after two", once, twice)
	}

	// A bad file: a permanent error naming the field and line; nothing
	// committed.
	if err := os.WriteFile(file, []byte("name: local\nhorizon_years: 3\nservices:\n  emergency_admission:\n    activity_avoided: {p10: 0.3, p90: 0.1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.Execute(ctx, log, jobs.RunPipeline, jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario",
		Trigger: jobs.TriggerManual, Scenarios: []string{file}})
	if err == nil || !jobs.IsPermanent(err) || !errors.Is(err, scenario.ErrInvalid) ||
		!strings.Contains(err.Error(), "local.yaml:5: services.emergency_admission.activity_avoided.p10") {
		t.Errorf("bad file: error %v (permanent %v), want a permanent error naming line 5 and the field", err, jobs.IsPermanent(err))
	}
	if now, _ := wh.Current(); now != res2.RunID {
		t.Errorf("a failed scenario run moved CURRENT to %s", now)
	}
	// A baseline year the run does not have whole fails the job.
	if err := os.WriteFile(file, []byte("name: local\nbaseline_year: 2030\nhorizon_years: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = jobs.Execute(ctx, log, jobs.RunPipeline, jobs.Request{Config: cfg, Job: "scenario", Kind: "scenario",
		Trigger: jobs.TriggerManual, Scenarios: []string{file}})
	if err == nil || !errors.Is(err, scenario.ErrBaseline) {
		t.Errorf("baseline year 2030: error %v, want ErrBaseline", err)
	}
}
