package scenario_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/yhcr/carecast/scenario"
)

// fixture is a small baseline worked by hand: two places of one ICB, one
// of another, with age bands that are not five-year bands (the model must
// take the run's bands as they are).
//
//	population    2025   2026   2027
//	E1 0-64 m     1000   1100   1210   (+10 % a year)
//	E1 0-64 f     1000   1000   1000
//	E1 65+  m      200    220    242
//	E1 65+  f      100    150    200
//	E2 0-64 m/f    500    500    500
//	E2 65+  m/f    100    100    100
//	E3 all         400    400    400  (one band, 0+)
//
// E1 in total: 2300 in 2025, 2470 in 2026, 2652 in 2027.
func fixture() *scenario.Baseline {
	b := &scenario.Baseline{Year: 2025, Places: []scenario.Place{{Code: "E1", Parent: "S1", ParentODS: "QS1"}, {Code: "E2", Parent: "S1", ParentODS: "QS1"},
		{Code: "E3", Parent: "S2", ParentODS: "QS2"}}}
	pop := func(place, band, sex string, v ...float64) {
		for i, x := range v {
			b.Population = append(b.Population, scenario.PopulationRow{Place: place, AgeBand: band, Sex: sex, Year: 2025 + i, Population: x})
		}
	}
	pop("E1", "0-64", "male", 1000, 1100, 1210)
	pop("E1", "0-64", "female", 1000, 1000, 1000)
	pop("E1", "65+", "male", 200, 220, 242)
	pop("E1", "65+", "female", 100, 150, 200)
	for _, sex := range []string{"male", "female"} {
		pop("E2", "0-64", sex, 500, 500, 500)
		pop("E2", "65+", sex, 100, 100, 100)
		pop("E3", "0-64", sex, 200, 200, 200)
		pop("E3", "65+", sex, 0, 0, 0)
	}
	cell := func(place, svc, band, sex string, events, bedDays int64) {
		b.Cells = append(b.Cells, scenario.Cell{Place: place, Service: svc, AgeBand: band, Sex: sex, Events: events, BedDays: bedDays})
	}
	cell("E1", "emergency_admission", "0-64", "male", 100, 300)
	cell("E1", "emergency_admission", "65+", "female", 50, 400)
	cell("E1", "emergency_admission", "unknown", "not_known", 10, 0)
	cell("E2", "emergency_admission", "65+", "male", 40, 200)
	cell("E1", "outpatient_attendance", "0-64", "female", 600, 0)
	cell("E3", "outpatient_attendance", "0-64", "male", 5, 0) // a count disclosure control suppresses
	return b
}

func compile(t *testing.T, yaml string, b *scenario.Baseline, opts scenario.Options) *scenario.Model {
	t.Helper()
	f, err := scenario.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := scenario.Compile(f, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fixed gives every draw of every parameter a fixed value, by name; the
// demographic variant of every draw is variant.
func fixed(t *testing.T, m *scenario.Model, draws, variant int, values map[string]float64) scenario.Draws {
	t.Helper()
	d := scenario.Draws{Variant: make([]int, draws)}
	for i := range d.Variant {
		d.Variant[i] = variant
	}
	for _, name := range m.Params() {
		v, ok := values[name]
		if !ok {
			t.Fatalf("no value for parameter %s (parameters: %v)", name, m.Params())
		}
		vals := make([]float64, draws)
		for i := range vals {
			vals[i] = v
		}
		d.Values = append(d.Values, vals)
	}
	if len(values) != len(m.Params()) {
		t.Fatalf("values for %d parameters, the model has %v", len(values), m.Params())
	}
	return d
}

func run(t *testing.T, m *scenario.Model, d scenario.Draws) *scenario.Results {
	t.Helper()
	res, err := m.RunDraws(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// result finds a row: level, area code (place, ICB or "all"), service,
// measure and years ahead.
func result(t *testing.T, res *scenario.Results, area, svc, measure string, ahead int) scenario.ResultRow {
	t.Helper()
	for _, r := range res.Rows {
		code := r.Place
		if r.Level != scenario.LevelPlace {
			code = r.Parent
		}
		if code == area && r.Service == svc && r.Measure == measure && int(r.YearsAhead) == ahead {
			return r
		}
	}
	t.Fatalf("no result for %s %s %s +%d", area, svc, measure, ahead)
	return scenario.ResultRow{}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// expect is a result worked by hand: its area, service, measure, years
// ahead and value.
type expect struct {
	area, svc, measure string
	ahead              int
	value              float64
}

// TestOneFactorAtATime checks each factor alone against figures worked by
// hand from the fixture, with every draw fixed so that p10, p50 and p90
// are the one value.
func TestOneFactorAtATime(t *testing.T) {
	const head = "name: t\nhorizon_years: 2\n"
	// E1's unknown-age activity grows with E1's whole population.
	e1Total1, e1Total2 := 2470.0/2300, 2652.0/2300
	cases := []struct {
		name    string
		yaml    string
		variant int
		values  map[string]float64
		want    []expect
	}{
		{
			name: "demographic principal",
			yaml: head,
			want: []expect{
				{"E1", "emergency_admission", "activity", 0, 160},
				{"E1", "emergency_admission", "activity", 1, 100*1.1 + 50*1.5 + 10*e1Total1},
				{"E1", "emergency_admission", "activity", 2, 100*1.21 + 50*2 + 10*e1Total2},
				{"E1", "emergency_admission", "bed_days", 2, 300*1.21 + 400*2},
				{"E2", "emergency_admission", "activity", 2, 40},
				{"S1", "emergency_admission", "activity", 2, 100*1.21 + 50*2 + 10*e1Total2 + 40},
				{"E1", "outpatient_attendance", "activity", 2, 600},
			},
		},
		{
			name: "demographic high and none",
			yaml: head + "demographic:\n  high_low_spread: 0.01\n  variants:\n    - {name: high, probability: 0.5}\n    - {name: none, probability: 0.5}\n",
			want: []expect{
				{"E1", "emergency_admission", "activity", 2, (100*1.21 + 50*2 + 10*e1Total2) * 1.01 * 1.01},
				{"E2", "emergency_admission", "activity", 1, 40 * 1.01},
			},
		},
		{
			name:    "no demographic change",
			yaml:    head + "demographic:\n  variants:\n    - {name: high, probability: 0.5}\n    - {name: none, probability: 0.5}\n",
			variant: 1,
			want: []expect{
				{"E1", "emergency_admission", "activity", 2, 160},
			},
		},
		{
			name:   "non-demographic growth",
			yaml:   head + "demographic: {variants: [{name: none, probability: 1}]}\nservices:\n  outpatient_attendance:\n    non_demographic_growth: {p10: 0, p90: 0.04}\n",
			values: map[string]float64{"outpatient_attendance/non_demographic_growth": 0.02},
			want: []expect{
				{"E1", "outpatient_attendance", "activity", 1, 600 * 1.02},
				{"E1", "outpatient_attendance", "activity", 2, 600 * 1.02 * 1.02},
				{"E1", "emergency_admission", "activity", 2, 160},
			},
		},
		{
			name:   "activity avoided, phased in over two years",
			yaml:   head + "phase_in_years: 2\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  emergency_admission:\n    activity_avoided: {p10: 0.05, p90: 0.15}\n",
			values: map[string]float64{"emergency_admission/activity_avoided": 0.1},
			want: []expect{
				{"E1", "emergency_admission", "activity", 1, 160 * (1 - 0.1*0.5)},
				{"E1", "emergency_admission", "activity", 2, 160 * 0.9},
				{"E1", "emergency_admission", "bed_days", 2, 700 * 0.9},
				{"S1", "emergency_admission", "activity", 2, 200 * 0.9},
			},
		},
		{
			name:   "a move to another setting",
			yaml:   head + "phase_in_years: 0\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  outpatient_attendance:\n    moves: [{to: outpatient_virtual, share: 0.25}]\n",
			values: map[string]float64{"outpatient_attendance/moves/outpatient_virtual": 0.25},
			want: []expect{
				{"E1", "outpatient_attendance", "activity", 1, 600 * 0.75},
				{"E1", "outpatient_virtual", "activity", 1, 600 * 0.25},
				{"E1", "outpatient_virtual", "activity", 0, 0},
				{"all", "outpatient_virtual", "activity", 2, 605 * 0.25},
			},
		},
		{
			name:   "moves over everything are scaled to everything",
			yaml:   head + "phase_in_years: 0\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  outpatient_attendance:\n    moves: [{to: a, share: 0.8}, {to: b, share: 0.8}]\n",
			values: map[string]float64{"outpatient_attendance/moves/a": 0.8, "outpatient_attendance/moves/b": 0.8},
			want: []expect{
				{"E1", "outpatient_attendance", "activity", 1, 0},
				{"E1", "a", "activity", 1, 300},
				{"E1", "b", "activity", 1, 300},
			},
		},
		{
			name:   "length of stay",
			yaml:   head + "demographic: {variants: [{name: none, probability: 1}]}\nservices:\n  emergency_admission:\n    length_of_stay_change: -0.2\n",
			values: map[string]float64{"emergency_admission/length_of_stay_change": -0.2},
			want: []expect{
				{"E1", "emergency_admission", "activity", 2, 160},
				{"E1", "emergency_admission", "bed_days", 1, 700 * (1 - 0.2*0.5)},
				{"E1", "emergency_admission", "bed_days", 2, 700 * 0.8},
			},
		},
		{
			name: "capacity",
			yaml: head + "demographic: {variants: [{name: none, probability: 1}]}\nservices:\n  emergency_admission:\n    capacity: {bed_occupancy: 0.875}\n" +
				"  outpatient_attendance:\n    capacity: {minutes_per_appointment: 20, session_hours: 4, appointments_per_clinician_year: 1500}\n",
			values: map[string]float64{"emergency_admission/capacity/bed_occupancy": 0.875,
				"outpatient_attendance/capacity/minutes_per_appointment": 20, "outpatient_attendance/capacity/session_hours": 4,
				"outpatient_attendance/capacity/appointments_per_clinician_year": 1500},
			want: []expect{
				{"E1", "emergency_admission", "beds", 1, 700 / (365 * 0.875)},
				{"E1", "outpatient_attendance", "clinician_hours", 1, 600 * 20.0 / 60},
				{"E1", "outpatient_attendance", "sessions", 1, 600 * 20.0 / 60 / 4},
				{"E1", "outpatient_attendance", "clinician_wte", 1, 600.0 / 1500},
			},
		},
		{
			name: "a group for older people",
			yaml: head + "phase_in_years: 0\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  emergency_admission:\n    activity_avoided: 0.1\n" +
				"    groups:\n      - ages: {from: 65}\n        activity_avoided: 0.3\n      - places: [E2]\n        activity_avoided: 0.5\n",
			values: map[string]float64{"emergency_admission/activity_avoided": 0.1,
				"emergency_admission/groups[0]/activity_avoided": 0.3, "emergency_admission/groups[1]/activity_avoided": 0.5},
			want: []expect{
				// Unknown ages are not in the 65+ group.
				{"E1", "emergency_admission", "activity", 1, 100*0.9 + 50*0.7 + 10*0.9},
				// E2's activity is 65+: the first group that matches applies.
				{"E2", "emergency_admission", "activity", 1, 40 * 0.7},
			},
		},
		{
			name: "a group of an ICB named by its NHS code",
			yaml: head + "phase_in_years: 0\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  outpatient_attendance:\n    activity_avoided: 0.1\n" +
				"    groups:\n      - places: [QS2]\n        activity_avoided: 0.5\n",
			values: map[string]float64{"outpatient_attendance/activity_avoided": 0.1, "outpatient_attendance/groups[0]/activity_avoided": 0.5},
			want: []expect{
				{"E1", "outpatient_attendance", "activity", 1, 600 * 0.9},
				{"E3", "outpatient_attendance", "activity", 1, 5 * 0.5},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := compile(t, c.yaml, fixture(), scenario.Options{})
			if c.values == nil {
				c.values = map[string]float64{}
			}
			res := run(t, m, fixed(t, m, 3, c.variant, c.values))
			for _, w := range c.want {
				r := result(t, res, w.area, w.svc, w.measure, w.ahead)
				for _, got := range []float64{r.P10, r.P50, r.P90, r.Mean} {
					if !near(got, w.value) {
						t.Errorf("%s %s %s +%d = %v (p10 %v, p50 %v, p90 %v), want %v", w.area, w.svc, w.measure, w.ahead, got, r.P10, r.P50, r.P90, w.value)
						break
					}
				}
			}
		})
	}
}

// The model starts from published counts: a place's service whose
// baseline count is suppressed is shown suppressed, and left out of the
// sums of its ICB and the region, so that no figure is derived from it.
func TestSuppressedBaselines(t *testing.T) {
	disclose := func(n int64) (int64, bool) {
		if n >= 1 && n <= 7 {
			return 0, true
		}
		return (n + 2) / 5 * 5, false
	}
	b := fixture()
	b.Cells[0].Events = 103 // E1 emergency admissions: 163, published as 165
	m := compile(t, "name: t\nhorizon_years: 1\ndemographic: {variants: [{name: none, probability: 1}]}\nservices:\n  outpatient_attendance:\n    moves: [{to: virtual, share: 0.5}]\n",
		b, scenario.Options{Disclose: disclose})
	res := run(t, m, fixed(t, m, 2, 0, map[string]float64{"outpatient_attendance/moves/virtual": 0.5}))
	e1 := result(t, res, "E1", "emergency_admission", "activity", 1)
	if e1.Baseline != 165 || !near(e1.P50, 165) || e1.Suppressed {
		t.Errorf("E1 emergency admissions: baseline %v, p50 %v, suppressed %v; want the published 165", e1.Baseline, e1.P50, e1.Suppressed)
	}
	// Bed-days scale with the published count.
	if bd := result(t, res, "E1", "emergency_admission", "bed_days", 0); !near(bd.Baseline, 700*165.0/163) {
		t.Errorf("E1 bed-days baseline %v, want %v", bd.Baseline, 700*165.0/163)
	}
	e3 := result(t, res, "E3", "outpatient_attendance", "activity", 1)
	if !e3.Suppressed || e3.Baseline != 0 || e3.P50 != 0 {
		t.Errorf("E3 outpatients (5 events): %+v, want suppressed with nothing derived from it", e3)
	}
	v3 := result(t, res, "E3", "virtual", "activity", 1)
	if !v3.Suppressed || v3.P50 != 0 {
		t.Errorf("E3 virtual outpatients, moved from a suppressed count: %+v, want suppressed", v3)
	}
	s2 := result(t, res, "S2", "outpatient_attendance", "activity", 1)
	if !s2.Suppressed {
		t.Errorf("S2 outpatients, only a suppressed place: %+v, want suppressed", s2)
	}
	region := result(t, res, "all", "outpatient_attendance", "activity", 1)
	if region.Suppressed || region.Baseline != 600 || !near(region.P50, 300) {
		t.Errorf("region outpatients: %+v, want E1's 600 alone, halved", region)
	}
	for _, a := range res.Attribution {
		if a.Place == "E3" && a.Service == "outpatient_attendance" && (!a.Suppressed || a.Value != 0) {
			t.Errorf("attribution of a suppressed baseline: %+v", a)
		}
	}
}

// randomScenario has every factor uncertain, for the properties that hold
// for any draws.
const randomScenario = `name: random
horizon_years: 4
phase_in_years: 3
draws: 400
seed: 7
demographic:
  high_low_spread: 0.02
  variants:
    - {name: principal, probability: 0.5}
    - {name: high, probability: 0.25}
    - {name: low, probability: 0.25}
services:
  emergency_admission:
    non_demographic_growth: {p10: -0.01, p90: 0.04}
    activity_avoided: {distribution: triangular, min: 0, mode: 0.05, max: 0.3}
    length_of_stay_change: {p10: -0.3, p90: 0.05}
    moves: [{to: sdec, share: {distribution: uniform, min: 0, max: 0.4}}]
    capacity: {bed_occupancy: {p10: 0.8, p90: 0.95}}
    groups:
      - {ages: {from: 65}, activity_avoided: {p10: 0.1, p90: 0.4}}
  outpatient_attendance:
    non_demographic_growth: {p10: 0.01, p90: 0.05, distribution: lognormal}
    moves: [{to: emergency_admission, share: {p10: 0.01, p90: 0.1}}]
    capacity: {minutes_per_appointment: {p10: 15, p90: 25}, session_hours: 3.5, appointments_per_clinician_year: {p10: 1200, p90: 1800}}
`

func TestPercentilesOrdered(t *testing.T) {
	m := compile(t, randomScenario, fixture(), scenario.Options{})
	res, err := m.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) == 0 {
		t.Fatal("no results")
	}
	spread := false
	for _, r := range res.Rows {
		if !(r.P10 <= r.P50 && r.P50 <= r.P90) || math.IsNaN(r.Mean) {
			t.Errorf("%s %s %s %s %d: p10 %v, p50 %v, p90 %v", r.Level, r.Place, r.Service, r.Measure, r.Year, r.P10, r.P50, r.P90)
		}
		if r.P90 > r.P10 {
			spread = true
		}
		if r.YearsAhead == 0 && r.Measure == scenario.Activity && r.P50 != r.Baseline {
			t.Errorf("%s %s baseline year: p50 %v, baseline %v", r.Place, r.Service, r.P50, r.Baseline)
		}
	}
	if !spread {
		t.Error("no result has any spread: the draws are not drawn")
	}
}

// The parts of the attribution add up to the change of the median, for
// every area, service, measure and year.
func TestAttributionAddsUp(t *testing.T) {
	m := compile(t, randomScenario, fixture(), scenario.Options{})
	res, err := m.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		level, parent, place, svc, measure string
		year                               int32
	}
	sums := map[key]float64{}
	orders := map[key][]string{}
	for _, a := range res.Attribution {
		k := key{a.Level, a.Parent, a.Place, a.Service, a.Measure, a.Year}
		sums[k] += a.Value
		orders[k] = append(orders[k], a.Factor)
	}
	checked := 0
	for _, r := range res.Rows {
		if r.Measure != scenario.Activity && r.Measure != scenario.BedDays || r.YearsAhead == 0 {
			continue
		}
		k := key{r.Level, r.Parent, r.Place, r.Service, r.Measure, r.Year}
		got, ok := sums[k]
		if !ok {
			t.Errorf("no attribution for %+v", k)
			continue
		}
		if !near(r.Baseline+got, r.P50) {
			t.Errorf("%+v: baseline %v + parts %v = %v, p50 %v", k, r.Baseline, got, r.Baseline+got, r.P50)
		}
		want := []string{"demographic", "non_demographic_growth", "activity_avoided", "moved_out", "moved_in"}
		if r.Measure == scenario.BedDays {
			want[4] = "length_of_stay"
		}
		if !slices.Equal(orders[k], want) {
			t.Errorf("%+v: factors %v, want %v", k, orders[k], want)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

func TestDeterministicBySeed(t *testing.T) {
	runWith := func(yaml string, workers int) *scenario.Results {
		m := compile(t, yaml, fixture(), scenario.Options{Workers: workers})
		res, err := m.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a := runWith(randomScenario, 1)
	for _, w := range []int{2, 3, 16} {
		b := runWith(randomScenario, w)
		if !slices.Equal(a.Rows, b.Rows) || !slices.Equal(a.Attribution, b.Attribution) {
			t.Errorf("%d workers: results differ from 1 worker's", w)
		}
	}
	c := runWith(strings.Replace(randomScenario, "seed: 7", "seed: 8", 1), 2)
	if slices.Equal(a.Rows, c.Rows) {
		t.Error("seeds 7 and 8 give the same results")
	}
	// A parameter's draws do not depend on the others: adding a factor to
	// another service leaves this one's results as they were.
	d := runWith(strings.Replace(randomScenario, "  outpatient_attendance:\n", "  ae_attendance:\n    activity_avoided: {p10: 0, p90: 0.5}\n  outpatient_attendance:\n", 1), 2)
	for _, r := range a.Rows {
		if r.Service != "emergency_admission" || r.Level != scenario.LevelPlace {
			continue
		}
		i := slices.IndexFunc(d.Rows, func(x scenario.ResultRow) bool {
			return x.Place == r.Place && x.Service == r.Service && x.Measure == r.Measure && x.Year == r.Year
		})
		if i < 0 || d.Rows[i] != r {
			t.Errorf("emergency admissions changed when another service's factor was added: %+v", r)
			break
		}
	}
}

func TestDrawsFollowTheirDistributions(t *testing.T) {
	m := compile(t, `name: t
horizon_years: 1
draws: 20000
demographic:
  variants: [{name: principal, probability: 0.7}, {name: none, probability: 0.3}]
services:
  emergency_admission:
    non_demographic_growth: {p10: 0.01, p90: 0.03}
    activity_avoided: {distribution: uniform, min: 0.1, max: 0.2}
    length_of_stay_change: {p10: -0.5, p90: 0.9}
`, fixture(), scenario.Options{})
	d := m.Draw()
	quantile := func(xs []float64, p float64) float64 {
		s := slices.Sorted(slices.Values(xs))
		return s[int(p*float64(len(s)-1))]
	}
	params := m.Params()
	check := func(name string, p, want, tol float64) {
		i := slices.Index(params, name)
		if got := quantile(d.Values[i], p); math.Abs(got-want) > tol {
			t.Errorf("%s: quantile %v of the draws is %v, want %v", name, p, got, want)
		}
	}
	check("emergency_admission/non_demographic_growth", 0.1, 0.01, 0.0005)
	check("emergency_admission/non_demographic_growth", 0.9, 0.03, 0.0005)
	check("emergency_admission/activity_avoided", 0.5, 0.15, 0.002)
	// Clipped to the valid range [-1, 1].
	i := slices.Index(params, "emergency_admission/length_of_stay_change")
	if hi := slices.Max(d.Values[i]); hi != 1 {
		t.Errorf("length of stay change drawn up to %v, want clipped at 1", hi)
	}
	var principal int
	for _, v := range d.Variant {
		if v == 0 {
			principal++
		}
	}
	if share := float64(principal) / float64(len(d.Variant)); math.Abs(share-0.7) > 0.015 {
		t.Errorf("principal drawn %.3f of the time, want 0.7", share)
	}
}

func TestCompileErrorsNameFieldAndLine(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"name: t\nhorizon_years: 2\nservices:\n  emergency_admission:\n    groups:\n      - ages: {from: 60}\n        activity_avoided: 0.1\n",
			"test.yaml:6: services.emergency_admission.groups[0].ages: age band 0-64 of the run straddles the range"},
		{"name: t\nhorizon_years: 2\nservices:\n  emergency_admission:\n    groups:\n      - places: [E1, E9]\n        activity_avoided: 0.1\n",
			`test.yaml:6: services.emergency_admission.groups[0].places[1]: "E9" is not a place`},
		{"name: t\nbaseline_year: 2024\nhorizon_years: 2\n", "baseline year 2024"},
		{"name: t\nhorizon_years: 2\ndemographic:\n  variants:\n    - {name: mine, probability: 1, file: /nonexistent/p.csv}\n",
			"test.yaml:5: demographic.variants[0].file: open /nonexistent/p.csv"},
	}
	for _, c := range cases {
		f, err := scenario.Parse([]byte(c.yaml), "test.yaml")
		if err != nil {
			t.Fatalf("%q: %v", c.yaml, err)
		}
		_, err = scenario.Compile(f, fixture(), scenario.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestSettingsAndServicesInOrder(t *testing.T) {
	m := compile(t, "name: t\nhorizon_years: 1\nservices:\n  outpatient_attendance:\n    moves: [{to: zz, share: 0.1}, {to: aa, share: 0.1}]\n", fixture(), scenario.Options{})
	res := run(t, m, fixed(t, m, 1, 0, map[string]float64{"outpatient_attendance/moves/zz": 0.1, "outpatient_attendance/moves/aa": 0.1}))
	var order []string
	for _, r := range res.Rows {
		if r.Level == scenario.LevelRegion && r.YearsAhead == 0 && r.Measure == scenario.Activity {
			order = append(order, r.Service)
		}
	}
	want := []string{"emergency_admission", "outpatient_attendance", "aa", "zz"}
	if !slices.Equal(order, want) {
		t.Errorf("services %v, want %v", order, want)
	}
}
