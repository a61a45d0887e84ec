package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// period is the seasonal period of a frequency: weekly data repeat every
// 365.25/7 ≈ 52.18 weeks, not 52.
func period(freq int) float64 {
	if freq == 52 {
		return 365.25 / 7
	}
	return float64(max(freq, 1))
}

// fourierETS is the long-seasonal method: the seasonal pattern is a sum of
// K Fourier pairs at the (possibly non-integer) period, fitted by least
// squares together with a linear trend and K chosen by AICc; the seasonally
// adjusted series is forecast by non-seasonal ETS chosen by AICc, and the
// Fourier pattern is added back. ETS cannot hold 52 seasonal states, and a
// loess STL has the same weakness with a fractional period that Fourier
// terms avoid.
func fourierETS(key string, y []float64, per float64, h int, rng *rand.Rand) (Forecast, error) {
	n := len(y)
	if per < 2 || float64(n) < per+4 {
		return Forecast{}, fmt.Errorf("stl: %d values for period %.2f: %w", n, per, ErrTooShort)
	}
	// Positive series are modelled on the log scale, so that the seasonal
	// swing grows with the level and forecasts stay positive.
	logScale := positive(y)
	if logScale {
		ly := make([]float64, n)
		for t, v := range y {
			ly[t] = math.Log(v)
		}
		y = ly
	}
	maxK := min(10, int(per/2))
	var best *mat.VecDense
	bestK, bestAICc := 0, math.Inf(1)
	yv := mat.NewVecDense(n, y)
	for k := 1; k <= maxK; k++ {
		p := 2 + 2*k
		if n-p-1 <= 0 || p > n/2 {
			break
		}
		x := fourierDesign(0, n, per, k)
		var beta mat.VecDense
		if err := beta.SolveVec(x, yv); err != nil {
			continue
		}
		var fit mat.VecDense
		fit.MulVec(x, &beta)
		var rss float64
		for t := range n {
			d := y[t] - fit.AtVec(t)
			rss += d * d
		}
		fn, fp := float64(n), float64(p)
		aicc := fn*math.Log(max(rss, 1e-12)/fn) + 2*fp + 2*fp*(fp+1)/(fn-fp-1)
		if aicc < bestAICc {
			best, bestK, bestAICc = &beta, k, aicc
		}
	}
	if best == nil {
		return Forecast{}, fmt.Errorf("stl: no Fourier fit: %w", ErrFit)
	}
	seasonal := func(t int) float64 {
		var s float64
		for k := 1; k <= bestK; k++ {
			w := 2 * math.Pi * float64(k) * float64(t) / per
			s += best.AtVec(2*k)*math.Sin(w) + best.AtVec(2*k+1)*math.Cos(w)
		}
		return s
	}
	adj := make([]float64, n)
	for t := range adj {
		adj[t] = y[t] - seasonal(t)
	}
	model, err := autoETS(adj, 1, etsCandidates(adj, 1))
	if err != nil {
		return Forecast{}, fmt.Errorf("stl: %w", err)
	}
	f := model.forecast(key, h, rng)
	for j := range h {
		s := seasonal(n + j)
		for _, v := range [][]float64{f.Mean, f.Lo80, f.Hi80, f.Lo95, f.Hi95} {
			v[j] += s
			if logScale {
				v[j] = math.Exp(min(v[j], 700))
			}
		}
	}
	f.Model = "stl"
	return f, nil
}

// fourierDesign is the regression design for times from..to-1: intercept,
// time and k sine–cosine pairs at the period.
func fourierDesign(from, to int, per float64, k int) *mat.Dense {
	x := mat.NewDense(to-from, 2+2*k, nil)
	for i := range to - from {
		t := float64(from + i)
		x.Set(i, 0, 1)
		x.Set(i, 1, t)
		for j := 1; j <= k; j++ {
			w := 2 * math.Pi * float64(j) * t / per
			x.Set(i, 2*j, math.Sin(w))
			x.Set(i, 2*j+1, math.Cos(w))
		}
	}
	return x
}
