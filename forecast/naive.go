package forecast

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// naive forecasts the last value, with the random walk's intervals (see
// seasonalNaive for missing values).
func naive(key string, y, filled []float64, h int) (Forecast, error) {
	return seasonalNaive(key, "naive", y, filled, 1, h)
}

// seasonalNaive forecasts the value one season back (lag m), with intervals
// from the root mean square of the in-sample lag-m differences. Where y has
// missing values (NaN), the forecasts come from filled (y filled, the same
// length), but the spread from the observed pairs only: filled values are
// smooth estimates, not data.
func seasonalNaive(key, model string, y, filled []float64, m, h int) (Forecast, error) {
	n := len(y)
	if n == 0 || n < m || observed(y) == 0 {
		return Forecast{}, ErrTooShort
	}
	var ss float64
	k := 0
	for t := m; t < n; t++ {
		if d := y[t] - y[t-m]; !math.IsNaN(d) {
			ss += d * d
			k++
		}
	}
	sigma := 0.0
	if k > 0 {
		sigma = math.Sqrt(ss / float64(k))
	} else if m > 1 {
		// A single season has no lag-m differences: the random walk's
		// spread stands in rather than a zero-width interval.
		sigma, k = diffSD(y), observed(y)-1
	}
	mean, se := make([]float64, h), make([]float64, h)
	for j := range h {
		mean[j] = filled[n-m+j%m]
		se[j] = sigma * math.Sqrt(float64(j/m+1))
	}
	return normalForecast(key, model, mean, se, float64(k)), nil
}

// meanForecast is the last resort: the historical mean with the standard
// deviation as its spread. It needs one value.
func meanForecast(key string, y []float64, h int) Forecast {
	mean, se := make([]float64, h), make([]float64, h)
	mu, sd := 0.0, 0.0
	if len(y) > 0 {
		mu = stat.Mean(y, nil)
	}
	if len(y) > 1 {
		sd = stat.StdDev(y, nil) * math.Sqrt(1+1/float64(len(y)))
	}
	if !finite([]float64{mu, sd}) {
		mu, sd = 0, 0
	}
	for j := range mean {
		mean[j], se[j] = mu, sd
	}
	return normalForecast(key, "mean", mean, se, float64(len(y)-1))
}

// diffSD is the root mean square of the first differences of the observed
// values: the one-step spread of a random walk.
func diffSD(y []float64) float64 {
	var ss float64
	k := 0
	for t := 1; t < len(y); t++ {
		if d := y[t] - y[t-1]; !math.IsNaN(d) {
			ss += d * d
			k++
		}
	}
	if k == 0 {
		return 0
	}
	return math.Sqrt(ss / float64(k))
}
