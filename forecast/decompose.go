package forecast

import (
	"math"

	"gonum.org/v1/gonum/stat"
)

// seasonalFigure is the seasonal component of a classical decomposition
// (R's decompose): the series is detrended by a centred moving average of
// order m (2×m for even m), the detrended values are averaged by position in
// the cycle and normalised to sum to 0 (additive) or average 1
// (multiplicative). Index i is the position t mod m, t counted from y[0].
// It needs at least 2m values; ok is false otherwise or when a
// multiplicative trend is not positive.
func seasonalFigure(y []float64, m int, mult bool) (fig []float64, ok bool) {
	n := len(y)
	if m < 2 || n < 2*m {
		return nil, false
	}
	half := m / 2
	sum := make([]float64, m)
	cnt := make([]int, m)
	for t := half; t+half < n; t++ {
		tr := centredMA(y, m, t)
		var d float64
		if mult {
			if !(tr > 0) {
				return nil, false
			}
			d = y[t] / tr
		} else {
			d = y[t] - tr
		}
		sum[t%m] += d
		cnt[t%m]++
	}
	fig = sum
	var mean float64
	for i := range fig {
		if cnt[i] == 0 {
			return nil, false
		}
		fig[i] /= float64(cnt[i])
		mean += fig[i]
	}
	mean /= float64(m)
	for i := range fig {
		if mult {
			if !(mean > 0) {
				return nil, false
			}
			fig[i] /= mean
		} else {
			fig[i] -= mean
		}
	}
	return fig, true
}

// centredMA is the centred moving average of order m (2×m for even m) at
// t, which needs m/2 values either side.
func centredMA(y []float64, m, t int) float64 {
	half := m / 2
	var tr float64
	if m%2 == 0 {
		tr = 0.5*y[t-half] + 0.5*y[t+half]
		for j := t - half + 1; j < t+half; j++ {
			tr += y[j]
		}
	} else {
		for j := t - half; j <= t+half; j++ {
			tr += y[j]
		}
	}
	return tr / float64(m)
}

// acf returns the sample autocorrelations of y at lags 1..maxLag.
func acf(y []float64, maxLag int) []float64 {
	mean := stat.Mean(y, nil)
	var den float64
	for _, v := range y {
		den += (v - mean) * (v - mean)
	}
	r := make([]float64, maxLag)
	if den == 0 {
		return r
	}
	for k := 1; k <= maxLag && k < len(y); k++ {
		var s float64
		for t := 0; t+k < len(y); t++ {
			s += (y[t] - mean) * (y[t+k] - mean)
		}
		r[k-1] = s / den
	}
	return r
}

// seasonalTest is forecast::thetaf's test: the autocorrelation at lag m is
// significant at 90 % against Bartlett's standard error. It needs more than
// 2m values.
func seasonalTest(y []float64, m int) bool {
	n := len(y)
	if m < 2 || n <= 2*m || constant(y) {
		return false
	}
	r := acf(y, m)
	var s float64
	for _, v := range r[:m-1] {
		s += v * v
	}
	se := math.Sqrt((1 + 2*s) / float64(n))
	return math.Abs(r[m-1])/se > 1.6448536269514722
}

// constant reports whether all values are equal.
func constant(y []float64) bool {
	for _, v := range y {
		if v != y[0] {
			return false
		}
	}
	return true
}
