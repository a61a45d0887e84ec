package forecast

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// shapes are the awkward series the pipeline meets: short, constant,
// zero-heavy, trending, shifted, noisy, tiny and huge.
func shapes() map[string][]float64 {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, f func(t int) float64) []float64 {
		y := make([]float64, n)
		for t := range y {
			y[t] = f(t)
		}
		return y
	}
	season := func(t int) float64 { return 1 + 0.3*math.Sin(2*math.Pi*float64(t)/12) }
	return map[string][]float64{
		"one":         {5},
		"two":         {5, 7},
		"short":       {3, 4, 2, 5, 6, 4, 5},
		"constant":    gen(40, func(int) float64 { return 12 }),
		"zeros":       gen(40, func(int) float64 { return 0 }),
		"zero-heavy":  gen(60, func(t int) float64 { return float64(r.IntN(10) / 8) }),
		"trending":    gen(72, func(t int) float64 { return (100 + 3*float64(t)) * season(t) }),
		"declining":   gen(72, func(t int) float64 { return max(0, 200-4*float64(t)+r.NormFloat64()*5) }),
		"shifted":     gen(60, func(t int) float64 { return 50 + 150*float64(t/40) + r.NormFloat64() }),
		"noisy":       gen(80, func(t int) float64 { return max(0, 100+60*r.NormFloat64()) }),
		"seasonal":    gen(48, func(t int) float64 { return 1000 * season(t) }),
		"huge":        gen(50, func(t int) float64 { return 1e12 * season(t) * (1 + 0.01*r.NormFloat64()) }),
		"tiny":        gen(50, func(t int) float64 { return 1e-9 * season(t) }),
		"spike":       gen(50, func(t int) float64 { return float64(map[bool]int{true: 1e6}[t == 30]) }),
		"negative":    gen(40, func(t int) float64 { return -50 + r.NormFloat64() }),
		"two-seasons": gen(25, func(t int) float64 { return 30 * season(t) }),
	}
}

// TestPropertiesAllMethods: every method either errors or returns a finite
// forecast with nested intervals, never negative for non-negative data.
func TestPropertiesAllMethods(t *testing.T) {
	for name, y := range shapes() {
		for _, freq := range []int{1, 12, 52} {
			for _, m := range Methods {
				s := Series{Key: name, Freq: freq, Values: y}
				f, err := Fit(s, m, 13)
				if err != nil {
					continue
				}
				checkForecast(t, name+"/"+m, f, 13, nonNegative(y))
			}
		}
	}
}

func checkForecast(t *testing.T, name string, f Forecast, h int, counts bool) {
	t.Helper()
	if !f.valid(h) {
		t.Errorf("%s: invalid forecast %+v", name, f)
		return
	}
	if counts && (!nonNegative(f.Lo95) || !nonNegative(f.Mean)) {
		t.Errorf("%s: negative forecast of counts: %v", name, f.Lo95)
	}
}

// TestRunEverySeries: Run gives every series a valid forecast, whatever the
// method, and marks exactly one forecast per series Chosen.
func TestRunEverySeries(t *testing.T) {
	var series []Series
	for name, y := range shapes() {
		series = append(series, Series{Key: name, Freq: 12, Values: y})
	}
	series = append(series, Series{Key: "empty", Freq: 12})
	for _, m := range Methods {
		fcs, _, err := Run(context.Background(), series, Options{Horizon: 12, Method: m, Origins: 2})
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		chosen := map[string]int{}
		for _, f := range fcs {
			checkForecast(t, f.Key+"/"+m, f, 12, nonNegative(seriesByKey(series, f.Key)))
			if f.Chosen {
				chosen[f.Key]++
			}
		}
		for _, s := range series {
			if chosen[s.Key] != 1 {
				t.Errorf("%s: series %s has %d chosen forecasts", m, s.Key, chosen[s.Key])
			}
		}
	}
}

func seriesByKey(ss []Series, key string) []float64 {
	for _, s := range ss {
		if s.Key == key {
			return s.Values
		}
	}
	return nil
}

// TestRunDeterministic: the same input gives the same output whatever the
// number of workers.
func TestRunDeterministic(t *testing.T) {
	var series []Series
	for name, y := range shapes() {
		series = append(series, Series{Key: name, Freq: 12, Values: y})
	}
	opts := Options{Horizon: 12, Origins: 1, Workers: 1}
	f1, a1, err := Run(context.Background(), series, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Workers = 4
	f2, a2, err := Run(context.Background(), series, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f1, f2) {
		t.Error("forecasts differ between 1 and 4 workers")
	}
	// NaN != NaN: compare the accuracies' printed form.
	if len(a1) != len(a2) || len(a1) == 0 {
		t.Fatalf("accuracies: %d and %d", len(a1), len(a2))
	}
	for i := range a1 {
		if !sameFloats(a1[i], a2[i]) {
			t.Errorf("accuracy %d differs: %+v, %+v", i, a1[i], a2[i])
		}
	}
}

// TestRunChosenOnly: with ChosenOnly, auto returns and backtests the
// forecast it chooses alone: the same, to the bit, as among all the
// candidates.
func TestRunChosenOnly(t *testing.T) {
	var series []Series
	for name, y := range shapes() {
		series = append(series, Series{Key: name, Freq: 12, Values: y})
	}
	series = append(series, weeklyRegistrations(rand.New(rand.NewPCG(52, 1)), 4*52+10, true))
	opts := Options{Horizon: 12, Origins: 1}
	all, allAcc, err := Run(context.Background(), series, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.ChosenOnly = true
	chosen, chosenAcc, err := Run(context.Background(), series, opts)
	if err != nil {
		t.Fatal(err)
	}
	var want []Forecast
	for _, f := range all {
		if f.Chosen {
			want = append(want, f)
		}
	}
	if !reflect.DeepEqual(chosen, want) {
		t.Errorf("ChosenOnly: %d forecasts, not the %d chosen among all candidates", len(chosen), len(want))
	}
	var wantAcc []Accuracy
	for _, a := range allAcc {
		if a.Chosen {
			wantAcc = append(wantAcc, a)
		}
	}
	if len(chosenAcc) != len(wantAcc) {
		t.Fatalf("ChosenOnly: %d accuracies, want the %d of the chosen", len(chosenAcc), len(wantAcc))
	}
	for i := range wantAcc {
		if !sameFloats(chosenAcc[i], wantAcc[i]) || !chosenAcc[i].Chosen {
			t.Errorf("accuracy %d: %+v, want %+v", i, chosenAcc[i], wantAcc[i])
		}
	}
}

func sameFloats(a, b Accuracy) bool {
	eq := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.Key == b.Key && a.Model == b.Model && eq(a.MASE, b.MASE) && eq(a.SMAPE, b.SMAPE) &&
		eq(a.Coverage80, b.Coverage80) && eq(a.Coverage95, b.Coverage95) && eq(a.MSIS, b.MSIS)
}

func TestRunErrors(t *testing.T) {
	s := []Series{{Key: "a", Freq: 12, Values: []float64{1, 2, 3}}}
	if _, _, err := Run(context.Background(), s, Options{Horizon: 3, Method: "tbats"}); !errors.Is(err, ErrMethod) {
		t.Errorf("unknown method: %v, want ErrMethod", err)
	}
	if _, _, err := Run(context.Background(), s, Options{Horizon: 0}); err == nil {
		t.Error("zero horizon: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Run(ctx, s, Options{Horizon: 3}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := Fit(s[0], "ets", 3); !errors.Is(err, ErrTooShort) {
		t.Errorf("ets on 3 values: %v, want ErrTooShort", err)
	}
}

// TestETSRecoversModel: on data simulated from a known damped seasonal
// model, selection finds a seasonal, trended model and forecasts close to
// the truth.
func TestETSRecoversModel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n, h := 120, 12
	y := make([]float64, n+h)
	for i := range y {
		y[i] = (500 + 4*float64(i)) * (1 + 0.25*math.Sin(2*math.Pi*float64(i)/12)) * (1 + 0.02*r.NormFloat64())
	}
	m, err := autoETS(y[:n], 12, etsCandidates(y[:n], 12))
	if err != nil {
		t.Fatal(err)
	}
	if m.spec.season == 'N' || m.spec.trend == 'N' {
		t.Errorf("chose %v for trended seasonal data", m.spec)
	}
	f := m.forecast("x", h)
	a := Score(y[:n], y[n:], f, 12)
	if a.MASE > 0.5 || a.Coverage95 < 0.8 {
		t.Errorf("%v: MASE %.3f, coverage95 %.2f", m.spec, a.MASE, a.Coverage95)
	}
}

// TestLikelihoodAllocs: the likelihood, evaluated thousands of times per
// fit, must not allocate.
func TestLikelihoodAllocs(t *testing.T) {
	y := shapes()["trending"]
	for _, sp := range etsCandidates(y, 12) {
		p := newETSProblem(y, sp, 12)
		u := p.start()
		if allocs := testing.AllocsPerRun(100, func() { p.lik(u) }); allocs != 0 {
			t.Errorf("%v: %v allocations per likelihood", sp, allocs)
		}
	}
}

func BenchmarkFitETS(b *testing.B) {
	y := shapes()["trending"]
	for b.Loop() {
		if _, err := autoETS(y, 12, etsCandidates(y, 12)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunAuto forecasts the eight tourism series in testdata with auto,
// as the CLI does; ns/op divided by 8 is the time per series.
func BenchmarkRunAuto(b *testing.B) {
	series := tourism8(b)
	for b.Loop() {
		if _, _, err := Run(context.Background(), series, Options{Horizon: 24, Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N)/float64(len(series)), "ms/series")
}

// tourism8 is the eight monthly tourism series in testdata.
func tourism8(tb testing.TB) []Series {
	tb.Helper()
	series := testdataSeries(tb, "tourism8_train.csv")
	for i := range series {
		series[i].Freq = 12
	}
	return series
}
