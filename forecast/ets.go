package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// etsSpec names one model of the ETS family (Hyndman et al. 2008):
// additive or multiplicative errors, no, additive or damped trend, and no,
// additive or multiplicative seasonality.
type etsSpec struct {
	errM   bool
	trend  byte // 'N', 'A' or 'D' (damped additive)
	season byte // 'N', 'A' or 'M'
}

func (s etsSpec) String() string {
	e, t := "A", string(s.trend)
	if s.errM {
		e = "M"
	}
	if s.trend == 'D' {
		t = "Ad"
	}
	return "ETS(" + e + "," + t + "," + string(s.season) + ")"
}

// linear reports whether the model is linear (class 1 of Hyndman et al.
// 2008), whose prediction variance has a closed form.
func (s etsSpec) linear() bool { return !s.errM && s.season != 'M' }

// etsModel is a fitted ETS model and its final state.
type etsModel struct {
	spec                    etsSpec
	m                       int
	alpha, beta, gamma, phi float64
	l, b                    float64   // final level and trend
	seas                    []float64 // final seasonal states, indexed by t mod m
	n                       int
	sigma2                  float64
	df                      float64 // residual degrees of freedom
	aicc                    float64
}

// Usual bounds on the smoothing parameters, as forecast::ets.
const (
	parLo, parHi = 1e-4, 0.9999
	phiLo, phiHi = 0.8, 0.98
)

// etsFilter runs the state-space recursions (the same update equations as
// forecast's etscalc.c, which serve both error types) over y from level l,
// trend b and seasonal states seas (updated in place). It returns the sum of
// squared errors (relative errors for multiplicative errors), the sum of
// log|ŷ| and the final level and trend. ok is false when a multiplicative
// model's one-step forecast reaches zero. It does not allocate.
func etsFilter(y []float64, sp etsSpec, m int, alpha, beta, gamma, phi, l, b float64, seas []float64) (sse, sumLog, lEnd, bEnd float64, ok bool) {
	const tol = 1e-10
	if sp.trend == 'A' {
		phi = 1
	}
	// Σ log|ŷ| is kept as a product of mantissas and a sum of exponents:
	// a logarithm per step would double the cost of the filter.
	mant, exp := 1.0, 0
	for t, yt := range y {
		q, phib := l, 0.0
		if sp.trend != 'N' {
			phib = phi * b
			q = l + phib
		}
		var sv float64
		yhat := q
		switch sp.season {
		case 'A':
			sv = seas[t%m]
			yhat = q + sv
		case 'M':
			sv = seas[t%m]
			yhat = q * sv
		}
		e := yt - yhat
		if sp.errM {
			if math.Abs(yhat) < tol {
				return 0, 0, l, b, false
			}
			e /= yhat
			fm, fe := math.Frexp(math.Abs(yhat))
			mant *= fm
			exp += fe
			if mant < 0x1p-500 {
				fm, fe = math.Frexp(mant)
				mant, exp = fm, exp+fe
			}
		}
		sse += e * e
		p := yt
		switch sp.season {
		case 'A':
			p = yt - sv
		case 'M':
			if math.Abs(sv) < tol {
				return 0, 0, l, b, false
			}
			p = yt / sv
		}
		nl := q + alpha*(p-q)
		if sp.trend != 'N' {
			b = phib + (beta/alpha)*(nl-l-phib)
		}
		switch sp.season {
		case 'A':
			seas[t%m] = sv + gamma*(yt-q-sv)
		case 'M':
			if math.Abs(q) < tol {
				return 0, 0, l, b, false
			}
			seas[t%m] = sv + gamma*(yt/q-sv)
		}
		l = nl
	}
	if sp.errM {
		sumLog = math.Log(mant) + float64(exp)*math.Ln2
	}
	return sse, sumLog, l, b, !math.IsNaN(sse) && !math.IsInf(sse, 0)
}

// etsProblem is the likelihood of one model specification as a function of
// the free parameters: the smoothing parameters on a logistic scale (so the
// bounds hold without penalties) and the initial level and trend as offsets
// from their heuristic values. Buffers are preallocated: evaluating it does
// not allocate.
type etsProblem struct {
	y              []float64
	sp             etsSpec
	m              int
	l0, b0         float64
	lScale, bScale float64
	seas0, seas    []float64
}

func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

func logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// params maps the free vector to the model's parameters.
func (p *etsProblem) params(u []float64) (alpha, beta, gamma, phi, l0, b0 float64) {
	i := 0
	alpha = parLo + (parHi-parLo)*logistic(u[i])
	i++
	beta, phi, b0 = 0, 1, 0
	if p.sp.trend != 'N' {
		beta = parLo + max(alpha-parLo, 0)*logistic(u[i])
		i++
	}
	if p.sp.season != 'N' {
		gamma = parLo + max(1-alpha-parLo, 0)*logistic(u[i])
		i++
	}
	if p.sp.trend == 'D' {
		phi = phiLo + (phiHi-phiLo)*logistic(u[i])
		i++
	}
	l0 = p.l0 + p.lScale*u[i]
	i++
	if p.sp.trend != 'N' {
		b0 = p.b0 + p.bScale*u[i]
	}
	return
}

// start is the free vector of forecast::ets's starting values.
func (p *etsProblem) start() []float64 {
	mm := 1.0
	if p.sp.season != 'N' {
		mm = float64(p.m)
	}
	alpha := parLo + 0.2*(parHi-parLo)/mm
	u := []float64{logit((alpha - parLo) / (parHi - parLo))}
	if p.sp.trend != 'N' {
		u = append(u, logit(0.1))
	}
	if p.sp.season != 'N' {
		u = append(u, logit(0.05))
	}
	if p.sp.trend == 'D' {
		u = append(u, logit(0.99))
	}
	u = append(u, 0)
	if p.sp.trend != 'N' {
		u = append(u, 0)
	}
	return u
}

// lik is -2 log-likelihood up to a constant common to all models: n log SSE,
// plus 2 Σ log|ŷ| for multiplicative errors.
func (p *etsProblem) lik(u []float64) float64 {
	alpha, beta, gamma, phi, l0, b0 := p.params(u)
	copy(p.seas, p.seas0)
	sse, sumLog, _, _, ok := etsFilter(p.y, p.sp, p.m, alpha, beta, gamma, phi, l0, b0, p.seas)
	if !ok {
		return math.Inf(1)
	}
	n := float64(len(p.y))
	// A perfect fit (a constant series) would give log 0.
	sse = max(sse, 1e-12*n)
	return n*math.Log(sse) + 2*sumLog
}

// nParams is the number of estimated parameters as forecast::ets counts them
// for the AICc: smoothing parameters, initial states and the variance.
func (sp etsSpec) nParams(m int) int {
	k := 3 // alpha, l0, sigma²
	if sp.trend != 'N' {
		k += 2
	}
	if sp.trend == 'D' {
		k++
	}
	if sp.season != 'N' {
		k += 1 + m - 1
	}
	return k
}

// etsInit computes the heuristic initial states of Hyndman et al. (2002), as
// forecast::ets: seasonal indices from a classical decomposition of the
// first three years, level and trend from a regression on the first
// max(10, 2m) seasonally adjusted values.
func etsInit(y []float64, sp etsSpec, m int) (l0, b0 float64, seas []float64, ok bool) {
	ya := y
	if sp.season != 'N' {
		fig, ok := seasonalFigure(y[:min(len(y), 3*m)], m, sp.season == 'M')
		if !ok {
			return 0, 0, nil, false
		}
		if sp.season == 'M' {
			for i := range fig {
				fig[i] = max(fig[i], 1e-2)
			}
		}
		seas = fig
		ya = make([]float64, min(len(y), max(10, 2*m)))
		for t := range ya {
			if sp.season == 'A' {
				ya[t] = y[t] - fig[t%m]
			} else {
				ya[t] = y[t] / fig[t%m]
			}
		}
	}
	k := min(len(ya), max(10, 2*m))
	if sp.trend == 'N' {
		return stat.Mean(ya[:k], nil), 0, seas, true
	}
	x := make([]float64, k)
	for i := range x {
		x[i] = float64(i + 1)
	}
	a, b := stat.LinearRegression(x, ya[:k], nil, false)
	// The regression gives the level at t = 0, one step before y[0].
	return a, b, seas, true
}

// fitETS fits one specification by Nelder–Mead (as R's optim) and returns
// the model with its AICc.
func fitETS(y []float64, sp etsSpec, m int) (*etsModel, error) {
	n := len(y)
	if sp.season == 'N' {
		m = 1
	}
	k := sp.nParams(m)
	if n <= k+1 {
		return nil, fmt.Errorf("%v: %d values for %d parameters: %w", sp, n, k, ErrTooShort)
	}
	if (sp.errM || sp.season == 'M') && !positive(y) {
		return nil, fmt.Errorf("%v: data not positive: %w", sp, ErrFit)
	}
	l0, b0, seas0, ok := etsInit(y, sp, m)
	if !ok {
		return nil, fmt.Errorf("%v: initial states: %w", sp, ErrFit)
	}
	if seas0 == nil {
		seas0 = []float64{0}
	}
	sd := stat.StdDev(y, nil)
	if !(sd > 0) {
		sd = math.Max(math.Abs(stat.Mean(y, nil)), 1)
	}
	p := &etsProblem{y: y, sp: sp, m: m, l0: l0, b0: b0, lScale: 0.2 * sd, bScale: 0.02 * sd,
		seas0: seas0, seas: make([]float64, len(seas0))}
	u0 := p.start()
	res, _ := optimize.Minimize(optimize.Problem{Func: p.lik}, u0, &optimize.Settings{
		FuncEvaluations: 100 + 50*len(u0),
		Converger:       &optimize.FunctionConverge{Relative: 1e-7, Absolute: 1e-9, Iterations: 12},
	}, &optimize.NelderMead{SimplexSize: 0.5})
	// A run that stops at its evaluation limit still holds its best point.
	u := u0
	if res != nil && res.X != nil {
		u = res.X
	}
	alpha, beta, gamma, phi, l0, b0 := p.params(u)
	seas := slices.Clone(seas0)
	sse, sumLog, l, b, ok := etsFilter(y, sp, m, alpha, beta, gamma, phi, l0, b0, seas)
	if !ok {
		return nil, fmt.Errorf("%v: %w", sp, ErrFit)
	}
	fn := float64(n)
	lik := fn*math.Log(max(sse, 1e-12*fn)) + 2*sumLog
	fk := float64(k)
	aicc := lik + 2*fk + 2*fk*(fk+1)/(fn-fk-1)
	if math.IsNaN(aicc) {
		return nil, fmt.Errorf("%v: %w", sp, ErrFit)
	}
	if sp.trend == 'A' {
		phi = 1
	}
	return &etsModel{spec: sp, m: m, alpha: alpha, beta: beta, gamma: gamma, phi: phi,
		l: l, b: b, seas: seas, n: n, sigma2: sse / max(fn-fk, 1), df: fn - fk, aicc: aicc}, nil
}

// etsCandidates lists the models forecast::ets searches by default: no
// additive errors with multiplicative seasonality, multiplicative parts only
// for positive data, seasonality only for 1 < m ≤ 24 with at least two
// cycles of data.
func etsCandidates(y []float64, m int) []etsSpec {
	pos := positive(y)
	seasons := []byte{'N'}
	if m > 1 && m <= 24 && len(y) >= 2*m {
		seasons = append(seasons, 'A')
		if pos {
			seasons = append(seasons, 'M')
		}
	}
	var out []etsSpec
	for _, errM := range []bool{false, true} {
		if errM && !pos {
			continue
		}
		for _, tr := range []byte{'N', 'A', 'D'} {
			for _, se := range seasons {
				if !errM && se == 'M' {
					continue
				}
				out = append(out, etsSpec{errM: errM, trend: tr, season: se})
			}
		}
	}
	return out
}

// autoETS fits the candidates and keeps the one with the smallest AICc.
func autoETS(y []float64, m int, specs []etsSpec) (*etsModel, error) {
	var best *etsModel
	var firstErr error
	for _, sp := range specs {
		fit, err := fitETS(y, sp, m)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if best == nil || fit.aicc < best.aicc {
			best = fit
		}
	}
	if best == nil {
		if firstErr == nil {
			firstErr = fmt.Errorf("no candidate model: %w", ErrTooShort)
		}
		return nil, firstErr
	}
	return best, nil
}

// point returns the h-step point forecasts from the final state.
func (e *etsModel) point(h int) []float64 {
	out := make([]float64, h)
	var damp float64 // Σ_{i=1..j} φ^i
	pj := 1.0
	for j := 1; j <= h; j++ {
		pj *= e.phi
		damp += pj
		q := e.l
		if e.spec.trend != 'N' {
			q += damp * e.b
		}
		switch e.spec.season {
		case 'A':
			q += e.seas[(e.n-1+j)%e.m]
		case 'M':
			q *= e.seas[(e.n-1+j)%e.m]
		}
		out[j-1] = q
	}
	return out
}

// forecast returns the point forecasts with intervals: analytic for the
// linear models, from simulated sample paths for the others.
func (e *etsModel) forecast(key string, h int, rng *rand.Rand) Forecast {
	mean := e.point(h)
	if e.spec.linear() {
		se := make([]float64, h)
		var v, damp float64
		pj := 1.0
		for j := 1; j <= h; j++ {
			se[j-1] = math.Sqrt(e.sigma2 * (1 + v))
			pj *= e.phi
			damp += pj
			c := e.alpha
			if e.spec.trend != 'N' {
				c += e.beta * damp
			}
			if e.spec.season != 'N' && j%e.m == 0 {
				c += e.gamma
			}
			v += c * c
		}
		return normalForecast(key, e.spec.String(), mean, se, e.df)
	}
	return e.simulate(key, mean, rng)
}

const simPaths = 1000

// simulate draws sample paths from the fitted model and takes their
// quantiles as the intervals.
func (e *etsModel) simulate(key string, mean []float64, rng *rand.Rand) Forecast {
	h := len(mean)
	draws := make([]float64, h*simPaths)
	seas := make([]float64, len(e.seas))
	sigma := math.Sqrt(e.sigma2)
	one := []float64{0}
	for p := 0; p < simPaths; p++ {
		copy(seas, e.seas)
		l, b := e.l, e.b
		for j := 0; j < h; j++ {
			t := e.n + j
			// One step of the model: forecast, draw, update.
			q := l
			if e.spec.trend != 'N' {
				q += e.phi * b
			}
			yhat := q
			switch e.spec.season {
			case 'A':
				yhat += seas[t%e.m]
			case 'M':
				yhat *= seas[t%e.m]
			}
			eps := sigma * rng.NormFloat64()
			y := yhat + eps
			if e.spec.errM {
				y = yhat * (1 + eps)
			}
			// Update the states with y: etsFilter on one value, given
			// only the seasonal state of position t (as a cycle of 1).
			one[0] = y
			var ok bool
			if e.spec.season == 'N' {
				_, _, l, b, ok = etsFilter(one, e.spec, 1, e.alpha, e.beta, e.gamma, e.phi, l, b, seas)
			} else {
				_, _, l, b, ok = etsFilter(one, e.spec, 1, e.alpha, e.beta, e.gamma, e.phi, l, b, seas[t%e.m:t%e.m+1])
			}
			if !ok {
				y = yhat
			}
			draws[j*simPaths+p] = y
		}
	}
	f := Forecast{Key: key, Model: e.spec.String(), Mean: mean,
		Lo80: make([]float64, h), Hi80: make([]float64, h), Lo95: make([]float64, h), Hi95: make([]float64, h)}
	for j := 0; j < h; j++ {
		d := draws[j*simPaths : (j+1)*simPaths]
		slices.Sort(d)
		f.Lo95[j] = stat.Quantile(0.025, stat.LinInterp, d, nil)
		f.Lo80[j] = stat.Quantile(0.10, stat.LinInterp, d, nil)
		f.Hi80[j] = stat.Quantile(0.90, stat.LinInterp, d, nil)
		f.Hi95[j] = stat.Quantile(0.975, stat.LinInterp, d, nil)
	}
	// The paths draw normal errors; stretch them to Student's t as the
	// analytic intervals, for the estimated variance.
	q80, q95 := quantiles(e.df)
	s80, s95 := q80/z80, q95/z95
	for j, m := range mean {
		f.Lo80[j], f.Hi80[j] = m-(m-f.Lo80[j])*s80, m+(f.Hi80[j]-m)*s80
		f.Lo95[j], f.Hi95[j] = m-(m-f.Lo95[j])*s95, m+(f.Hi95[j]-m)*s95
	}
	f.order()
	return f
}

// order widens the intervals where needed so that they nest around the mean.
func (f *Forecast) order() {
	for i, m := range f.Mean {
		f.Lo80[i] = min(f.Lo80[i], m)
		f.Lo95[i] = min(f.Lo95[i], f.Lo80[i])
		f.Hi80[i] = max(f.Hi80[i], m)
		f.Hi95[i] = max(f.Hi95[i], f.Hi80[i])
	}
}
