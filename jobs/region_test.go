package jobs_test

import (
	"bytes"
	"context"
	dbsql "database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
	cwsql "github.com/yhcr/carecast/sql"
)

// TestPipelineOtherRegion runs the whole pipeline, with no feeds, on a
// region other than the default one, as its config names it (issue 17):
// Greater Manchester's synthetic population is generated from its own
// embedded populations, and the models, forecasts, rates by deprivation
// and the report are of its ICB and its ten places.
func TestPipelineOtherRegion(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Parse(fmt.Appendf(nil, `region: greater-manchester
work_dir: %s
warehouse: %s
demo: {scale: 0.001, years: 3}
forecast: {backtest_origins: 1}
`, filepath.Join(dir, "work"), filepath.Join(dir, "warehouse")))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := jobs.RunPipeline(ctx, slog.New(slog.DiscardHandler), jobs.Request{
		Config: cfg, Job: "nightly", Kind: "pipeline", BusinessDate: businessDate, Trigger: jobs.TriggerManual, Attempt: 1,
	})
	if err != nil {
		t.Fatalf("pipeline on Greater Manchester: %v", err)
	}
	if !res.Published {
		t.Error("the run was not published")
	}
	db := openRun(t, res.RunDir)
	list := func(query string) []string {
		t.Helper()
		var out []string
		err := cwsql.Each(ctx, db, query, func(r *dbsql.Rows) error {
			var s string
			err := r.Scan(&s)
			out = append(out, s)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return out
	}
	// Greater Manchester ICB (QOP, E54000057) and its ten metropolitan
	// boroughs, Bolton E08000001 to Wigan E08000010.
	var places []string
	for i := 1; i <= 10; i++ {
		places = append(places, fmt.Sprintf("E0800%04d", i))
	}
	if got := list(`SELECT lad_code FROM places WHERE icb_code = 'E54000057' ORDER BY 1`); !slices.Equal(got, places) {
		t.Fatalf("places %v, want %v", got, places)
	}
	if got := list(`SELECT DISTINCT icb_code FROM places`); !slices.Equal(got, []string{"E54000057"}) {
		t.Errorf("ICBs %v, want Greater Manchester's alone", got)
	}
	// Every place has rates, from its own population.
	for _, c := range []struct{ what, query string }{
		{"activity_rates", `SELECT DISTINCT lad_code FROM activity_rates WHERE level = 'place' AND events > 0 AND population > 0 AND dsr_per_1000 > 0 ORDER BY 1`},
		{"population", `SELECT DISTINCT lad_code FROM population WHERE population > 0 ORDER BY 1`},
		{"forecasts", `SELECT DISTINCT lad_code FROM forecasts WHERE level = 'place' ORDER BY 1`},
		{"activity_rates_imd", `SELECT DISTINCT lad_code FROM activity_rates_imd WHERE level = 'place' AND events > 0 ORDER BY 1`},
	} {
		if got := list(c.query); !slices.Equal(got, places) {
			t.Errorf("%s: places %v, want all ten", c.what, got)
		}
	}
	// Rates by deprivation: the columns, the registered population
	// as denominator (no LSOA estimates are embedded for this region), and
	// each breakdown adding up to the place's activity.
	cols := list(`SELECT column_name FROM (DESCRIBE activity_rates_imd)`)
	for _, c := range []string{"year", "level", "icb_code", "lad_code", "service", "breakdown", "imd_group", "events", "population",
		"denominator", "crude_rate_per_1000", "crude_lo95", "crude_hi95", "dsr_per_1000", "dsr_lo95", "dsr_hi95",
		"sii_per_1000", "sii_lo95", "sii_hi95", "rii", "rii_lo95", "rii_hi95", "core20_gap_per_1000", "core20_gap_lo95", "core20_gap_hi95"} {
		if !slices.Contains(cols, c) {
			t.Errorf("activity_rates_imd has no column %s", c)
		}
	}
	if got := list(`SELECT DISTINCT denominator FROM activity_rates_imd`); !slices.Equal(got, []string{"registered_persons"}) {
		t.Errorf("denominators %v, want registered_persons", got)
	}
	var cells, bad int64
	if err := db.QueryRow(`WITH a AS (
			SELECT year(event_date) AS year, lad_code, service, count(*) AS n FROM activity GROUP BY ALL),
		q AS (
			SELECT year, lad_code, service, sum(events) FILTER (breakdown = 'quintile') AS quintiles,
			       sum(events) FILTER (breakdown = 'core20') AS core20
			FROM activity_rates_imd WHERE level = 'place' GROUP BY ALL)
		SELECT count(*), count(*) FILTER (q.quintiles IS DISTINCT FROM a.n OR q.core20 IS DISTINCT FROM a.n)
		FROM a LEFT JOIN q USING (year, lad_code, service)`).Scan(&cells, &bad); err != nil {
		t.Fatal(err)
	}
	if cells == 0 || bad != 0 {
		t.Errorf("%d of %d place × service × year cells of activity do not reconcile with activity_rates_imd", bad, cells)
	}
	// The report: the region, its ICB and each place, each with its
	// inequalities section and charts.
	pages := []string{"index.html", "icb-E54000057.html"}
	for _, p := range places {
		pages = append(pages, "place-"+p+".html")
	}
	for _, p := range pages {
		b, err := os.ReadFile(filepath.Join(res.RunDir, "report", p))
		if err != nil {
			t.Error(err)
			continue
		}
		if !bytes.Contains(b, []byte(`<section id="inequalities"`)) || !bytes.Contains(b, []byte(`-imd-ae_attendance-chart`)) {
			t.Errorf("%s: no inequalities section with its charts", p)
		}
		if !bytes.Contains(b, []byte("Greater Manchester")) {
			t.Errorf("%s does not name its region", p)
		}
	}
}
