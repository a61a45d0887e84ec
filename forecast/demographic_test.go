package forecast

import (
	"errors"
	"math"
	"testing"
	"time"
)

// TestDemographic: with constant rates, a population that grows 10 % a year
// grows the forecast 10 % a year, group by group.
func TestDemographic(t *testing.T) {
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	growth := func(base float64) func(time.Time) float64 {
		return func(at time.Time) float64 {
			years := at.Sub(start).Hours() / 24 / 365.25
			return base * math.Pow(1.1, years)
		}
	}
	in := DemographicInput{Key: "k", Freq: 12, Start: start,
		ByGroup:    map[string][]float64{"65+|F": make([]float64, 36), "0-4|M": make([]float64, 36)},
		Population: map[string]func(time.Time) float64{"65+|F": growth(1000), "0-4|M": growth(500)}}
	for i := range 36 {
		at := periodTime(12, start, i)
		season := 1 + 0.2*math.Cos(2*math.Pi*float64(i)/12)
		in.ByGroup["65+|F"][i] = 0.3 * season * in.Population["65+|F"](at)
		in.ByGroup["0-4|M"][i] = 0.1 * in.Population["0-4|M"](at)
	}
	f, err := Demographic(in, 24)
	if err != nil {
		t.Fatal(err)
	}
	checkForecast(t, "demographic", f, 24, true)
	for j := range 24 {
		at := periodTime(12, start, 36+j)
		season := 1 + 0.2*math.Cos(2*math.Pi*float64(36+j)/12)
		want := 0.3*season*in.Population["65+|F"](at) + 0.1*in.Population["0-4|M"](at)
		if math.Abs(f.Mean[j]-want) > 1e-6*want {
			t.Errorf("step %d: %.4f, want %.4f", j+1, f.Mean[j], want)
		}
	}
	delete(in.Population, "0-4|M")
	if _, err := Demographic(in, 12); !errors.Is(err, ErrFormat) {
		t.Errorf("missing population: %v", err)
	}
}

// TestDemographicExcludePeriods: the demographic model honours
// forecast.exclude_periods as the other models do. Activity collapsed by
// 40 % from March 2020 to March 2022; with the window excluded, the rates
// come from the last three years outside it and the forecast is at the
// true level, and the scatter around the rates ignores the window.
// Trained through it, the rates and the forecast are too low.
func TestDemographicExcludePeriods(t *testing.T) {
	start := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 81 // January 2016 to September 2022
	window := []Span{{From: time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 3, 31, 0, 0, 0, 0, time.UTC)}}
	pop := func(time.Time) float64 { return 2000 }
	in := DemographicInput{Key: "place/E08000035/ae", Freq: 12, Start: start,
		ByGroup:    map[string][]float64{"65-69|F": make([]float64, n)},
		Population: map[string]func(time.Time) float64{"65-69|F": pop}}
	rate := func(i int) float64 { return 0.05 * (1 + 0.2*math.Cos(2*math.Pi*float64(i)/12)) }
	collapsed := 0
	for i := range n {
		in.ByGroup["65-69|F"][i] = rate(i) * 2000
		if window[0].Contains(periodTime(12, start, i)) {
			in.ByGroup["65-69|F"][i] *= 0.6
			collapsed++
		}
	}
	if collapsed != 25 {
		t.Fatalf("fixture: %d months in the window, want 25", collapsed)
	}
	through, err := Demographic(in, 12)
	if err != nil {
		t.Fatal(err)
	}
	in.Exclude = window
	f, err := Demographic(in, 12)
	if err != nil {
		t.Fatal(err)
	}
	checkForecast(t, "demographic", f, 12, true)
	for j := range 12 {
		want := rate(n+j) * 2000
		if math.Abs(f.Mean[j]-want) > 1e-9*want {
			t.Errorf("step %d: %.4f with the window excluded, want %.4f", j+1, f.Mean[j], want)
		}
		if through.Mean[j] > 0.95*want {
			t.Errorf("step %d: %.4f trained through the window, want it pulled below %.4f (fixture too weak)", j+1, through.Mean[j], want)
		}
		// Outside the window the rates fit exactly: no scatter, no width.
		if f.Hi95[j]-f.Lo95[j] > 1e-9*want {
			t.Errorf("step %d: interval [%.4f, %.4f] widened by the excluded months", j+1, f.Lo95[j], f.Hi95[j])
		}
	}
	// Missing events (NaN) are skipped like excluded months, not an error.
	in.Exclude = nil
	for i := range n {
		if window[0].Contains(periodTime(12, start, i)) {
			in.ByGroup["65-69|F"][i] = math.NaN()
		}
	}
	g, err := Demographic(in, 12)
	if err != nil {
		t.Fatalf("missing months: %v", err)
	}
	for j := range 12 {
		if math.Abs(g.Mean[j]-f.Mean[j]) > 1e-9*f.Mean[j] {
			t.Errorf("step %d: %.4f with the months missing, want %.4f as with them excluded", j+1, g.Mean[j], f.Mean[j])
		}
	}
}
