package forecast

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// pool combines forecasts as a linear opinion pool (Stone 1961): the mean is
// the weighted mean of the members' means and the intervals are quantiles of
// the weighted mixture of their predictive distributions. Averaging the
// members' interval bounds instead would ignore how far the members
// disagree, so the pool's intervals would be no wider when its members
// point in different directions; the mixture widens by exactly that
// disagreement. Each member's distribution is the one whose quantiles are
// its interval bounds and whose median is its mean, normal in between
// (see memberCDF).
func pool(key string, fs []Forecast, w []float64, h int) Forecast {
	out := Forecast{Key: key, Model: "combination",
		Mean: make([]float64, h), Lo80: make([]float64, h), Hi80: make([]float64, h), Lo95: make([]float64, h), Hi95: make([]float64, h)}
	levels := []struct {
		p    float64
		dest []float64
		of   func(Forecast) []float64
	}{
		{0.025, out.Lo95, func(f Forecast) []float64 { return f.Lo95 }},
		{0.1, out.Lo80, func(f Forecast) []float64 { return f.Lo80 }},
		{0.9, out.Hi80, func(f Forecast) []float64 { return f.Hi80 }},
		{0.975, out.Hi95, func(f Forecast) []float64 { return f.Hi95 }},
	}
	for j := range h {
		for i, f := range fs {
			out.Mean[j] += w[i] * f.Mean[j]
		}
		cdf := func(x float64) float64 {
			var c float64
			for i, f := range fs {
				c += w[i] * memberCDF(f, j, x)
			}
			return c
		}
		for _, l := range levels {
			// The mixture's p-quantile lies between the smallest and the
			// largest of the members' p-quantiles.
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, f := range fs {
				lo, hi = min(lo, l.of(f)[j]), max(hi, l.of(f)[j])
			}
			l.dest[j] = quantileBetween(cdf, l.p, lo, hi)
		}
	}
	out.order()
	return out
}

// quantileBetween solves cdf(x) = p for x in [lo, hi], cdf non-decreasing
// with cdf(lo) ≤ p ≤ cdf(hi), to a relative width of 1e-9: by the Illinois
// method (regula falsi whose retained end's value is halved, so that both
// ends move), which needs a handful of evaluations of the mixture's cdf
// where bisection needed thirty; a step that would not shrink the bracket
// bisects instead, so that a cdf that jumps over p still converges, to the
// jump.
func quantileBetween(cdf func(float64) float64, p, lo, hi float64) float64 {
	flo, fhi := cdf(lo)-p, cdf(hi)-p
	side := 0
	for range 100 {
		if hi-lo <= 1e-9*max(math.Abs(lo), math.Abs(hi), 1) {
			break
		}
		x := (lo + hi) / 2
		if fhi != flo {
			if r := (lo*fhi - hi*flo) / (fhi - flo); r > lo && r < hi {
				x = r
			}
		}
		if fx := cdf(x) - p; fx < 0 {
			lo, flo = x, fx
			if side == -1 {
				fhi /= 2
			}
			side = -1
		} else {
			hi, fhi = x, fx
			if side == 1 {
				flo /= 2
			}
			side = 1
		}
	}
	return (lo + hi) / 2
}

// memberCDF is P(Y ≤ x) under the member's forecast at step j: x is mapped
// to a standard normal z piecewise linearly through the knots Lo95 → −z95,
// Lo80 → −z80, Mean → 0, Hi80 → z80, Hi95 → z95 (the outer pieces
// extended), so that the member's own bounds are its quantiles whatever
// its shape (normal, Student's t, log-normal).
func memberCDF(f Forecast, j int, x float64) float64 {
	xs := [5]float64{f.Lo95[j], f.Lo80[j], f.Mean[j], f.Hi80[j], f.Hi95[j]}
	zs := [5]float64{-z95, -z80, 0, z80, z95}
	// A zero-width piece is a point mass: step over it.
	k := 0
	for k < 4 && x >= xs[k+1] {
		k++
	}
	if k == 4 {
		k = 3
	}
	var z float64
	if d := xs[k+1] - xs[k]; d > 0 {
		z = zs[k] + (x-xs[k])*(zs[k+1]-zs[k])/d
	} else if x < xs[k] {
		z = math.Inf(-1)
	} else {
		z = math.Inf(1)
	}
	return distuv.UnitNormal.CDF(z)
}
