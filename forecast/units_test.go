package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestForecastsIgnoreUnits: the same activity counted in other units
// (thousands, per 100,000, a sum of seven days) has the same forecast in
// those units. Before the models were fitted in units of the series' mean
// size and ARIMA's AICc compared orders on one sample, the tourism series
// M200 in thousandths had an ARIMA forecast 56 % away from its forecast in
// units, and auto's was 12 % away.
func TestForecastsIgnoreUnits(t *testing.T) {
	series := tourism8(t)
	// A weekly series on a calendar with a span excluded, the deaths'
	// and nightly run's path (calendar effect, Fourier split, missing).
	r := rand.New(rand.NewPCG(7, 52))
	weekly := Series{Key: "weekly", Freq: 52, Start: time.Date(2015, 1, 5, 0, 0, 0, 0, time.UTC), Values: make([]float64, 4*52)}
	for i := range weekly.Values {
		weekly.Values[i] = 900 * (1 + 0.15*math.Cos(2*math.Pi*float64(i)/(365.25/7))) * (1 + 0.04*r.NormFloat64())
	}
	weekly.Values, _ = weekly.Excluded([]Span{{From: time.Date(2016, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2016, 6, 30, 0, 0, 0, 0, time.UTC)}})
	series = append(series, weekly)

	methods := []string{"ets", "arima", "theta", "snaive", "stl", "auto"}
	units := []float64{1.0 / 1024, 1000, 1.0 / 7, 3.7e6}
	for _, s := range series {
		h := 2 * s.Freq
		for _, method := range methods {
			base, err := Fit(s, method, h)
			if err != nil {
				t.Fatalf("%s %s: %v", s.Key, method, err)
			}
			for _, c := range units {
				sc := s
				sc.Values = make([]float64, len(s.Values))
				for i, v := range s.Values {
					sc.Values[i] = v * c
				}
				got, err := Fit(sc, method, h)
				if err != nil {
					t.Fatalf("%s %s ×%g: %v", s.Key, method, c, err)
				}
				for _, b := range []struct {
					name      string
					base, got []float64
				}{{"mean", base.Mean, got.Mean}, {"lo95", base.Lo95, got.Lo95}, {"hi95", base.Hi95, got.Hi95}} {
					for j := range b.base {
						if d := math.Abs(b.got[j]/c-b.base[j]) / max(math.Abs(b.base[j]), 1e-9); d > 1e-6 {
							t.Errorf("%s %s ×%g: %s[%d] %g in the new units, %g in the old (relative difference %.2g)",
								s.Key, method, c, b.name, j, b.got[j]/c, b.base[j], d)
							break
						}
					}
				}
			}
		}
	}
}
