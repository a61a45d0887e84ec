package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
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
// adjusted series is forecast by non-seasonal ETS chosen by AICc
// (fourierETSSpecs), and the Fourier pattern is added back. ETS cannot hold
// 52 seasonal states, and a loess STL has the same weakness with a
// fractional period that Fourier terms avoid. Missing values (NaN) are left
// out of the regression and left missing for ETS. d is the series' split
// (fourierAdjust), which fourierARIMA shares; model is fitted to d.adj.
func fourierETS(key string, d *fourierFit, model *etsModel, h int) Forecast {
	mu, se := model.meanSE(h)
	return d.forecast(key, "stl", mu, se, model.df)
}

// fourierETSSpecs are the ETS models fourierETS chooses among for the
// adjusted series adj: non-seasonal, with additive errors, since the log
// scale is already taken and additive errors keep the forecast normal on it.
func fourierETSSpecs(adj []float64) []etsSpec {
	var specs []etsSpec
	for _, sp := range etsCandidates(adj, 1) {
		if !sp.errM {
			specs = append(specs, sp)
		}
	}
	return specs
}

// fourierARIMA is ARIMA for long seasonal periods, a dynamic harmonic
// regression (Hyndman & Athanasopoulos, fpp §12.1): the Fourier pattern of
// fourierETS, and non-seasonal automatic ARIMA for the adjusted series
// (model, fitted to d.adj), in two steps rather than jointly. A seasonal
// ARIMA cannot difference at a fractional lag of 52.18, and one at lag 52
// would need years of data per seasonal coefficient.
func fourierARIMA(key string, d *fourierFit, model *arimaModel, h int) Forecast {
	mu, se := model.meanSE(h)
	return d.forecast(key, "arima", mu, se, float64(model.nObs))
}

// fourierFit is a series split into its Fourier seasonal pattern and the
// seasonally adjusted rest, on the log scale for positive series.
type fourierFit struct {
	adj      []float64
	reg      *fourierRegression // the pattern
	logScale bool
}

// fourierAdjust fits the Fourier seasonal pattern of y (K pairs and a
// linear trend by least squares, K by AICc unless k > 0 fixes it) and
// returns y without it.
func fourierAdjust(y []float64, per float64, k int) (*fourierFit, error) {
	if per < 2 || float64(observed(y)) < per+4 {
		return nil, fmt.Errorf("%d values for period %.2f: %w", len(y), per, ErrTooShort)
	}
	// Positive series are modelled on the log scale, so that the seasonal
	// swing grows with the level and forecasts stay positive.
	logScale := positive(y)
	if logScale {
		y = logOf(y)
	}
	reg, err := fitFourier(y, per, nil, k)
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
	return &fourierFit{adj: adj, reg: r, logScale: logScale}
}

// logOf returns the natural logarithms of y (NaN stays NaN).
func logOf(y []float64) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		out[t] = math.Log(v)
	}
	return out
}

// A fourierRegression is y regressed on an intercept, a linear trend, any
// extra columns and K Fourier pairs at the period, by least squares.
type fourierRegression struct {
	beta   []float64 // intercept, trend, extra columns, then sin and cos of each pair
	k      int
	nExtra int
	per    float64
	aicc   float64
}

// fitFourier fits the regression over y's observed values, K = 1…10 (at
// most half the period) chosen by AICc, or K = fixedK if that can be fitted.
// extra columns, if any, have y's length.
//
// The Fourier pairs are the design's last columns, so that the design of
// each K is the first columns of the largest one: its Householder QR is
// the leading block of the largest design's, and one factorisation scores
// every K (the residual sum of squares of the first q columns is the sum of
// squares of (Qᵀy)_j for j ≥ q). Fitting each K afresh was most of the
// cost of a weekly series' calendar and seasonal split.
func fitFourier(y []float64, per float64, extra [][]float64, fixedK int) (*fourierRegression, error) {
	var obs []int
	for t, v := range y {
		if !math.IsNaN(v) {
			obs = append(obs, t)
		}
	}
	no := len(obs)
	base := 2 + len(extra)
	kmax := 0
	for k := 1; k <= min(10, int(per/2)); k++ {
		p := base + fourierColumns(k, per)
		if no-p-1 <= 0 || p > no/2 {
			break
		}
		kmax = k
	}
	if kmax == 0 {
		return nil, fmt.Errorf("no Fourier fit: %w", ErrFit)
	}
	lo := 1
	if fixedK >= 1 && fixedK <= kmax {
		lo, kmax = fixedK, fixedK
	}
	p := base + fourierColumns(kmax, per)
	x := fourierDesign(obs, per, kmax, extra).RawMatrix()
	tau := make([]float64, p)
	work := make([]float64, 1)
	lapack64.Geqrf(x, tau, work, -1)
	work = make([]float64, max(int(work[0]), p))
	lapack64.Geqrf(x, tau, work, len(work))
	qty := make([]float64, no)
	for i, t := range obs {
		qty[i] = y[t]
	}
	c := blas64.General{Rows: no, Cols: 1, Stride: 1, Data: qty}
	lapack64.Ormqr(blas.Left, blas.Trans, x, tau, c, work, -1)
	if n := int(work[0]); n > len(work) {
		work = make([]float64, n)
	}
	lapack64.Ormqr(blas.Left, blas.Trans, x, tau, c, work, len(work))
	// rss[q] is the residual sum of squares of the first q columns.
	rss := make([]float64, p+1)
	for _, v := range qty[p:] {
		rss[p] += v * v
	}
	for j := p - 1; j >= 0; j-- {
		rss[j] = rss[j+1] + qty[j]*qty[j]
	}
	r := blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, Stride: x.Stride, Data: x.Data}
	cwork, iwork := make([]float64, 3*p), make([]int, p)
	best := &fourierRegression{aicc: math.Inf(1)}
	for k := lo; k <= kmax; k++ {
		q := base + fourierColumns(k, per)
		r.N = q
		// As mat's least squares would, skip a design too ill-conditioned
		// to solve (e.g. extra columns that are constant over the data).
		if 1/lapack64.Trcon(mat.CondNorm, r, cwork, iwork) > mat.ConditionTolerance {
			continue
		}
		fn, fp := float64(no), float64(q)
		aicc := fn*math.Log(max(rss[q], 1e-12)/fn) + 2*fp + 2*fp*(fp+1)/(fn-fp-1)
		if aicc < best.aicc {
			best = &fourierRegression{k: k, nExtra: len(extra), per: per, aicc: aicc}
		}
	}
	if best.k == 0 && lo > 1 {
		return fitFourier(y, per, extra, 0)
	}
	if best.k == 0 {
		return nil, fmt.Errorf("no Fourier fit: %w", ErrFit)
	}
	q := base + fourierColumns(best.k, per)
	best.beta = clone(qty[:q])
	r.N = q
	blas64.Trsv(blas.NoTrans, r, blas64.Vector{N: q, Inc: 1, Data: best.beta})
	return best, nil
}

// seasonal is the Fourier pattern at period t.
func (r *fourierRegression) seasonal(t int) float64 {
	var s float64
	j := 2 + r.nExtra
	for k := 1; k <= r.k; k++ {
		sin, cos := math.Sincos(2 * math.Pi * float64(k) * float64(t) / r.per)
		if !nyquist(k, r.per) {
			s += r.beta[j] * sin
			j++
		}
		s += r.beta[j] * cos
		j++
	}
	return s
}

// nyquist says whether pair k is at half an even integer period, where the
// sine is zero at every period and only the cosine is a column (as R's
// forecast::fourier has it). The sine computed there is not exactly zero
// but of order 1e-16·t, and its least-squares coefficient, of the inverse
// order, carried rounding noise into the forecasts.
func nyquist(k int, per float64) bool { return float64(2*k) == per }

// fourierColumns is the number of Fourier columns of k pairs.
func fourierColumns(k int, per float64) int {
	if nyquist(k, per) {
		return 2*k - 1
	}
	return 2 * k
}

// extra is the coefficient of the i-th extra column.
func (r *fourierRegression) extra(i int) float64 { return r.beta[2+i] }

// forecast adds the seasonal pattern back to forecasts mu ± se of the
// adjusted series (on the log scale, the log-normal mean and quantiles).
func (d *fourierFit) forecast(key, model string, mu, se []float64, df float64) Forecast {
	n := len(d.adj)
	for j := range mu {
		mu[j] += d.reg.seasonal(n + j)
	}
	f := normalForecast(key, model, mu, se, df)
	if d.logScale {
		f.expBack(se)
	}
	return f
}

// fourierDesign is the regression design for the times ts: intercept,
// time, the extra columns and k sine–cosine pairs at the period (without
// the sine at the Nyquist frequency, see nyquist).
func fourierDesign(ts []int, per float64, k int, extra [][]float64) *mat.Dense {
	base := 2 + len(extra)
	x := mat.NewDense(len(ts), base+fourierColumns(k, per), nil)
	for i, ti := range ts {
		t := float64(ti)
		row := x.RawRowView(i)
		row[0], row[1] = 1, t
		for c, col := range extra {
			row[2+c] = col[ti]
		}
		c := base
		for j := 1; j <= k; j++ {
			sin, cos := math.Sincos(2 * math.Pi * float64(j) * t / per)
			if !nyquist(j, per) {
				row[c] = sin
				c++
			}
			row[c] = cos
			c++
		}
	}
	return x
}
