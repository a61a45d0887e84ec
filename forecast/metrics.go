package forecast

import "math"

// Score scores a forecast against the held-out values that followed train,
// with the M4 definitions of ../shared/peer/score.py: sMAPE (0/0 counts as
// 0), MASE scaled by the in-sample mean absolute lag-m difference (lag 1
// when the history is no longer than m; pairs with a missing value are
// skipped), the coverage of the 80 % and 95 %
// intervals and the MSIS of the 95 % interval. MASE and MSIS are NaN when
// the scale is zero (constant history). Only the first len(test) steps
// count, and of those only the observed: a missing value (an excluded
// period) is not scored.
func Score(train, test []float64, f Forecast, m int) Accuracy {
	a := Accuracy{Key: f.Key, Model: f.Model, Origins: 1}
	h := min(len(test), len(f.Mean))
	if h == 0 {
		a.MASE, a.SMAPE, a.Coverage80, a.Coverage95, a.MSIS = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return a
	}
	scale := seasonalScale(train, m)
	var smape, ae, c80, c95, is float64
	const alpha = 0.05
	k := 0
	for i := range h {
		y, fc := test[i], f.Mean[i]
		if math.IsNaN(y) {
			// An excluded period is not scored.
			continue
		}
		k++
		if den := math.Abs(y) + math.Abs(fc); den > 0 {
			smape += 200 * math.Abs(y-fc) / den
		}
		ae += math.Abs(y - fc)
		if f.Lo80[i] <= y && y <= f.Hi80[i] {
			c80++
		}
		lo, hi := f.Lo95[i], f.Hi95[i]
		if lo <= y && y <= hi {
			c95++
		}
		is += hi - lo
		if y < lo {
			is += 2 / alpha * (lo - y)
		}
		if y > hi {
			is += 2 / alpha * (y - hi)
		}
	}
	if k == 0 {
		a.MASE, a.SMAPE, a.Coverage80, a.Coverage95, a.MSIS = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return a
	}
	fh := float64(k)
	a.SMAPE, a.Coverage80, a.Coverage95 = smape/fh, c80/fh, c95/fh
	a.MASE, a.MSIS = math.NaN(), math.NaN()
	if scale > 0 {
		a.MASE, a.MSIS = ae/fh/scale, is/fh/scale
	}
	return a
}

// seasonalScale is the in-sample mean absolute lag-m difference, with m = 1
// when the history is no longer than m, as the M4 code.
func seasonalScale(y []float64, m int) float64 {
	m = max(m, 1)
	if len(y) <= m {
		m = 1
	}
	if len(y) <= m {
		return math.NaN()
	}
	var s float64
	k := 0
	for t := m; t < len(y); t++ {
		if d := math.Abs(y[t] - y[t-m]); !math.IsNaN(d) {
			s += d
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

// meanAccuracy averages per-origin scores, skipping NaNs in each measure.
func meanAccuracy(scores []Accuracy) Accuracy {
	if len(scores) == 0 {
		return Accuracy{}
	}
	out := Accuracy{Key: scores[0].Key, Model: scores[0].Model, Origins: len(scores)}
	fields := []func(*Accuracy) *float64{
		func(a *Accuracy) *float64 { return &a.MASE },
		func(a *Accuracy) *float64 { return &a.SMAPE },
		func(a *Accuracy) *float64 { return &a.Coverage80 },
		func(a *Accuracy) *float64 { return &a.Coverage95 },
		func(a *Accuracy) *float64 { return &a.MSIS },
	}
	for _, field := range fields {
		var s float64
		k := 0
		for i := range scores {
			if v := *field(&scores[i]); !math.IsNaN(v) {
				s += v
				k++
			}
		}
		*field(&out) = math.NaN()
		if k > 0 {
			*field(&out) = s / float64(k)
		}
	}
	return out
}
