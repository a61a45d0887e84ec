package forecast

import (
	"fmt"
	"math"

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
// terms avoid. Missing values (NaN) are left out of the regression and
// left missing for ETS. d is the series' split (fourierAdjust), which
// fourierARIMA shares.
func fourierETS(key string, d *fourierFit, h int) (Forecast, error) {
	var specs []etsSpec
	for _, sp := range etsCandidates(d.adj, 1) {
		// The log scale is already taken; additive errors keep the
		// adjusted series' forecast normal on that scale.
		if !sp.errM {
			specs = append(specs, sp)
		}
	}
	model, err := autoETS(d.adj, 1, specs)
	if err != nil {
		return Forecast{}, fmt.Errorf("stl: %w", err)
	}
	mu, se := model.meanSE(h)
	return d.forecast(key, "stl", mu, se, model.df), nil
}

// fourierARIMA is ARIMA for long seasonal periods, a dynamic harmonic
// regression (Hyndman & Athanasopoulos, fpp §12.1): the Fourier pattern of
// fourierETS, and non-seasonal automatic ARIMA for the adjusted series, in
// two steps rather than jointly. A seasonal ARIMA cannot difference at a
// fractional lag of 52.18, and one at lag 52 would need years of data per
// seasonal coefficient.
func fourierARIMA(key string, d *fourierFit, h int) (Forecast, error) {
	model, err := autoARIMA(d.adj, 1)
	if err != nil {
		return Forecast{}, err
	}
	mu, se := model.meanSE(h)
	return d.forecast(key, "arima", mu, se, float64(model.nObs)), nil
}

// fourierFit is a series split into its Fourier seasonal pattern and the
// seasonally adjusted rest, on the log scale for positive series.
type fourierFit struct {
	adj      []float64
	seasonal func(t int) float64
	logScale bool
}

// fourierAdjust fits the Fourier seasonal pattern of y (K pairs and a
// linear trend by least squares, K by AICc) and returns y without it.
func fourierAdjust(y []float64, per float64) (*fourierFit, error) {
	if per < 2 || float64(observed(y)) < per+4 {
		return nil, fmt.Errorf("%d values for period %.2f: %w", len(y), per, ErrTooShort)
	}
	// Positive series are modelled on the log scale, so that the seasonal
	// swing grows with the level and forecasts stay positive.
	logScale := positive(y)
	if logScale {
		y = logOf(y)
	}
	reg, err := fitFourier(y, per, nil)
	if err != nil {
		return nil, err
	}
	return reg.split(y, logScale), nil
}

// split is y (on the log scale if logScale) without r's Fourier pattern.
func (r *fourierRegression) split(y []float64, logScale bool) *fourierFit {
	adj := make([]float64, len(y))
	for t := range adj {
		adj[t] = y[t] - r.seasonal(t)
	}
	return &fourierFit{adj: adj, seasonal: r.seasonal, logScale: logScale}
}

// logOf returns the natural logarithms of y (NaN stays NaN).
func logOf(y []float64) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		out[t] = math.Log(v)
	}
	return out
}

// A fourierRegression is y regressed on an intercept, a linear trend, K
// Fourier pairs at the period and any extra columns, by least squares.
type fourierRegression struct {
	beta *mat.VecDense
	k    int
	per  float64
	aicc float64
}

// fitFourier fits the regression over y's observed values, K = 1…10 (at
// most half the period) chosen by AICc. extra columns, if any, have y's
// length.
func fitFourier(y []float64, per float64, extra [][]float64) (*fourierRegression, error) {
	var obs []int
	for t, v := range y {
		if !math.IsNaN(v) {
			obs = append(obs, t)
		}
	}
	no := len(obs)
	yo := make([]float64, no)
	for i, t := range obs {
		yo[i] = y[t]
	}
	yv := mat.NewVecDense(no, yo)
	var best *fourierRegression
	for k := 1; k <= min(10, int(per/2)); k++ {
		p := 2 + 2*k + len(extra)
		if no-p-1 <= 0 || p > no/2 {
			break
		}
		x := fourierDesign(obs, per, k, extra)
		var beta mat.VecDense
		if err := beta.SolveVec(x, yv); err != nil {
			continue
		}
		var fit mat.VecDense
		fit.MulVec(x, &beta)
		var rss float64
		for i := range no {
			d := yo[i] - fit.AtVec(i)
			rss += d * d
		}
		fn, fp := float64(no), float64(p)
		aicc := fn*math.Log(max(rss, 1e-12)/fn) + 2*fp + 2*fp*(fp+1)/(fn-fp-1)
		if best == nil || aicc < best.aicc {
			best = &fourierRegression{beta: &beta, k: k, per: per, aicc: aicc}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no Fourier fit: %w", ErrFit)
	}
	return best, nil
}

// seasonal is the Fourier pattern at period t.
func (r *fourierRegression) seasonal(t int) float64 {
	var s float64
	for k := 1; k <= r.k; k++ {
		w := 2 * math.Pi * float64(k) * float64(t) / r.per
		s += r.beta.AtVec(2*k)*math.Sin(w) + r.beta.AtVec(2*k+1)*math.Cos(w)
	}
	return s
}

// extra is the coefficient of the i-th extra column.
func (r *fourierRegression) extra(i int) float64 { return r.beta.AtVec(2 + 2*r.k + i) }

// forecast adds the seasonal pattern back to forecasts mu ± se of the
// adjusted series (on the log scale, the log-normal mean and quantiles).
func (d *fourierFit) forecast(key, model string, mu, se []float64, df float64) Forecast {
	n := len(d.adj)
	for j := range mu {
		mu[j] += d.seasonal(n + j)
	}
	f := normalForecast(key, model, mu, se, df)
	if d.logScale {
		f.expBack(se)
	}
	return f
}

// fourierDesign is the regression design for the times ts: intercept,
// time, k sine–cosine pairs at the period and the extra columns.
func fourierDesign(ts []int, per float64, k int, extra [][]float64) *mat.Dense {
	x := mat.NewDense(len(ts), 2+2*k+len(extra), nil)
	for i, ti := range ts {
		t := float64(ti)
		x.Set(i, 0, 1)
		x.Set(i, 1, t)
		for j := 1; j <= k; j++ {
			w := 2 * math.Pi * float64(j) * t / per
			x.Set(i, 2*j, math.Sin(w))
			x.Set(i, 2*j+1, math.Cos(w))
		}
		for c, col := range extra {
			x.Set(i, 2+2*k+c, col[ti])
		}
	}
	return x
}
