package reports

import (
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html/atom"

	"github.com/yhcr/carecast/reports/reportstest"
	"github.com/yhcr/carecast/scenario"
	"github.com/yhcr/carecast/scenarios"
	"github.com/yhcr/carecast/warehouse"
)

// The small region's places (reportstest.Small) and a baseline for them:
// place E08000041 has a handful of emergency admissions, which disclosure
// control suppresses.
func scenarioBaseline() *scenario.Baseline {
	b := &scenario.Baseline{Year: 2024}
	for i, p := range [][2]string{{"E08000030", "E54000050"}, {"E08000031", "E54000050"}, {"E08000040", "E54000051"}, {"E08000041", "E54000051"}} {
		lad := p[0]
		b.Places = append(b.Places, scenario.Place{Code: lad, Parent: p[1]})
		for _, band := range []string{"0-74", "75+"} {
			for _, sex := range []string{"female", "male"} {
				for y := 2024; y <= 2026; y++ {
					b.Population = append(b.Population, scenario.PopulationRow{Place: lad, AgeBand: band, Sex: sex, Year: y,
						Population: float64(1000*(i+1)) * (1 + 0.01*float64(y-2024)*float64(len(band)))})
				}
			}
		}
		for _, sn := range []struct {
			svc string
			n   int64
		}{{"ae_attendance", 900}, {"emergency_admission", 300}, {"outpatient_attendance", 2000}, {"gp_appointment", 5000}} {
			svc, n := sn.svc, sn.n
			if lad == "E08000041" && svc == "emergency_admission" {
				n = 4
			}
			b.Cells = append(b.Cells,
				scenario.Cell{Place: lad, Service: svc, AgeBand: "0-74", Sex: "female", Events: n / 2, BedDays: 3 * n / 2},
				scenario.Cell{Place: lad, Service: svc, AgeBand: "75+", Sex: "male", Events: n - n/2, BedDays: 5 * (n - n/2)})
		}
	}
	return b
}

// scenarioReportRoot is the folder of builtScenarioReport, removed by
// TestMain.
var scenarioReportRoot string

// builtScenarioReport is the small region's report with the example
// scenarios run on a baseline of its places.
var builtScenarioReport = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "carecast-scenario-report-")
	if err != nil {
		return "", err
	}
	scenarioReportRoot = dir
	runDir := reportstest.WriteRun(fatalT{}, dir, reportstest.Small, false)
	examples, err := scenarios.Examples()
	if err != nil {
		return "", err
	}
	dc := Disclosure{SuppressMax: 7, RoundTo: 5}
	disclose := func(n int64) (int64, bool) {
		c := dc.Count(n)
		return int64(c.Value), !c.Shown()
	}
	var rows []scenario.ResultRow
	var attr []scenario.AttributionRow
	var assumptions []scenario.AssumptionRow
	for _, e := range examples {
		f, err := scenario.Parse(e.Text, e.Name)
		if err != nil {
			return "", err
		}
		m, err := scenario.Compile(f, scenarioBaseline(), scenario.Options{Disclose: disclose})
		if err != nil {
			return "", err
		}
		res, err := m.Run(context.Background())
		if err != nil {
			return "", err
		}
		rows, attr, assumptions = append(rows, res.Rows...), append(attr, res.Attribution...), append(assumptions, res.Assumptions...)
	}
	models := filepath.Join(runDir, "models")
	for _, err := range []error{
		warehouse.WriteTable(filepath.Join(models, "scenario_results.parquet"), rows),
		warehouse.WriteTable(filepath.Join(models, "scenario_attribution.parquet"), attr),
		warehouse.WriteTable(filepath.Join(models, "scenario_assumptions.parquet"), assumptions),
	} {
		if err != nil {
			return "", err
		}
	}
	out := filepath.Join(runDir, "report")
	_, err = Build(context.Background(), runDir, out, Options{Title: "Test region"})
	return out, err
})

func scenarioReportDir(t *testing.T) string {
	t.Helper()
	dir, err := builtScenarioReport()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// The scenario section passes every check the report's other sections do:
// counts published under disclosure control, charts with text and tables,
// links that resolve.
func TestScenarioSection(t *testing.T) {
	dir := scenarioReportDir(t)
	if checked, _ := checkPublishedCounts(t, dir); checked < 1000 {
		t.Errorf("checked %d counts", checked)
	}
	// Every page: a fan chart and a waterfall for each of the 4 services
	// and the 3 settings moved to (settings have fans and waterfalls of
	// what moves in).
	// E08000041's emergency admissions, and the same-day emergency care
	// they alone would move to, are suppressed: they have no waterfall.
	charts, spcCharts := checkStructure(t, dir)
	// Three charts per service and page besides the SPC charts (history,
	// season, rates by deprivation), two per scenario figure.
	if want := 7*8*3 + 7*7*2 - 2; charts-spcCharts != want {
		t.Errorf("%d charts besides %d SPC charts, want %d", charts-spcCharts, spcCharts, want)
	}
	for _, page := range []string{"index.html", "icb-E54000050.html", "place-E08000030.html"} {
		doc := parseHTML(t, filepath.Join(dir, page))
		var section, assumptions bool
		for n := range doc.Descendants() {
			if id, _ := attr(n, "id"); id == "scenarios" && n.DataAtom == atom.Section {
				section = true
			} else if id == "scenario-assumptions" {
				assumptions = true
			}
		}
		if !section {
			t.Errorf("%s: no planning scenarios section", page)
		}
		if assumptions != (page == "index.html") {
			t.Errorf("%s: assumptions table %v, want it on the region's page only", page, assumptions)
		}
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// The waterfall's parts, as published, add up to the published change.
func TestScenarioWaterfallAddsUp(t *testing.T) {
	dir := scenarioReportDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "csv", "*-waterfall-*.csv"))
	if len(files) == 0 {
		t.Fatal("no waterfall tables")
	}
	checked := 0
	for _, path := range files {
		recs := readCSVFile(t, path)
		for col := 1; col < len(recs[0]); col++ {
			var sum int64
			hidden := false
			for i, rec := range recs[1:] {
				if rec[col] == Suppressed {
					hidden = true
					continue
				}
				v, err := strconv.ParseInt(rec[col], 10, 64)
				if err != nil {
					t.Fatalf("%s: %q is not a whole number", filepath.Base(path), rec[col])
				}
				if i < len(recs)-2 {
					sum += v
				} else if !hidden && v != sum {
					t.Errorf("%s, %s: baseline and parts add up to %d, the median is %d", filepath.Base(path), recs[0][col], sum, v)
				}
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("checked %d waterfalls", checked)
	}
}

// A place's service whose baseline count is suppressed shows * for every
// scenario figure, in the charts' tables and the capacity table.
func TestScenarioSuppressed(t *testing.T) {
	dir := scenarioReportDir(t)
	// No waterfall is drawn of it at all.
	if _, err := os.Stat(filepath.Join(dir, "csv", "place-E08000041-waterfall-emergency_admission.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a waterfall of a suppressed baseline: %v", err)
	}
	for _, name := range []string{"place-E08000041-scenario-emergency_admission.csv", "place-E08000041-scenario-same_day_emergency_care.csv"} {
		recs := readCSVFile(t, filepath.Join(dir, "csv", name))
		for _, rec := range recs[1:] {
			for i, v := range rec {
				if col := recs[0][i]; strings.HasPrefix(col, "modelled_") && col != "modelled_forecast" && v != Suppressed && v != "" {
					t.Errorf("%s: %s = %q, want * (the baseline is 4 admissions)", name, recs[0][i], v)
				}
			}
		}
	}
	recs := readCSVFile(t, filepath.Join(dir, "csv", "place-E08000041-scenario-capacity.csv"))
	found := false
	for _, rec := range recs[1:] {
		if rec[1] == "Emergency admissions" {
			found = true
			if rec[4] != Suppressed || rec[7] != Suppressed {
				t.Errorf("capacity of a suppressed baseline: %v", rec)
			}
		}
	}
	if !found {
		t.Error("no capacity row for the suppressed emergency admissions")
	}
	// The ICB's figures leave the suppressed place out; they are shown.
	recs = readCSVFile(t, filepath.Join(dir, "csv", "icb-E54000051-scenario-emergency_admission.csv"))
	for _, rec := range recs[1:] {
		for i, v := range rec {
			if v == Suppressed {
				t.Errorf("ICB E54000051: %s suppressed; its other place is not", recs[0][i])
			}
		}
	}
}

func TestRoundToTotal(t *testing.T) {
	for _, c := range []struct {
		parts []float64
		total int64
		want  []int64
	}{
		{[]float64{1.4, 1.4, 1.2}, 4, []int64{2, 1, 1}},
		{[]float64{-0.6, 10.7, -3.2}, 7, []int64{-1, 11, -3}},
		{[]float64{0.5, 0.5}, 1, []int64{1, 0}},
		{[]float64{0, 0}, 0, []int64{0, 0}},
		{[]float64{2.9, -0.9}, 2, []int64{3, -1}},
	} {
		got := roundToTotal(c.parts, c.total)
		var sum int64
		for _, g := range got {
			sum += g
		}
		if sum != c.total || !equalInts(got, c.want) {
			t.Errorf("roundToTotal(%v, %d) = %v, want %v", c.parts, c.total, got, c.want)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
