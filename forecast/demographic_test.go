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
