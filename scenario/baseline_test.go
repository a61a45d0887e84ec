package scenario_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/scenario/scenariotest"
	cwsql "github.com/yhcr/carecast/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// runFixture writes a small run with real DuckDB (scenariotest.WriteRun).
func runFixture(t testing.TB) string { return scenariotest.WriteRun(t, t.TempDir()) }

var fixtureBusinessDate = scenariotest.BusinessDate

func TestReadBaseline(t *testing.T) {
	ctx := context.Background()
	db, err := cwsql.OpenRun(ctx, runFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if y := scenario.LastWholeYear(fixtureBusinessDate); y != 2025 {
		t.Fatalf("last whole year %d, want 2025", y)
	}
	if y := scenario.LastWholeYear(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)); y != 2025 {
		t.Fatalf("last whole year on 31 December: %d, want 2025", y)
	}
	b, err := scenario.ReadBaseline(ctx, db, fixtureBusinessDate, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Places) != 2 || b.Places[0] != (scenario.Place{Code: "E1", Parent: "S1", ParentODS: "QS1"}) {
		t.Errorf("places %+v", b.Places)
	}
	var events, bedDays int64
	for _, c := range b.Cells {
		if c.Place == "unknown" || c.Service == "unknown" {
			t.Errorf("cell of unknown place or service: %+v", c)
		}
		if c.Place == "E1" && c.Service == "emergency_admission" && c.AgeBand == "65+" && c.Sex == "female" {
			events, bedDays = c.Events, c.BedDays
		}
	}
	// 5·1·1·2·3 + 5 = 35 events, lengths of stay i % 5 for i < 35.
	if events != 35 || bedDays != 7*(0+1+2+3+4) {
		t.Errorf("E1 emergency admissions 65+ female: %d events, %d bed-days; want 35 and 70", events, bedDays)
	}
	if len(b.Population) != 2*2*2*8 {
		t.Errorf("%d population rows, want 64", len(b.Population))
	}
	for _, c := range []struct {
		year int
		want string
	}{{2026, "baseline year 2026 is not over"}, {2024, "baseline year 2024 is not whole in the run: its activity starts in March 2024"}, {2023, "no activity in baseline year 2023"}} {
		if _, err := scenario.ReadBaseline(ctx, db, fixtureBusinessDate, c.year); err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("baseline %d: error %v, want %q", c.year, err, c.want)
		}
	}
}

// The whole path, from a run's Parquet through DuckDB to the model's
// results, against a golden file (go test -update rewrites it).
func TestGoldenResults(t *testing.T) {
	ctx := context.Background()
	db, err := cwsql.OpenRun(ctx, runFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := scenario.ReadBaseline(ctx, db, fixtureBusinessDate, 2025)
	if err != nil {
		t.Fatal(err)
	}
	f, err := scenario.Parse([]byte(`name: golden
horizon_years: 3
draws: 200
seed: 11
demographic:
  variants: [{name: principal, probability: 0.6}, {name: high, probability: 0.2}, {name: low, probability: 0.2}]
services:
  emergency_admission:
    non_demographic_growth: {p10: 0.01, p90: 0.03}
    activity_avoided: {p10: 0.02, p90: 0.1}
    length_of_stay_change: {p10: -0.2, p90: 0}
    moves: [{to: sdec, share: {distribution: triangular, min: 0, mode: 0.1, max: 0.2}}]
    capacity: {bed_occupancy: {p10: 0.85, p90: 0.95}}
  outpatient_attendance:
    capacity: {minutes_per_appointment: 20, session_hours: 3.5, appointments_per_clinician_year: {p10: 1500, p90: 2000}}
`), "golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := scenario.Compile(f, b, scenario.Options{Disclose: func(n int64) (int64, bool) {
		if n >= 1 && n <= 7 {
			return 0, true
		}
		return (n + 2) / 5 * 5, false
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	w.Write([]string{"level", "icb_code", "lad_code", "service", "measure", "year", "baseline", "mean", "p10", "p50", "p90", "suppressed"})
	for _, r := range res.Rows {
		w.Write([]string{r.Level, r.Parent, r.Place, r.Service, r.Measure, fmt.Sprint(r.Year), g(r.Baseline), g(r.Mean), g(r.P10), g(r.P50), g(r.P90), fmt.Sprint(r.Suppressed)})
	}
	w.Write([]string{"level", "icb_code", "lad_code", "service", "measure", "year", "factor", "order", "value", "suppressed"})
	for _, a := range res.Attribution {
		w.Write([]string{a.Level, a.Parent, a.Place, a.Service, a.Measure, fmt.Sprint(a.Year), a.Factor, fmt.Sprint(a.Order), g(a.Value), fmt.Sprint(a.Suppressed)})
	}
	w.Flush()
	golden := filepath.Join("testdata", "golden_results.csv")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("results differ from %s (go test -update rewrites it after a deliberate change):\n%s", golden, firstDiff(buf.Bytes(), want))
	}
}

func firstDiff(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range min(len(gl), len(wl)) {
		if !bytes.Equal(gl[i], wl[i]) {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(gl), len(wl))
}
