// Package reportstest writes run folders for testing the report and its
// command: a deterministic small region with the tables and models of
// docs/data.md that the report reads, made by DuckDB.
package reportstest

import (
	"context"
	dbsql "database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/yhcr/carecast/warehouse"
)

//go:embed fixture.sql
var fixture string

// Region sizes a run: ICBs, places per ICB, services (up to 8) and months
// of history (ending November 2025).
type Region struct{ ICBs, Places, Services, Months int }

// Regions used by the tests.
var (
	Small     = Region{ICBs: 2, Places: 2, Services: 8, Months: 36}
	Realistic = Region{ICBs: 3, Places: 8, Services: 8, Months: 36} // 24 places
	Tiny      = Region{ICBs: 1, Places: 1, Services: 2, Months: 24}
)

// Run ids of the runs WriteRun makes.
const (
	RunID        = "20251201T020000Z-d20251130"
	EarlierRunID = "20250601T020000Z-d20250531"
)

var baseTables = map[string]bool{"persons": true, "quarantine": true, "optouts_applied": true, "feed_counts": true}

// WriteRun writes a demo run of the region into the warehouse folder root
// (root/runs/RunID, and root/CURRENT naming it) and returns the run's
// folder. With earlier, an earlier run's forecasts, six months before, are
// there too for forecast tracking.
func WriteRun(tb testing.TB, root string, reg Region, earlier bool) string {
	tb.Helper()
	runDir := filepath.Join(root, "runs", RunID)
	tables := []string{"places", "icbs", "persons", "quarantine", "optouts_applied", "feed_counts", "series_monthly", "forecasts",
		"forecast_accuracy", "duplicate_tests", "care_transitions", "activity_rates", "activity_rates_imd"}
	write(tb, runDir, reg, reg.Months, RunID, tables)
	if earlier {
		write(tb, filepath.Join(root, "runs", EarlierRunID), reg, reg.Months-6, EarlierRunID, []string{"forecasts"})
	}
	m := warehouse.Manifest{
		RunID: RunID, Job: "pipeline", BusinessDate: "2025-11-30", SoftwareVersion: "v0.0.0-test",
		ConfigHash: "c0ffee", KeyID: "1a2b3c4d", Demo: true,
		Inputs:        []warehouse.InputFile{{Input: "gp#2", Feed: "gp", Ordinal: 2, Size: 123456, SHA256: strings.Repeat("ab", 32)}},
		KeyContinuity: &warehouse.KeyContinuity{PreviousRunID: EarlierRunID, PreviousKeyID: "0f0f0f0f", Changed: true, IntendedBy: "--new-key"},
		OptOuts: []map[string]any{
			{"source": "national_deny_list", "sha256": strings.Repeat("cd", 32), "as_of": "2025-11-28T00:00:00Z", "as_of_source": "file_name", "entries": 25013},
			{"source": "gp_type1", "entries": 412, "invalid": 3},
		},
		ReidentificationRisk: &warehouse.ReidentificationRisk{K: 5, Table: "persons", Combinations: []warehouse.QuasiIdentifierRisk{
			{QuasiIdentifiers: []string{"sex", "age_band", "lad_code"}, Groups: 152, SmallestGroup: 6, People: 20000, PeopleUnderK: 0},
			{QuasiIdentifiers: []string{"sex", "age", "lsoa21"}, Groups: 9000, SmallestGroup: 1, People: 20000, PeopleUnderK: 12000, ShareUnderK: 0.6},
		}},
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir, warehouse.ManifestFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "CURRENT"), []byte(RunID+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return runDir
}

func write(tb testing.TB, runDir string, reg Region, origin int, runID string, tables []string) {
	tb.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(runDir, "models"), 0o755); err != nil {
		tb.Fatal(err)
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // variables belong to a connection
	vars := fmt.Sprintf("SET VARIABLE n_icb = %d; SET VARIABLE n_place = %d; SET VARIABLE n_service = %d; SET VARIABLE n_months = %d; SET VARIABLE origin = %d; SET VARIABLE run_id = '%s';",
		reg.ICBs, reg.Places, reg.Services, reg.Months, origin, runID)
	if _, err := db.ExecContext(ctx, vars+fixture); err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	for _, name := range tables {
		path := filepath.Join(runDir, "models", name+".parquet")
		if baseTables[name] {
			path = filepath.Join(runDir, name+".parquet")
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf("COPY %s TO '%s' (FORMAT parquet)", name, path)); err != nil {
			tb.Fatalf("fixture %s: %v", name, err)
		}
	}
}
