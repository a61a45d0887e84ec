package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// etsSpec names one model of the ETS family (Hyndman et al. 2008):
// additive or multiplicative errors, no, additive or damped trend, and no,
// additive or multiplicative seasonality (with multiplicative errors only,
// as forecast::ets restricts it).
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

// etsModel is a fitted ETS model and its final state.
type etsModel struct {
	spec                    etsSpec
	m                       int
	alpha, beta, gamma, phi float64
	l, b                    float64   // final level and trend
	seas                    []float64 // final seasonal states, indexed by t mod m
	l0, b0                  float64   // initial level and trend
	seas0                   []float64 // initial seasonal states
	n                       int       // periods, observed or not
	sigma2                  float64   // of the additive or relative errors
	df                      float64   // residual degrees of freedom
	aicc                    float64   // on the scale of y, whatever the spec's scale
}

// Usual bounds on the smoothing parameters, as forecast::ets.
const (
	parLo, parHi = 1e-4, 0.9999
	phiLo, phiHi = 0.8, 0.98
)

// etsFilter runs the state-space recursions (the update equations of
// forecast's etscalc.c, which serve both error types) over y from level l,
// trend b and seasonal states seas (updated in place). A missing value (NaN)
// leaves the states to evolve without correction. It returns the sum of
// squared errors (relative errors for multiplicative errors), the sum of
// log|ŷ| over the observed values and the final level and trend; ok is false
// when a multiplicative-error model's one-step forecast is not positive.
func etsFilter(y []float64, sp etsSpec, m int, alpha, beta, gamma, phi, l, b float64, seas []float64) (sse, sumLog, lEnd, bEnd float64, ok bool) {
	return etsRun(y, sp, m, alpha, beta, gamma, phi, l, b, seas, nil)
}

// etsRun is etsFilter that also stores each observed one-step error in
// errs, if not nil (one per observed value, in order).
func etsRun(y []float64, sp etsSpec, m int, alpha, beta, gamma, phi, l, b float64, seas, errs []float64) (sse, sumLog, lEnd, bEnd float64, ok bool) {
	k := 0
	prod := logProduct{m: 1} // Σ log ŷ
	if sp.trend == 'A' {
		phi = 1
	}
	for t, yt := range y {
		q := l
		if sp.trend != 'N' {
			q += phi * b
		}
		var sv float64
		if sp.season != 'N' {
			sv = seas[t%m]
		}
		if sp.season == 'M' {
			// ŷ = q·s; the level, trend and season are corrected by the
			// seasonally adjusted error, as etscalc.c's update.
			yhat := q * sv
			if !(yhat > 0) || !(q > 0) {
				return 0, 0, l, b, false
			}
			l = q
			if !math.IsNaN(yt) {
				e := (yt - yhat) / yhat
				if errs != nil {
					errs[k] = e
					k++
				}
				sse += e * e
				prod.mul(yhat)
				d := yt/sv - q
				l = q + alpha*d
				if sp.trend != 'N' {
					b = phi*b + beta*d
				}
				seas[t%m] = sv + gamma*(yt/q-sv)
			} else if sp.trend != 'N' {
				b *= phi
			}
			continue
		}
		yhat := q + sv
		e := yt - yhat
		if math.IsNaN(yt) {
			e = 0
		} else {
			re := e
			if sp.errM {
				if !(yhat > 0) {
					return 0, 0, l, b, false
				}
				re = e / yhat
				prod.mul(yhat)
			}
			sse += re * re
			if errs != nil {
				errs[k] = re
				k++
			}
		}
		l = q + alpha*e
		if sp.trend != 'N' {
			b = phi*b + beta*e
		}
		if sp.season == 'A' {
			seas[t%m] = sv + gamma*e
		}
	}
	return sse, prod.log(), l, b, !math.IsNaN(sse) && !math.IsInf(sse, 0)
}

// logProduct accumulates a sum of logarithms of positive numbers as their
// product, a mantissa and a binary exponent, so that the sum costs one
// math.Log instead of one a value: the likelihood of a multiplicative-error
// model needs Σ log ŷ at every evaluation, and math.Log was a fifth of the
// CPU time of forecasting the tourism set.
type logProduct struct {
	m float64
	e int
}

func (p *logProduct) mul(x float64) {
	p.m *= x
	if p.m > 0x1p500 || p.m < 0x1p-500 {
		f, e := math.Frexp(p.m)
		p.m, p.e = f, p.e+e
	}
}

func (p logProduct) log() float64 { return math.Log(p.m) + float64(p.e)*math.Ln2 }

// etsProblem is the likelihood of one specification as a function of the
// smoothing parameters alone. The model is linear in its initial states
// (level, trend and m seasonal states summing to zero), so that for given
// smoothing parameters the one-step errors are e = r − Z x₀ and the initial
// states that minimise the squared errors are a least-squares solution:
// they are profiled out rather than searched for, which is exact for
// additive errors (and a reweighted step for multiplicative errors), and
// leaves the optimiser one to four parameters. A multiplicative season is
// not linear in its initial states: Gauss–Newton steps refine them instead
// (multLik). Buffers are preallocated: evaluating it does not allocate.
type etsProblem struct {
	y  []float64 // NaN where missing
	sp etsSpec
	m  int
	p  int // free initial states
	// Filter columns: 0 runs y from a zero state, column k ≥ 1 runs zero
	// data from the k-th unit initial state.
	l, b, s, yh []float64
	// Rows of Z, r and y for the observed values (for a multiplicative
	// season: the Jacobian, the negated errors and the errors).
	z, r, yo []float64
	ata, atb []float64 // normal equations
	x0       []float64
	w, keep  []float64 // weights and a saved x0 for multiplicative errors
	saved    []float64 // x0 saved by optimise
	irls     int       // reweighting steps for multiplicative errors
	flat     float64   // a multiplicative season's level with no trend (initMult)
	// Initial states held fixed while the smoothing parameters move.
	l0, b0      float64
	seas0, seas []float64
}

func newETSProblem(y []float64, sp etsSpec, m int) *etsProblem {
	if sp.season == 'N' {
		m = 1
	}
	p := 1
	if sp.trend != 'N' {
		p++
	}
	if sp.season != 'N' {
		p += m - 1
	}
	k := p + 1
	nObs := observed(y)
	pr := &etsProblem{y: y, sp: sp, m: m, p: p,
		l: make([]float64, k), b: make([]float64, k), s: make([]float64, m*k), yh: make([]float64, k),
		z: make([]float64, nObs*p), r: make([]float64, nObs), yo: make([]float64, nObs),
		ata: make([]float64, p*p), atb: make([]float64, p), x0: make([]float64, p), w: make([]float64, nObs), keep: make([]float64, p), saved: make([]float64, p),
		seas0: make([]float64, m), seas: make([]float64, m), irls: 1}
	if sp.season == 'M' {
		pr.initMult()
	}
	return pr
}

// observed counts the values that are not NaN.
func observed(y []float64) int {
	n := 0
	for _, v := range y {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

func logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}

// params maps the free vector (logistic scale, so that the usual bounds
// hold without penalties) to the smoothing parameters.
func (p *etsProblem) params(u []float64) (alpha, beta, gamma, phi float64) {
	i := 0
	alpha = parLo + (parHi-parLo)*logistic(u[i])
	i++
	beta, phi = 0, 1
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
		u = append(u, logit(0.9))
	}
	return u
}

// columns runs the filter columns and stores Z and r.
func (p *etsProblem) columns(alpha, beta, gamma, phi float64) {
	k, m := p.p+1, p.m
	clear(p.l)
	clear(p.b)
	clear(p.s)
	p.l[1] = 1
	j := 2
	if p.sp.trend != 'N' {
		p.b[2] = 1
		j = 3
	}
	if p.sp.season == 'A' {
		// The i-th seasonal unit state is s_i = 1, s_{m-1} = −1, so that
		// every initial seasonal pattern sums to zero.
		for i := 0; i < m-1; i++ {
			p.s[i*k+j+i] = 1
			p.s[(m-1)*k+j+i] = -1
		}
	}
	if p.sp.trend == 'A' {
		phi = 1
	}
	row := 0
	for t, yt := range p.y {
		pos := (t % m) * k
		for c := range k {
			q := p.l[c]
			if p.sp.trend != 'N' {
				q += phi * p.b[c]
			}
			p.yh[c] = q + p.s[pos+c]
			p.l[c] = q // updated below with the error
		}
		if math.IsNaN(yt) {
			for c := range k {
				p.b[c] *= phi
			}
			continue
		}
		p.r[row], p.yo[row] = yt-p.yh[0], yt
		copy(p.z[row*p.p:(row+1)*p.p], p.yh[1:])
		for c := range k {
			e := -p.yh[c]
			if c == 0 {
				e = yt - p.yh[0]
			}
			p.l[c] += alpha * e
			if p.sp.trend != 'N' {
				p.b[c] = phi*p.b[c] + beta*e
			}
			if p.sp.season == 'A' {
				p.s[pos+c] += gamma * e
			}
		}
		row++
	}
}

// solve sets x0 to the (weighted, if w != nil) least-squares solution of
// Z x0 ≈ r; ok is false when the normal equations are singular.
func (p *etsProblem) solve(w []float64) bool {
	np := p.p
	clear(p.ata)
	clear(p.atb)
	for t, rt := range p.r {
		zt := p.z[t*np : (t+1)*np]
		wt := 1.0
		if w != nil {
			wt = w[t]
		}
		for i, zi := range zt {
			wz := wt * zi
			p.atb[i] += wz * rt
			row := p.ata[i*np:]
			for j := 0; j <= i; j++ {
				row[j] += wz * zt[j]
			}
		}
	}
	return cholSolve(p.ata, p.atb, p.x0, np)
}

// residual is the t-th observed one-step error for the current x0.
func (p *etsProblem) residual(t int) float64 {
	e := p.r[t]
	for i, zi := range p.z[t*p.p : (t+1)*p.p] {
		e -= zi * p.x0[i]
	}
	return e
}

// relLik is the multiplicative-error likelihood for the current x0:
// n log Σ(e/ŷ)² + 2 Σ log ŷ, infinite when a one-step forecast is not
// positive.
func (p *etsProblem) relLik() float64 {
	var sse float64
	prod := logProduct{m: 1}
	for t := range p.r {
		e := p.residual(t)
		yhat := p.yo[t] - e
		if !(yhat > 0) {
			return math.Inf(1)
		}
		sse += (e / yhat) * (e / yhat)
		prod.mul(yhat)
	}
	return float64(len(p.r))*math.Log(max(sse, 1e-300)) + 2*prod.log()
}

// lik is −2 log-likelihood, up to a constant common to all models of the
// same data, with the initial states profiled out (left in x0): n log SSE,
// plus 2 Σ log ŷ for multiplicative errors.
func (p *etsProblem) lik(u []float64) float64 {
	if p.sp.season == 'M' {
		return p.multLik(u)
	}
	alpha, beta, gamma, phi := p.params(u)
	p.columns(alpha, beta, gamma, phi)
	if !p.solve(nil) {
		return math.Inf(1)
	}
	if !p.sp.errM {
		var sse float64
		for t := range p.r {
			e := p.residual(t)
			sse += e * e
		}
		return float64(len(p.r)) * math.Log(max(sse, 1e-300))
	}
	// Multiplicative errors weight each squared error by 1/ŷ²: one
	// reweighted least-squares step from the unweighted solution, keeping
	// whichever of the two is more likely.
	best := p.relLik()
	if math.IsInf(best, 1) {
		// The unweighted solution is ruled by the largest values and can
		// forecast the smallest below zero (a series that grew
		// twentyfold, its season with it, under an additive season):
		// weigh each error by its observed value instead, as relative
		// errors are, and start from there.
		for t, y := range p.yo {
			p.w[t] = 1 / (y * y)
		}
		if !p.solve(p.w) {
			return math.Inf(1)
		}
		if best = p.relLik(); math.IsInf(best, 1) {
			return best
		}
	}
	for t := range p.r {
		yhat := p.yo[t] - p.residual(t)
		p.w[t] = 1 / (yhat * yhat)
	}
	for range p.irls {
		copy(p.keep, p.x0)
		l := math.Inf(1)
		if p.solve(p.w) {
			l = p.relLik()
		}
		if !(l < best) {
			copy(p.x0, p.keep)
			break
		}
		best = l
		for t := range p.r {
			yhat := p.yo[t] - p.residual(t)
			p.w[t] = 1 / (yhat * yhat)
		}
	}
	return best
}

// initMult sets the initial states of a multiplicative-season model as
// forecast::ets's initstate does: seasonal indices from a classical
// multiplicative decomposition of the first three seasons, level and trend
// from a regression on the first seasonally adjusted values. Gauss–Newton
// steps refine them (multLik).
func (p *etsProblem) initMult() {
	m, n := p.m, len(p.y)
	y := p.y
	if observed(y) < n {
		y = fillMissing(y, m)
	}
	fig, ok := seasonalFigure(y[:min(n, 3*m)], m, true)
	if !ok || anyBelow(fig, 1e-3) {
		fig = make([]float64, m)
		for i := range fig {
			fig[i] = 1
		}
	}
	k := min(max(10, 2*m), n)
	ts, sa := make([]float64, k), make([]float64, k)
	for t := range k {
		ts[t], sa[t] = float64(t), y[t]/fig[t%m]
	}
	p.flat = stat.Mean(sa, nil)
	j := 1
	if p.sp.trend != 'N' {
		a, b := stat.LinearRegression(ts, sa, nil, false)
		p.x0[0], p.x0[1] = a-b, b
		j = 2
	} else {
		p.x0[0] = p.flat
	}
	copy(p.x0[j:], fig[:m-1])
}

// multErrors runs the filter from the initial states in x0 and stores the
// relative one-step errors in errs; it returns the likelihood (relLik's).
func (p *etsProblem) multErrors(alpha, beta, gamma, phi float64, errs []float64) float64 {
	l0, b0, seas := p.initialStates(p.seas)
	sse, sumLog, _, _, ok := etsRun(p.y, p.sp, p.m, alpha, beta, gamma, phi, l0, b0, seas, errs)
	if !ok {
		return math.Inf(1)
	}
	return float64(len(p.r))*math.Log(max(sse, 1e-300)) + 2*sumLog
}

// multLik is lik for a multiplicative-season model, which is not linear in
// its initial states: Gauss–Newton steps on the relative errors from the
// current x0 (Jacobian by forward differences), each kept only if the
// likelihood improves. yo holds the errors at x0 at the start of each step.
func (p *etsProblem) multLik(u []float64) float64 {
	alpha, beta, gamma, phi := p.params(u)
	best := p.multErrors(alpha, beta, gamma, phi, p.yo)
	if math.IsInf(best, 1) {
		return best
	}
	np, nObs := p.p, len(p.r)
	// Two steps a call: optimise calls it again after each search.
	for range 2 {
		for t := range nObs {
			p.r[t] = -p.yo[t]
		}
		for i := range np {
			h := 1e-6 * max(math.Abs(p.x0[i]), 1e-3)
			x := p.x0[i]
			p.x0[i] = x + h
			l := p.multErrors(alpha, beta, gamma, phi, p.yo)
			p.x0[i] = x
			if math.IsInf(l, 1) {
				return best
			}
			for t := range nObs {
				p.z[t*np+i] = (p.yo[t] + p.r[t]) / h
			}
		}
		copy(p.keep, p.x0)
		if !p.solve(nil) {
			copy(p.x0, p.keep)
			break
		}
		for i := range np {
			p.x0[i] += p.keep[i] // solve left the step in x0
		}
		l := p.multErrors(alpha, beta, gamma, phi, p.yo)
		if !(l < best-1e-9) {
			copy(p.x0, p.keep)
			break
		}
		best = l
	}
	return best
}

// fixedLik is lik for the initial states fixed at the last profiled x0: a
// single run of the filter, a fraction of the cost of profiling.
func (p *etsProblem) fixedLik(u []float64) float64 {
	alpha, beta, gamma, phi := p.params(u)
	copy(p.seas, p.seas0)
	sse, sumLog, _, _, ok := etsFilter(p.y, p.sp, p.m, alpha, beta, gamma, phi, p.l0, p.b0, p.seas)
	if !ok {
		return math.Inf(1)
	}
	return float64(len(p.r))*math.Log(max(sse, 1e-300)) + 2*sumLog
}

// optimise finds the smoothing parameters by alternating Nelder–Mead (as R's
// optim) over them, the initial states held, with the least-squares profile
// of the initial states, until the likelihood stops improving. It leaves the
// best initial states in x0.
func (p *etsProblem) optimise() (u []float64, ok bool) {
	u = p.start()
	best := p.lik(u)
	if math.IsInf(best, 1) && p.sp.season == 'M' && p.sp.trend != 'N' {
		// The first seasons' trend, run on at the start's slow
		// smoothing, can take the level below zero before the series
		// turns (activity that fell for two years, then grew): start
		// flat, from the first seasons' mean, instead.
		p.x0[0], p.x0[1] = p.flat, 0
		best = p.lik(u)
	}
	if math.IsInf(best, 1) {
		return nil, false
	}
	p.irls = 4
	best = p.lik(u)
	for range 6 {
		p.l0, p.b0, p.seas0 = p.initialStates(p.seas0)
		nm := newNelderMead(1, 100+50*len(u))
		x, fx := nm.minimise(p.fixedLik, u)
		if !(fx < best-1e-2) {
			break
		}
		u, best = x, fx
		// Profile the initial states at the new parameters; keep the
		// held ones if that is no better (a reweighting step can be).
		copy(p.saved, p.x0)
		if l := p.lik(u); l < best {
			best = l
		} else {
			copy(p.x0, p.saved)
			break
		}
	}
	return u, true
}

// initialStates expands the profiled x0 into level, trend and m seasonal
// states.
func (p *etsProblem) initialStates(seas []float64) (l0, b0 float64, _ []float64) {
	l0 = p.x0[0]
	j := 1
	if p.sp.trend != 'N' {
		b0 = p.x0[1]
		j = 2
	}
	if len(seas) != p.m {
		seas = make([]float64, p.m)
	}
	clear(seas)
	switch p.sp.season {
	case 'A':
		for i := 0; i < p.m-1; i++ {
			seas[i] = p.x0[j+i]
			seas[p.m-1] -= p.x0[j+i]
		}
	case 'M':
		// Multiplicative indices average one.
		seas[p.m-1] = float64(p.m)
		for i := 0; i < p.m-1; i++ {
			seas[i] = p.x0[j+i]
			seas[p.m-1] -= p.x0[j+i]
		}
	}
	return l0, b0, seas
}

// cholSolve solves the symmetric positive definite system a x = b (a's
// lower triangle, row-major n×n, overwritten by its Cholesky factor). A
// nearly singular system gets a small ridge, as short series with many
// initial states can give; ok is false if even that fails.
func cholSolve(a, b, x []float64, n int) bool {
	var ridge float64
	for i := range n {
		ridge = max(ridge, a[i*n+i])
	}
	ridge *= 1e-10
	for i := range n {
		for j := 0; j <= i; j++ {
			s := a[i*n+j]
			for k := range j {
				s -= a[i*n+k] * a[j*n+k]
			}
			if i == j {
				s += ridge
				if !(s > 0) {
					return false
				}
				a[i*n+i] = math.Sqrt(s)
			} else {
				a[i*n+j] = s / a[j*n+j]
			}
		}
	}
	for i := range n {
		s := b[i]
		for k := range i {
			s -= a[i*n+k] * x[k]
		}
		x[i] = s / a[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		s := x[i]
		for k := i + 1; k < n; k++ {
			s -= a[k*n+i] * x[k]
		}
		x[i] = s / a[i*n+i]
	}
	return !math.IsNaN(x[0])
}

// nParams is the number of estimated parameters as forecast::ets counts them
// for the AICc: smoothing parameters, free initial states and the variance.
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

// fitETS fits one specification: Nelder–Mead (as R's optim) over the
// smoothing parameters, the initial states profiled out. It returns the
// model with its AICc.
func fitETS(y []float64, sp etsSpec, m int) (*etsModel, error) {
	if sp.season == 'N' {
		m = 1
	}
	n := observed(y)
	k := sp.nParams(m)
	if n <= k+1 || n < 2 {
		return nil, fmt.Errorf("%v: %d values for %d parameters: %w", sp, n, k, ErrTooShort)
	}
	if sp.errM && !positive(y) {
		return nil, fmt.Errorf("%v: data not positive: %w", sp, ErrFit)
	}
	p := newETSProblem(y, sp, m)
	u, ok := p.optimise()
	if !ok {
		return nil, fmt.Errorf("%v: %w", sp, ErrFit)
	}
	alpha, beta, gamma, phi := p.params(u)
	l0, b0, seas := p.initialStates(nil)
	seas0 := clone(seas)
	sse, sumLog, l, b, ok := etsFilter(y, sp, m, alpha, beta, gamma, phi, l0, b0, seas)
	if !ok {
		return nil, fmt.Errorf("%v: %w", sp, ErrFit)
	}
	fn, fk := float64(n), float64(k)
	lik := fn*math.Log(max(sse, 1e-300)) + 2*sumLog
	aicc := lik + 2*fk + 2*fk*(fk+1)/(fn-fk-1)
	if math.IsNaN(aicc) {
		return nil, fmt.Errorf("%v: %w", sp, ErrFit)
	}
	if sp.trend == 'A' {
		phi = 1
	}
	return &etsModel{spec: sp, m: m, alpha: alpha, beta: beta, gamma: gamma, phi: phi,
		l: l, b: b, seas: seas, l0: l0, b0: b0, seas0: seas0, n: len(y), sigma2: sse / max(fn-fk, 1), df: fn - fk, aicc: aicc}, nil
}

// etsCandidates lists the models searched: forecast::ets's default family,
// ETS(M,·,M) included. (Log-scale models stood in for multiplicative
// seasons before those were estimated; on short series their
// bias-adjusted means exploded, 25 times the truth on M1 series of two
// years.) Multiplicative errors need positive data; seasonality needs
// 1 < m ≤ 24 and two cycles; every model needs more values than
// forecast::ets asks (n > parameters + 4).
func etsCandidates(y []float64, m int) []etsSpec {
	pos := positive(y)
	n := observed(y)
	seasons := []byte{'N'}
	if m > 1 && m <= 24 && n >= 2*m && len(y) >= 2*m {
		seasons = append(seasons, 'A')
	}
	var out []etsSpec
	add := func(sp etsSpec) {
		mm := m
		if sp.season == 'N' {
			mm = 1
		}
		if n > sp.nParams(mm)+3 {
			out = append(out, sp)
		}
	}
	for _, tr := range []byte{'N', 'A', 'D'} {
		for _, se := range seasons {
			add(etsSpec{trend: tr, season: se})
			if pos {
				add(etsSpec{errM: true, trend: tr, season: se})
				if se == 'A' {
					add(etsSpec{errM: true, trend: tr, season: 'M'})
				}
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

// point returns the h-step point forecasts from the final state, on the
// model's scale, the coefficients c_j of the forecast variance (Hyndman et
// al. 2008, Table 6.1: α + β Σφ^i + γ at seasonal lags) and, for a
// multiplicative season, the seasonal index of each step (nil otherwise).
func (e *etsModel) point(h int) (mu, c, idx []float64) {
	mu, c = make([]float64, h), make([]float64, h)
	if e.spec.season == 'M' {
		idx = make([]float64, h)
	}
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
			idx[j-1] = e.seas[(e.n-1+j)%e.m]
			q *= idx[j-1]
		}
		mu[j-1] = q
		cj := e.alpha
		if e.spec.trend != 'N' {
			cj += e.beta * damp
		}
		if e.spec.season != 'N' && j%e.m == 0 {
			cj += e.gamma
		}
		c[j-1] = cj
	}
	return mu, c, idx
}

// forecast returns the mean forecasts with intervals, all in closed form:
// Hyndman et al.'s class 1 variance for additive errors, class 2 for
// multiplicative errors (class 3, multiplicative seasons, approximated).
func (e *etsModel) forecast(key string, h int) Forecast {
	mu, se := e.meanSE(h)
	return normalForecast(key, e.spec.String(), mu, se, e.df)
}

// meanSE returns the point forecasts and their standard errors on the
// model's scale.
func (e *etsModel) meanSE(h int) (mu, se []float64) {
	mu, c, idx := e.point(h)
	se = make([]float64, h)
	if e.spec.errM {
		// θ_1 = μ_1², θ_j = μ_j² + σ² Σ_{i<j} c_i² θ_{j−i}; v = (1+σ²)θ − μ².
		// A multiplicative season has no closed form (class 3): the
		// recursion runs on the seasonally adjusted means and the variance
		// is scaled by the square of each step's index, the approximation
		// of Hyndman et al. (2008, §6.4) for small σ.
		theta := make([]float64, h)
		for j := range h {
			mj := mu[j]
			if idx != nil {
				mj /= idx[j]
			}
			theta[j] = mj * mj
			for i := range j {
				theta[j] += e.sigma2 * c[i] * c[i] * theta[j-1-i]
			}
			v := max((1+e.sigma2)*theta[j]-mj*mj, 0)
			if idx != nil {
				v *= idx[j] * idx[j]
			}
			se[j] = math.Sqrt(v)
		}
	} else {
		var v float64
		for j := range h {
			se[j] = math.Sqrt(e.sigma2 * (1 + v))
			v += c[j] * c[j]
		}
	}
	return mu, se
}

// expBack maps a forecast made on the log scale back: the quantiles by the
// exponential, and the mean bias-adjusted so that it is a mean and not a
// median, by the delta method's exp(μ)·(1 + σ²/2) as R's forecast package
// and Hyndman & Athanasopoulos (fpp3 §5.6) have it. The log-normal's own
// mean, exp(μ + σ²/2), is within 0.1 % of it while σ ≤ 0.3 but grows without
// bound as a trend model's variance grows with the horizon: M1's MND20,
// falling from 2.6 to 0.03, got a mean of 3.5e9 eighteen months ahead,
// from the far tail of a distribution no model supports. The exponent is
// capped: an overflow is left to the interval guard.
func (f *Forecast) expBack(se []float64) {
	for j := range f.Mean {
		f.Mean[j] = math.Exp(min(f.Mean[j], 700)) * (1 + se[j]*se[j]/2)
		for _, v := range [][]float64{f.Lo80, f.Hi80, f.Lo95, f.Hi95} {
			v[j] = math.Exp(min(v[j], 700))
		}
	}
	f.order()
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
