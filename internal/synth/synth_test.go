package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/refdata"
)

var discard = slog.New(slog.DiscardHandler)

// testEnd is the fixed end of every test region.
var testEnd = canonical.MakeDate(2025, time.December, 31)

// region is one generated region shared by the distribution tests: scale
// 0.01 (about 58,000 people) over four years, with defects.
var region struct {
	once sync.Once
	dir  string
	sum  Summary
	err  error
}

func sharedRegion(t *testing.T) (string, Summary) {
	t.Helper()
	region.once.Do(func() {
		region.dir, region.err = os.MkdirTemp("", "synth-test-")
		if region.err != nil {
			return
		}
		opts := DefaultOptions(testEnd)
		region.sum, region.err = Generate(context.Background(), region.dir, opts, discard)
	})
	if region.err != nil {
		t.Fatal(region.err)
	}
	return region.dir, region.sum
}

// activityStats are what the tests need of the shared region's activity.csv,
// gathered in one pass: the file has about two million rows.
type activityStats struct {
	rows, invalidNHS int
	// Clean events by service and month, and by service and weekday.
	byMonth [numServices][13]float64
	byDay   [numServices][7]float64
	// aeByTrust counts clean A&E attendances in 2023–2025 by provider.
	aeByTrust map[string]float64
	// tests lists each person's diagnostic tests, in date order.
	tests map[string][]diagTest
}

type diagTest struct {
	date     canonical.Date
	provider string
}

var activity struct {
	once  sync.Once
	stats activityStats
	err   error
}

func sharedActivity(t *testing.T) activityStats {
	t.Helper()
	dir, _ := sharedRegion(t)
	activity.once.Do(func() { activity.stats, activity.err = readActivity(filepath.Join(dir, "activity.csv")) })
	if activity.err != nil {
		t.Fatal(activity.err)
	}
	return activity.stats
}

func readActivity(path string) (activityStats, error) {
	st := activityStats{aeByTrust: map[string]float64{}, tests: map[string][]diagTest{}}
	f, err := os.Open(path)
	if err != nil {
		return st, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return st, err
	}
	cols := map[string]int{}
	for i, c := range header {
		cols[c] = i
	}
	aeFrom := canonical.MakeDate(2023, time.January, 1)
	for {
		e, err := r.Read()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.rows++
		if nhs := field(cols, e, "nhs_number"); nhs != "" && !canonical.ValidNHSNumber(nhs) {
			st.invalidNHS++
		}
		if len(e) != len(cols) {
			continue
		}
		svc, ok := canonical.ParseService(e[cols["service"]])
		d, err := canonical.ParseDate(e[cols["event_date"]])
		if !ok || err != nil || d > testEnd {
			continue
		}
		tm := d.Time()
		st.byMonth[svc][tm.Month()]++
		st.byDay[svc][tm.Weekday()]++
		switch svc {
		case canonical.DiagnosticTest:
			nhs := e[cols["nhs_number"]]
			st.tests[nhs] = append(st.tests[nhs], diagTest{d, e[cols["provider"]]})
		case canonical.AEAttendance:
			if d >= aeFrom {
				st.aeByTrust[e[cols["provider"]]]++
			}
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if region.dir != "" {
		os.RemoveAll(region.dir)
	}
	os.Exit(code)
}

// readCSV reads a generated file as a header index and rows; rows shorter
// than the header (truncated defects) are kept.
func readCSV(t *testing.T, path string) (map[string]int, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]int{}
	for i, c := range header {
		cols[c] = i
	}
	var rows [][]string
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return cols, rows
}

func field(cols map[string]int, row []string, name string) string {
	if i := cols[name]; i < len(row) {
		return row[i]
	}
	return ""
}

func TestDeterminism(t *testing.T) {
	small := Options{Scale: 0.002, Years: 1, End: testEnd, Seed: 7, DefectRate: 0.01, Format: "csv"}
	base := filepath.Join(t.TempDir(), "base")
	if _, err := Generate(context.Background(), base, small, discard); err != nil {
		t.Fatal(err)
	}
	files := []string{"persons.csv", "activity.csv", "gp_objections.csv", DenyListFile, GenerationFile}
	tests := []struct {
		name string
		opts Options
		same bool
	}{
		{"same options", small, true},
		{"another seed", func() Options { o := small; o.Seed = 8; return o }(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Generate(context.Background(), dir, tt.opts, discard); err != nil {
				t.Fatal(err)
			}
			for _, name := range files {
				a, err1 := os.ReadFile(filepath.Join(base, name))
				b, err2 := os.ReadFile(filepath.Join(dir, name))
				if err := errors.Join(err1, err2); err != nil {
					t.Fatal(err)
				}
				if same := bytes.Equal(a, b); same != tt.same && name != GenerationFile {
					t.Errorf("%s: identical = %v, want %v", name, same, tt.same)
				}
			}
		})
	}
}

// TestCleanRegionCounts generates a region without defects and checks that
// the summary agrees with every row of the files.
func TestCleanRegionCounts(t *testing.T) {
	dir := t.TempDir()
	sum, err := Generate(context.Background(), dir, Options{Scale: 0.002, Years: 2, End: testEnd, Seed: 3}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Defects) != 0 {
		t.Errorf("defects %v with a zero defect rate", sum.Defects)
	}
	cols, persons := readCSV(t, filepath.Join(dir, "persons.csv"))
	if int64(len(persons)) != sum.People {
		t.Errorf("%d person rows, summary says %d", len(persons), sum.People)
	}
	alive := map[string]canonical.Date{}
	for _, p := range persons {
		death := canonical.NoDate
		if s := field(cols, p, "date_of_death"); s != "" {
			d, err := canonical.ParseDate(s)
			if err != nil {
				t.Fatal(err)
			}
			death = d
		}
		alive[p[cols["nhs_number"]]] = death
	}
	if len(alive) != len(persons) {
		t.Errorf("%d distinct NHS numbers among %d people", len(alive), len(persons))
	}
	cols, events := readCSV(t, filepath.Join(dir, "activity.csv"))
	counts := map[string]map[int]int64{}
	ids := map[string]bool{}
	for _, e := range events {
		d, err := canonical.ParseDate(e[cols["event_date"]])
		if err != nil {
			t.Fatal(err)
		}
		svc := e[cols["service"]]
		if counts[svc] == nil {
			counts[svc] = map[int]int64{}
		}
		counts[svc][d.Year()]++
		death, ok := alive[e[cols["nhs_number"]]]
		if !ok {
			t.Fatalf("event %s for a person not in persons.csv", e[0])
		}
		if death.Valid() && d > death {
			t.Errorf("event %s on %s, after death on %s", e[0], d, death)
		}
		if ids[e[0]] {
			t.Errorf("record_id %s repeated", e[0])
		}
		ids[e[0]] = true
	}
	for svc, years := range sum.Events {
		for y, n := range years {
			if counts[svc][y] != n {
				t.Errorf("%s %d: %d rows, summary says %d", svc, y, counts[svc][y], n)
			}
		}
	}
	var fromFile generation
	b, err := os.ReadFile(filepath.Join(dir, GenerationFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &fromFile); err != nil {
		t.Fatal(err)
	}
	if fromFile.People != sum.People || fromFile.Options.End != testEnd.String() || fromFile.TotalEvents() != sum.TotalEvents() {
		t.Errorf("generation.json disagrees with the summary")
	}
}

// binomialTolerance is four standard errors of a share p estimated from n
// draws: a correct generator fails it about once in 16,000 checks.
func binomialTolerance(p float64, n int) float64 {
	return 4 * math.Sqrt(p*(1-p)/float64(n))
}

func TestPopulationShares(t *testing.T) {
	dir, _ := sharedRegion(t)
	geo, err := refdata.YorkshireHumber()
	if err != nil {
		t.Fatal(err)
	}
	start := testEnd.AddDays(1 - int(math.Round(4*365.25)))
	cols, persons := readCSV(t, filepath.Join(dir, "persons.csv"))
	got := map[string]int{}
	n := 0
	for _, p := range persons {
		dob, err := canonical.ParseDate(field(cols, p, "date_of_birth"))
		area, ok := geo.AreaByLSOA(field(cols, p, "lsoa21"))
		if err != nil || !ok || dob >= start {
			continue // defective rows, and babies born in the period
		}
		got[area.LAD]++
		n++
	}
	for _, pl := range geo.Places {
		t.Run(pl.LADName, func(t *testing.T) {
			want := float64(pl.Population2020) / float64(totalPopulation(geo))
			share := float64(got[pl.LAD]) / float64(n)
			if tol := binomialTolerance(want, n); math.Abs(share-want) > tol {
				t.Errorf("share %.4f, ONS %.4f (tolerance %.4f)", share, want, tol)
			}
		})
	}
}

func totalPopulation(g *refdata.Geography) int {
	n := 0
	for _, p := range g.Places {
		n += p.Population2020
	}
	return n
}

// TestOptOutRatesBySubICB checks the national data opt-out share of each
// sub-ICB location against NHS Digital's April 2022 rate of its CCG.
func TestOptOutRatesBySubICB(t *testing.T) {
	dir, _ := sharedRegion(t)
	geo, err := refdata.YorkshireHumber()
	if err != nil {
		t.Fatal(err)
	}
	deny, err := os.ReadFile(filepath.Join(dir, DenyListFile))
	if err != nil {
		t.Fatal(err)
	}
	optedOut := map[string]bool{}
	for _, line := range strings.Fields(string(deny)) {
		if !canonical.ValidNHSNumber(line) {
			t.Fatalf("deny list holds an invalid NHS number")
		}
		optedOut[line] = true
	}
	rates, err := refdata.OptOutRates()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, r := range rates {
		want[r.CCGCode] = r.RatePct / 100
	}
	// Kirklees (X2C4Y, the merged Kirklees CCG) 4.82 %, Leeds (15F) 3.78 %.
	if math.Abs(want["X2C4Y"]-0.0482) > 0.0001 || math.Abs(want["15F"]-0.0378) > 0.0001 {
		t.Errorf("Kirklees %.4f, Leeds %.4f: want 4.82 %% and 3.78 %%", want["X2C4Y"], want["15F"])
	}
	cols, persons := readCSV(t, filepath.Join(dir, "persons.csv"))
	type tally struct{ people, out int }
	bySub := map[string]*tally{}
	for _, p := range persons {
		area, ok := geo.AreaByLSOA(field(cols, p, "lsoa21"))
		if !ok || !canonical.ValidNHSNumber(p[cols["nhs_number"]]) {
			continue
		}
		sub, _ := geo.SubICB(area.SubICB)
		tl := bySub[sub.ODS]
		if tl == nil {
			tl = &tally{}
			bySub[sub.ODS] = tl
		}
		tl.people++
		if optedOut[p[cols["nhs_number"]]] {
			tl.out++
		}
	}
	if len(bySub) != 15 {
		t.Errorf("%d sub-ICB locations, want the region's 15", len(bySub))
	}
	for code, tl := range bySub {
		t.Run(code, func(t *testing.T) {
			p := want[code]
			got := float64(tl.out) / float64(tl.people)
			if tol := binomialTolerance(p, tl.people); math.Abs(got-p) > tol {
				t.Errorf("%d of %d opted out (%.4f), rate %.4f ± %.4f", tl.out, tl.people, got, p, tol)
			}
		})
	}
}

// TestPatterns checks seasonality, the weekly pattern and repeat tests in
// the shared region's clean events.
func TestPatterns(t *testing.T) {
	st := sharedActivity(t)
	byMonth, byDay := &st.byMonth, &st.byDay
	if jan, jul := byMonth[canonical.AEAttendance][1], byMonth[canonical.AEAttendance][7]; jan <= jul {
		t.Errorf("A&E: January %v, July %v; want a winter peak", jan, jul)
	}
	if jan, jul := byMonth[canonical.EmergencyAdmission][1], byMonth[canonical.EmergencyAdmission][7]; jan <= jul {
		t.Errorf("emergency admissions: January %v, July %v; want a winter peak", jan, jul)
	}
	ae := byDay[canonical.AEAttendance]
	for d := time.Tuesday; d <= time.Saturday; d++ {
		if ae[time.Monday] <= ae[d] {
			t.Errorf("A&E on Mondays %v, on %s %v: want Mondays highest", ae[time.Monday], d, ae[d])
		}
	}
	if ae[time.Monday] <= ae[time.Sunday] {
		t.Errorf("A&E on Mondays %v, on Sundays %v", ae[time.Monday], ae[time.Sunday])
	}
	for _, svc := range []canonical.Service{canonical.GPAppointment, canonical.OutpatientAttendance, canonical.ElectiveAdmission} {
		week := byDay[svc][time.Monday] + byDay[svc][time.Tuesday] + byDay[svc][time.Wednesday]
		// Only defective records (random dates) fall at weekends.
		if weekend := byDay[svc][time.Saturday] + byDay[svc][time.Sunday]; weekend > week*0.01 {
			t.Errorf("%s: %v at weekends against %v Monday to Wednesday", svc, weekend, week)
		}
	}
	var all, repeated int
	for _, ts := range st.tests {
		for i, a := range ts {
			all++
			for _, b := range ts[i+1:] {
				if b.date > a.date.AddDays(30) {
					break
				}
				if b.provider != a.provider {
					repeated++
					break
				}
			}
		}
	}
	if share := float64(repeated) / float64(all); share < 0.06 || share > 0.15 {
		t.Errorf("%.3f of %d diagnostic tests repeated at another provider within 30 days, want about 0.08", share, all)
	}
}

// TestRateMagnitudes checks the population-weighted yearly rate of each
// service against the national volumes the rates rest on.
func TestRateMagnitudes(t *testing.T) {
	_, sum := sharedRegion(t)
	tests := []struct {
		svc      canonical.Service
		low, top float64
	}{
		{canonical.AEAttendance, 0.22, 0.45},
		{canonical.EmergencyAdmission, 0.07, 0.14},
		{canonical.ElectiveAdmission, 0.1, 0.2},
		{canonical.OutpatientAttendance, 1.5, 2.6},
		{canonical.GPAppointment, 4, 6.5},
		{canonical.CommunityContact, 1, 2},
		{canonical.SocialCareAssessment, 0.015, 0.045},
		{canonical.DiagnosticTest, 0.6, 1.1},
	}
	for _, tt := range tests {
		t.Run(tt.svc.String(), func(t *testing.T) {
			// 2023 to 2025 are whole years of the period.
			var n int64
			for y := 2023; y <= 2025; y++ {
				n += sum.Events[tt.svc.String()][y]
			}
			rate := float64(n) / 3 / float64(sum.People)
			if rate < tt.low || rate > tt.top {
				t.Errorf("%.3f a person a year, want %.2f to %.2f", rate, tt.low, tt.top)
			}
		})
	}
}

func TestNHSNumbersValidExceptDefects(t *testing.T) {
	dir, sum := sharedRegion(t)
	for _, tt := range []struct{ file, record string }{
		{"persons.csv", RecordPersons},
		{"activity.csv", RecordActivity},
		{"gp_objections.csv", RecordObjections},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var rows, invalid int
			if tt.record == RecordActivity {
				st := sharedActivity(t)
				rows, invalid = st.rows, st.invalidNHS
			} else {
				cols, records := readCSV(t, filepath.Join(dir, tt.file))
				rows = len(records)
				for _, r := range records {
					switch s := field(cols, r, "nhs_number"); {
					case s == "": // missing-field or truncated defects
					case !canonical.ValidNHSNumber(s):
						invalid++
					case !strings.HasPrefix(s, "999"):
						t.Errorf("NHS number outside the 999 test range")
					}
				}
			}
			if want := sum.Defects[tt.record]["invalid_nhs_number"]; int64(invalid) != want {
				t.Errorf("%d invalid NHS numbers, %d deliberate", invalid, want)
			}
			if int64(rows) != sum.Records[tt.record] {
				t.Errorf("%d rows, summary says %d", rows, sum.Records[tt.record])
			}
		})
	}
}

func TestDefectShare(t *testing.T) {
	_, sum := sharedRegion(t)
	var defects int64
	for _, kinds := range sum.Defects[RecordActivity] {
		defects += kinds
	}
	n := sum.Records[RecordActivity]
	share := float64(defects) / float64(n)
	if tol := binomialTolerance(0.005, int(n)); math.Abs(share-0.005) > tol {
		t.Errorf("%.5f of activity records defective, want 0.005 ± %.5f", share, tol)
	}
	for _, k := range defectKinds[RecordActivity] {
		if sum.Defects[RecordActivity][k.String()] == 0 {
			t.Errorf("no %s defects", k)
		}
	}
}

// TestAECalibration holds each trust's expected type-1 attendances at scale
// 1 in every calendar month within 10 % of its real 2016–2019 mean, then
// checks the generated region against the same figures.
func TestAECalibration(t *testing.T) {
	start, end := canonical.MakeDate(2023, time.January, 1), testEnd
	expected, err := ExpectedAE(nil, start, end)
	if err != nil {
		t.Fatal(err)
	}
	// The region's acute trusts with all 2016–2019 figures under their own
	// code and most of their patients from the region (Rotherham's and
	// Sheffield Teaching's figures have gaps: they are calibrated on
	// England's).
	if _, ok := expected["RHQ"]; len(expected) != 12 || ok {
		t.Errorf("%d trusts calibrated on their own figures, want 12 without RHQ", len(expected))
	}
	for trust, v := range expected {
		for m := range 12 {
			if model, real := v[0][m], v[1][m]; math.Abs(model/real-1) > 0.10 {
				t.Errorf("%s %s: model %.0f, real %.0f", trust, time.Month(m+1), model, real)
			}
		}
	}
	for _, want := range []struct {
		trust string
		month float64
	}{{"RXF", 19100}, {"RWY", 12600}} {
		var mean float64
		for m := range 12 {
			mean += expected[want.trust][0][m] / 12
		}
		if math.Abs(mean/want.month-1) > 0.10 {
			t.Errorf("%s: %.0f a month, about %.0f expected", want.trust, mean, want.month)
		}
	}

	// The sample: the shared region's attendances over its three whole
	// years, scaled up, against the real yearly totals.
	_, sum := sharedRegion(t)
	got := sharedActivity(t).aeByTrust
	for trust, v := range expected {
		var real float64
		for m := range 12 {
			real += v[1][m]
		}
		n := real * 3 * sum.Options.Scale
		tol := 0.10 + 4/math.Sqrt(n) // the model's 10 % and four Poisson errors
		if math.Abs(got[trust]/n-1) > tol {
			t.Errorf("%s: %.0f attendances in 3 years at scale %g, real figures give %.0f (±%.0f %%)",
				trust, got[trust], sum.Options.Scale, n, tol*100)
		}
	}
}

func TestBankHolidays(t *testing.T) {
	tests := []struct {
		year int
		want []string
	}{
		{2019, []string{"2019-01-01", "2019-04-19", "2019-04-22", "2019-05-06", "2019-05-27", "2019-08-26", "2019-12-25", "2019-12-26"}},
		{2020, []string{"2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25", "2020-08-31", "2020-12-25", "2020-12-28"}},
		{2021, []string{"2021-01-01", "2021-04-02", "2021-04-05", "2021-05-03", "2021-05-31", "2021-08-30", "2021-12-27", "2021-12-28"}},
		{2022, []string{"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"}},
		{2023, []string{"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"}},
		{2026, []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"}},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range BankHolidays(tt.year) {
			got = append(got, d.String())
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%d: got %v, want %v", tt.year, got, tt.want)
		}
	}
	for _, tt := range []struct {
		year int
		want string
	}{{2000, "2000-04-23"}, {2008, "2008-03-23"}, {2011, "2011-04-24"}, {2024, "2024-03-31"}, {2025, "2025-04-20"}, {2038, "2038-04-25"}} {
		if got := Easter(tt.year).String(); got != tt.want {
			t.Errorf("Easter %d = %s, want %s", tt.year, got, tt.want)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"zero scale", Options{Years: 1, End: testEnd}},
		{"negative years", Options{Scale: 0.01, Years: -1, End: testEnd}},
		{"no end", Options{Scale: 0.01, Years: 1, End: canonical.NoDate}},
		{"defect rate above 0.5", Options{Scale: 0.01, Years: 1, End: testEnd, DefectRate: 0.6}},
		{"unknown format", Options{Scale: 0.01, Years: 1, End: testEnd, Format: "xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(context.Background(), t.TempDir(), tt.opts, discard)
			if !errors.Is(err, ErrOptions) {
				t.Errorf("err = %v, want ErrOptions", err)
			}
		})
	}
}

func TestNHSNumbersUnique(t *testing.T) {
	// Two blocks, 998 and 999; more numbers than the 999 block's 909,091
	// valid ones.
	n := newNHSNumbers(950_000, 42)
	seen := make(map[string]bool, 1_000_000)
	for range 1_000_000 {
		s, err := n.Next()
		if err != nil {
			t.Fatal(err)
		}
		if seen[s] || !canonical.ValidNHSNumber(s) || s < "9980000000" {
			t.Fatalf("%s repeated, invalid or outside the test range", s)
		}
		seen[s] = true
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, t.TempDir(), DefaultOptions(testEnd), discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// BenchmarkGenerate measures generation at scale 0.002 over one year.
func BenchmarkGenerate(b *testing.B) {
	opts := Options{Scale: 0.002, Years: 1, End: testEnd, Seed: 1, DefectRate: 0.005, Format: "csv"}
	var events int64
	for range b.N {
		sum, err := Generate(context.Background(), b.TempDir(), opts, discard)
		if err != nil {
			b.Fatal(err)
		}
		events += sum.TotalEvents()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// TestFormats generates a small region in every format and checks that the
// summary does not depend on the format: the same people and events are
// written whichever writer writes them.
func TestFormats(t *testing.T) {
	opts := Options{Scale: 0.001, Years: 1, End: testEnd, Seed: 2, DefectRate: 0.005}
	var first *Summary
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			o := opts
			o.Format = format
			sum, err := Generate(context.Background(), t.TempDir(), o, discard)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = &sum
				return
			}
			if sum.People != first.People || sum.TotalEvents() != first.TotalEvents() || sum.NationalOptOuts != first.NationalOptOuts {
				t.Errorf("%s: %d people, %d events, %d opt-outs; csv: %d, %d, %d", format, sum.People, sum.TotalEvents(),
					sum.NationalOptOuts, first.People, first.TotalEvents(), first.NationalOptOuts)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the first rows of a tiny region's files, so that a change
// to what the generator writes is seen and reviewed: run with -update to
// accept it.
func TestGolden(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Scale: 0.0005, Years: 1, End: testEnd, Seed: 11, DefectRate: 0.02, Format: "csv"}
	if _, err := Generate(context.Background(), dir, opts, discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"persons.csv", "activity.csv", "gp_objections.csv", DenyListFile} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(b), "\n")
			got := strings.Join(lines[:min(len(lines), 25)], "")
			golden := filepath.Join("testdata", strings.ReplaceAll(name, "/", "_")+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", name, golden, got)
			}
		})
	}
}

// TestRegions generates a small region of each LHCRE preset: people live in
// every place of the region, on its LSOAs, and go to real acute trusts that
// serve it.
func TestRegions(t *testing.T) {
	trusts, err := refdata.Trusts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		region []string
		places int
		trusts []string // acute trusts the region must use
	}{
		{[]string{"greater-manchester"}, 10, []string{"R0A", "RM3", "RMC", "RRF", "RWJ", "RMP"}},
		{[]string{"QRL", "QVV"}, 15, []string{"RHM", "RN5", "R0D"}},
		{[]string{"thames-valley"}, 18, []string{"RTH", "RHW", "RDU", "RXQ"}},
		{[]string{"one-london"}, 33, []string{"RRV", "RAL", "R1H", "RJ1", "RYJ"}},
	} {
		t.Run(strings.Join(c.region, ","), func(t *testing.T) {
			dir := t.TempDir()
			opts := Options{Scale: 0.0005, Years: 1, End: testEnd, Seed: 3, Format: "csv", Region: c.region}
			sum, err := Generate(context.Background(), dir, opts, discard)
			if err != nil {
				t.Fatal(err)
			}
			geo, err := refdata.NewGeography(c.region...)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.PeopleByPlace) != c.places || len(geo.Places) != c.places {
				t.Errorf("people in %d places, geography %d, want %d", len(sum.PeopleByPlace), len(geo.Places), c.places)
			}
			cols, persons := readCSV(t, filepath.Join(dir, "persons.csv"))
			for _, p := range persons {
				if _, ok := geo.AreaByLSOA(field(cols, p, "lsoa21")); !ok {
					t.Fatalf("person with LSOA %q outside the region", field(cols, p, "lsoa21"))
				}
				if pc := field(cols, p, "postcode"); pc != "" {
					t.Fatalf("postcode %q where the generator knows none", pc)
				}
			}
			used := map[string]bool{}
			cols, events := readCSV(t, filepath.Join(dir, "activity.csv"))
			for _, e := range events {
				if field(cols, e, "service") == "ae_attendance" {
					used[field(cols, e, "provider")] = true
				}
			}
			for tr := range used {
				if k := trusts[tr].Kind; k != "acute" && k != "children" {
					t.Errorf("A&E at %s, a %q trust", tr, k)
				}
			}
			for _, tr := range c.trusts {
				if !used[tr] {
					t.Errorf("no A&E attendances at %s (%s)", tr, trusts[tr].Name)
				}
			}
		})
	}
}
