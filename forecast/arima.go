package forecast

import (
	"fmt"
	"math"
)

// arimaOrder is a seasonal ARIMA(p,d,q)(P,D,Q)m specification; constant is
// the mean of the differenced series (a drift when d+D = 1).
type arimaOrder struct {
	p, d, q, sp, sd, sq int
	constant            bool
}

func (o arimaOrder) String() string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.p, o.d, o.q)
	if o.sp+o.sd+o.sq > 0 {
		s += fmt.Sprintf("(%d,%d,%d)", o.sp, o.sd, o.sq)
	}
	if o.constant {
		s += " with constant"
	}
	return s
}

// arimaLimits bound autoARIMA's search: the largest p, q, P and Q, and of
// p + q + P + Q (no bound beyond theirs when it is their sum).
type arimaLimits struct{ p, q, sp, sq, sum int }

var (
	// seasonalLimits: forecast::auto.arima's stepwise search within p, q ≤ 2
	// and P, Q ≤ 1, where its choices on monthly data mostly fall, at a
	// fraction of the cost; also for the Fourier-adjusted series of a long
	// season, whose ARIMA is much of the weekly combination's time.
	seasonalLimits = arimaLimits{p: 2, q: 2, sp: 1, sq: 1, sum: 2 + 2 + 1 + 1}
	// nonSeasonalLimits are auto.arima's own (max.p = max.q = 5,
	// max.order = 5), for data without a season (annual): a cycle such as
	// the lynx's or the sunspots' needs AR orders above 2, and the search
	// there is cheap.
	nonSeasonalLimits = arimaLimits{p: 5, q: 5, sum: 5}
)

// arimaModel is a fitted model: coefficients, the differenced series and
// its residuals.
type arimaModel struct {
	order        arimaOrder
	m            int
	ar, ma       []float64 // p and q coefficients
	sar, sma     []float64 // P and Q
	c            float64   // constant of the differenced series
	sigma2, aicc float64
	y            []float64 // the (filled) series
	w, e         []float64 // differenced series and residuals, aligned at the end of y
	nObs         int
}

// difference applies d lag-1 and D lag-m differences.
func difference(y []float64, d, sd, m int) []float64 {
	w := y
	for range sd {
		w = diffLag(w, m)
	}
	for range d {
		w = diffLag(w, 1)
	}
	return w
}

func diffLag(y []float64, lag int) []float64 {
	if len(y) <= lag {
		return nil
	}
	out := make([]float64, len(y)-lag)
	for t := range out {
		out[t] = y[t+lag] - y[t]
	}
	return out
}

// kpssStationary is the KPSS test for level stationarity (Kwiatkowski et al.
// 1992, as urca's ur.kpss with its "short" lag truncation, 4·(n/100)^¼):
// true when the statistic is below the 5 % critical value 0.463.
// forecast::ndiffs truncates at 3√n/13, fewer lags and so more
// differencing; on the development splits that was not better (the
// combination's MASE on M1 1.226 → 1.233, on tourism 1.771 → 1.774; ARIMA
// alone better on the A&E sets, worse on M1 and tourism).
func kpssStationary(y []float64) bool {
	n := len(y)
	if n < 4 || constant(y) {
		return true
	}
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	e := make([]float64, n)
	var s, eta float64
	for t, v := range y {
		e[t] = v - mean
		s += e[t]
		eta += s * s
	}
	lags := int(4 * math.Pow(float64(n)/100, 0.25))
	var s2 float64
	for _, v := range e {
		s2 += v * v
	}
	for l := 1; l <= lags && l < n; l++ {
		var c float64
		for t := l; t < n; t++ {
			c += e[t] * e[t-l]
		}
		s2 += 2 * (1 - float64(l)/float64(lags+1)) * c
	}
	s2 /= float64(n)
	if !(s2 > 0) {
		return true
	}
	return eta/(float64(n)*float64(n)*s2) < 0.463
}

// seasonalStrength is Wang, Smith & Hyndman's (2006) strength of
// seasonality on a classical additive decomposition: 1 − Var(remainder) /
// Var(seasonal + remainder). forecast::nsdiffs differences seasonally above
// 0.64.
func seasonalStrength(y []float64, m int) float64 {
	n := len(y)
	fig, ok := seasonalFigure(y, m, false)
	if !ok {
		return 0
	}
	half := m / 2
	var sr, r []float64
	for t := half; t+half < n; t++ {
		tr := centredMA(y, m, t)
		sr = append(sr, y[t]-tr)
		r = append(r, y[t]-tr-fig[t%m])
	}
	vr, vsr := variance(r), variance(sr)
	if !(vsr > 0) {
		return 0
	}
	return max(0, 1-vr/vsr)
}

func variance(x []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	var mean, ss float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return ss / float64(len(x)-1)
}

// arimaProblem is the conditional sum of squares of one order on the
// differenced series w, as a function of the coefficients.
type arimaProblem struct {
	w     []float64
	miss  []bool // the period was missing and filled: its error is not counted
	o     arimaOrder
	m     int
	e     []float64
	scale float64 // of the constant
}

// unpack splits the parameter vector.
func (p *arimaProblem) unpack(x []float64) (ar, ma, sar, sma []float64, c float64) {
	i := 0
	ar, i = x[i:i+p.o.p], i+p.o.p
	ma, i = x[i:i+p.o.q], i+p.o.q
	sar, i = x[i:i+p.o.sp], i+p.o.sp
	sma, i = x[i:i+p.o.sq], i+p.o.sq
	if p.o.constant {
		c = x[i] * p.scale
	}
	return
}

// rootMargin keeps the search off the unit circle: a root nearer to it
// than this is treated as on it.
const rootMargin = 0.999

// stationary reports whether the AR polynomial 1 − Σ c_i B^i has every root
// outside the unit circle (with rootMargin); invertible whether the MA
// polynomial 1 + Σ c_i B^i does, which is the same condition on −c.
func stationary(c []float64) bool { return rootsOutside(c, 1) }
func invertible(c []float64) bool { return rootsOutside(c, -1) }

// rootsOutside tests 1 − Σ sign·c_i B^i: to order 2 by the triangle
// conditions, above by the step-down (Schur–Cohn) recursion, under which
// every partial autocorrelation must lie inside (−1, 1).
func rootsOutside(c []float64, sign float64) bool {
	switch len(c) {
	case 0:
		return true
	case 1:
		return math.Abs(c[0]) < rootMargin
	case 2:
		c0, c1 := sign*c[0], sign*c[1]
		return math.Abs(c1) < rootMargin && c0+c1 < rootMargin && c1-c0 < rootMargin
	}
	// The objective calls this at every evaluation: orders up to
	// nonSeasonalLimits' work on the stack.
	var buf [8]float64
	a := buf[:0]
	for _, v := range c {
		a = append(a, sign*v)
	}
	for k := len(a); k > 0; k-- {
		kap := a[k-1]
		if !(math.Abs(kap) < rootMargin) {
			return false
		}
		d := 1 - kap*kap
		for j, l := 0, k-2; j <= l; j, l = j+1, l-1 {
			aj, al := a[j], a[l]
			a[j], a[l] = (aj+kap*al)/d, (al+kap*aj)/d
		}
	}
	return true
}

// css runs the ARMA recursion on w with errors before the start taken as
// zero and returns the sum of squared errors over the counted periods.
// The orders autoARIMA searches take cssSmall, the same sums in the same
// order with the coefficients and recent errors held in registers: most
// of an ARIMA search's time is this recursion.
func (p *arimaProblem) css(x []float64) (float64, int) {
	if p.o.p <= 2 && p.o.q <= 2 && p.o.sp <= 1 && p.o.sq <= 1 {
		return p.cssSmall(x)
	}
	return p.cssAny(x)
}

// cssAny is css for any order.
func (p *arimaProblem) cssAny(x []float64) (float64, int) {
	ar, ma, sar, sma, c := p.unpack(x)
	m := p.m
	w, e := p.w, p.e
	start := p.o.p + p.o.sp*m
	var sse float64
	k := 0
	for t := range w {
		if t < start {
			e[t] = 0
			continue
		}
		pred := c
		for i, a := range ar {
			pred += a * (w[t-1-i] - c)
		}
		for i, a := range sar {
			lag := (i + 1) * m
			pred += a * (w[t-lag] - c)
			for j, b := range ar {
				pred -= a * b * (w[t-lag-1-j] - c)
			}
		}
		for i, b := range ma {
			if t-1-i >= 0 {
				pred += b * e[t-1-i]
			}
		}
		for i, b := range sma {
			lag := (i + 1) * m
			if t-lag >= 0 {
				pred += b * e[t-lag]
			}
			for j, a := range ma {
				if t-lag-1-j >= 0 {
					pred += b * a * e[t-lag-1-j]
				}
			}
		}
		e[t] = w[t] - pred
		if p.miss != nil && p.miss[t] {
			e[t] = 0
			continue
		}
		sse += e[t] * e[t]
		k++
	}
	return sse, k
}

// cssSmall is css for p, q ≤ 2 and P, Q ≤ 1, adding the terms in cssAny's
// order so that the result is the same to the bit (TestCSSSmallIsAny).
func (p *arimaProblem) cssSmall(x []float64) (float64, int) {
	ar, ma, sar, sma, c := p.unpack(x)
	np, nq, nsp, nsq := len(ar), len(ma), len(sar), len(sma)
	a1, a2, b1, b2 := coef(ar, 0), coef(ar, 1), coef(ma, 0), coef(ma, 1)
	sa, sb := coef(sar, 0), coef(sma, 0)
	m := p.m
	w, e, miss := p.w, p.e, p.miss
	start := min(np+nsp*m, len(w))
	clear(e[:start])
	var e1, e2 float64 // e[t-1], e[t-2]: zero before the start
	var sse float64
	k := 0
	for t := start; t < len(w); t++ {
		pred := c
		if np > 0 {
			pred += a1 * (w[t-1] - c)
		}
		if np > 1 {
			pred += a2 * (w[t-2] - c)
		}
		if nsp > 0 {
			pred += sa * (w[t-m] - c)
			if np > 0 {
				pred -= sa * a1 * (w[t-m-1] - c)
			}
			if np > 1 {
				pred -= sa * a2 * (w[t-m-2] - c)
			}
		}
		if nq > 0 && t >= 1 {
			pred += b1 * e1
		}
		if nq > 1 && t >= 2 {
			pred += b2 * e2
		}
		if nsq > 0 && t >= m {
			pred += sb * e[t-m]
			if nq > 0 && t >= m+1 {
				pred += sb * b1 * e[t-m-1]
			}
			if nq > 1 && t >= m+2 {
				pred += sb * b2 * e[t-m-2]
			}
		}
		et := w[t] - pred
		if miss != nil && miss[t] {
			et = 0
		} else {
			sse += et * et
			k++
		}
		e[t] = et
		e1, e2 = et, e1
	}
	return sse, k
}

// coef is c[i], or 0 beyond the order.
func coef(c []float64, i int) float64 {
	if i < len(c) {
		return c[i]
	}
	return 0
}

func (p *arimaProblem) objective(x []float64) float64 {
	ar, ma, sar, sma, _ := p.unpack(x)
	if !stationary(ar) || !invertible(ma) || !stationary(sar) || !invertible(sma) {
		return math.Inf(1)
	}
	sse, k := p.css(x)
	if k == 0 {
		return math.Inf(1)
	}
	return float64(k) * math.Log(max(sse, 1e-300)/float64(k))
}

// fitARIMA fits one order by conditional least squares (Nelder–Mead); its
// AICc counts the errors of the differenced series from period from on, or
// from the first this order can (0).
func fitARIMA(y []float64, miss []bool, o arimaOrder, m, from int) (*arimaModel, error) {
	w := difference(y, o.d, o.sd, m)
	var wmiss []bool
	if miss != nil {
		// A differenced value is missing if any value it uses was.
		wmiss = make([]bool, len(w))
		off := len(y) - len(w)
		for t := range w {
			for back := 0; back <= off; back++ {
				if miss[t+off-back] {
					wmiss[t] = true
					break
				}
			}
		}
	}
	np := o.p + o.q + o.sp + o.sq
	if o.constant {
		np++
	}
	nEff := len(w) - o.p - o.sp*m
	if nEff <= np+2 {
		return nil, fmt.Errorf("%v: %d values: %w", o, len(w), ErrTooShort)
	}
	p := &arimaProblem{w: w, miss: wmiss, o: o, m: m, e: make([]float64, len(w)), scale: 1}
	x0 := make([]float64, np)
	if o.constant {
		var mean float64
		k := 0
		for t, v := range w {
			if wmiss == nil || !wmiss[t] {
				mean += v
				k++
			}
		}
		mean /= float64(max(k, 1))
		p.scale = math.Max(math.Sqrt(variance(w)), 1e-12)
		x0[np-1] = mean / p.scale
	}
	x := x0
	if np > 0 {
		nm := newNelderMead(0.2, 100+60*np)
		x, _ = nm.minimise(p.objective, x0)
	}
	obj := p.objective(x)
	if math.IsInf(obj, 1) || math.IsNaN(obj) {
		return nil, fmt.Errorf("%v: %w", o, ErrFit)
	}
	sse, k := p.css(x)
	ar, ma, sar, sma, c := p.unpack(x)
	// The AICc is of the errors from period from on, the same periods for
	// every order autoARIMA compares: an order that conditions on more
	// periods (p + P·m) counts fewer errors, and log-likelihoods of
	// different samples do not compare. Compared on their own samples,
	// k·log(σ²) moved with the units of y, so that a series counted in
	// thousands chose a seasonal AR term the same series counted in units
	// did not (TestARIMAOrderIgnoresScale).
	var ssc float64
	kc := 0
	for t := max(from, o.p+o.sp*m); t < len(w); t++ {
		if wmiss == nil || !wmiss[t] {
			ssc += p.e[t] * p.e[t]
			kc++
		}
	}
	fk, fn := float64(np+1), float64(kc)
	aicc := fn*math.Log(max(ssc, 1e-300)/fn) + 2*fk + 2*fk*(fk+1)/max(fn-fk-1, 1e-9)
	if fn-fk-1 <= 0 {
		aicc = math.Inf(1)
	}
	return &arimaModel{order: o, m: m, ar: clone(ar), ma: clone(ma), sar: clone(sar), sma: clone(sma), c: c,
		sigma2: sse / max(float64(k)-fk+1, 1), aicc: aicc, y: y, w: w, e: clone(p.e), nObs: k}, nil
}

func clone(x []float64) []float64 { return append([]float64(nil), x...) }

// autoARIMA chooses the differencing by tests and the orders by a stepwise
// search on AICc, as forecast::auto.arima (Hyndman & Khandakar 2008):
// seasonal differencing when the seasonal strength exceeds 0.64, then
// first differences while the KPSS test rejects stationarity (at most two),
// and from four starting models the neighbours of the best, one order ±1
// at a time, within lim, until none improves. Missing values (NaN) are
// filled for the recursion and their errors left out.
func autoARIMA(y []float64, m int, lim arimaLimits) (*arimaModel, error) {
	y, miss := arimaInput(y, m)
	if len(y) < 8 {
		return nil, fmt.Errorf("arima: %d values: %w", len(y), ErrTooShort)
	}
	seasonal := m > 1 && m <= 24 && len(y) >= 2*m+2
	sd := 0
	if seasonal && len(y) >= 3*m && seasonalStrength(y, m) > 0.64 {
		sd = 1
	}
	d := 0
	for d < 2 && !kpssStationary(difference(y, d, sd, m)) {
		d++
	}
	if len(difference(y, d, sd, m)) < 6 {
		return nil, fmt.Errorf("arima: differenced series too short: %w", ErrTooShort)
	}
	maxSP, maxSQ := 0, 0
	if seasonal {
		maxSP, maxSQ = lim.sp, lim.sq
	}
	constant := d+sd <= 1
	// Every order's AICc counts the errors the largest order can.
	from := lim.p + maxSP*m
	tried := map[arimaOrder]*arimaModel{}
	var best *arimaModel
	try := func(o arimaOrder) bool {
		if o.p < 0 || o.q < 0 || o.sp < 0 || o.sq < 0 || o.p > lim.p || o.q > lim.q || o.sp > maxSP || o.sq > maxSQ ||
			o.p+o.q+o.sp+o.sq > lim.sum {
			return false
		}
		if _, ok := tried[o]; ok {
			return false
		}
		fit, err := fitARIMA(y, miss, o, m, from)
		tried[o] = fit
		if err != nil {
			return false
		}
		if best == nil || fit.aicc < best.aicc-1e-9 {
			best = fit
			return true
		}
		return false
	}
	starts := []arimaOrder{{p: 2, q: 2, sp: 1, sq: 1}, {}, {p: 1, sp: 1}, {q: 1, sq: 1}}
	for _, o := range starts {
		o.d, o.sd, o.constant = d, sd, constant
		o.sp, o.sq = min(o.sp, maxSP), min(o.sq, maxSQ)
		try(o)
	}
	if constant {
		try(arimaOrder{d: d, sd: sd})
	}
	for range 30 {
		if best == nil {
			break
		}
		b := best.order
		improved := false
		for _, delta := range [][4]int{{-1, 0, 0, 0}, {1, 0, 0, 0}, {0, -1, 0, 0}, {0, 1, 0, 0},
			{0, 0, -1, 0}, {0, 0, 1, 0}, {0, 0, 0, -1}, {0, 0, 0, 1},
			{-1, -1, 0, 0}, {1, 1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}} {
			o := b
			o.p += delta[0]
			o.q += delta[1]
			o.sp += delta[2]
			o.sq += delta[3]
			if try(o) {
				improved = true
				break
			}
		}
		if !improved && constant {
			o := b
			o.constant = !o.constant
			improved = try(o)
		}
		if !improved {
			break
		}
	}
	if best == nil {
		return nil, fmt.Errorf("arima: no order could be fitted: %w", ErrFit)
	}
	return best, nil
}

// arimaInput returns y with missing values filled, and which were, for the
// conditional sum of squares to skip; miss is nil when none is missing.
func arimaInput(y []float64, m int) (filled []float64, miss []bool) {
	if observed(y) == len(y) {
		return y, nil
	}
	miss = make([]bool, len(y))
	for t, v := range y {
		miss[t] = math.IsNaN(v)
	}
	return fillMissing(y, m), miss
}

// fillMissing fills missing values for models that need a complete series:
// linearly between neighbours; given two seasons, the seasonally adjusted
// series is interpolated instead and the seasonal figure added back. The
// figure is re-estimated on the filled series until the fill settles: one
// estimated on the linear fill alone is flattened by the stretch that has
// no season (by a third over a two-year gap). A positive series is filled
// on the log scale, where a season that grows with the level is additive.
func fillMissing(y []float64, m int) []float64 {
	if m < 2 || len(y) < 2*m || !positive(y) {
		return fillAdditive(y, m)
	}
	f := fillAdditive(logOf(y), m)
	for t := range f {
		f[t] = math.Exp(f[t])
	}
	return f
}

// fillRounds bounds the re-estimations of the seasonal figure; the fill
// settles in a few.
const fillRounds = 10

// fillAdditive is fillMissing with an additive season.
func fillAdditive(y []float64, m int) []float64 {
	miss := make([]bool, len(y))
	for t, v := range y {
		miss[t] = math.IsNaN(v)
	}
	f := interpolate(clone(y))
	if m < 2 || len(f) < 2*m {
		return f
	}
	adj := make([]float64, len(y))
	for range fillRounds {
		fig, ok := seasonalFigure(f, m, false)
		if !ok {
			return f
		}
		// Interpolate the seasonally adjusted series, then reseasonalise.
		for t, v := range y {
			adj[t] = v - fig[t%m]
		}
		adj = interpolate(adj)
		var moved, size float64
		for t := range f {
			if miss[t] {
				v := adj[t] + fig[t%m]
				moved, size = max(moved, math.Abs(v-f[t])), max(size, math.Abs(v))
				f[t] = v
			}
		}
		if moved <= 1e-9*size {
			break
		}
	}
	return f
}

func (a *arimaModel) forecast(key string, h int) Forecast {
	mu, se := a.meanSE(h)
	return normalForecast(key, a.order.String(), mu, se, float64(a.nObs))
}

// meanSE returns the h-step forecasts and their standard errors: the
// differenced series by the ARMA recursion with future errors zero,
// integrated back; the variance from the ψ weights of the integrated model.
func (a *arimaModel) meanSE(h int) (mu, se []float64) {
	m := a.m
	w := append(clone(a.w), make([]float64, h)...)
	e := append(clone(a.e), make([]float64, h)...)
	n := len(a.w)
	for t := n; t < n+h; t++ {
		pred := a.c
		for i, c := range a.ar {
			pred += c * (w[t-1-i] - a.c)
		}
		for i, c := range a.sar {
			lag := (i + 1) * m
			pred += c * (w[t-lag] - a.c)
			for j, b := range a.ar {
				pred -= c * b * (w[t-lag-1-j] - a.c)
			}
		}
		for i, b := range a.ma {
			if t-1-i >= 0 {
				pred += b * e[t-1-i]
			}
		}
		for i, b := range a.sma {
			lag := (i + 1) * m
			if t-lag >= 0 {
				pred += b * e[t-lag]
			}
			for j, c := range a.ma {
				if t-lag-1-j >= 0 {
					pred += b * c * e[t-lag-1-j]
				}
			}
		}
		w[t] = pred
	}
	// Integrate: undo the first differences, then the seasonal ones.
	levels := [][]float64{a.y}
	for range a.order.sd {
		levels = append(levels, diffLag(levels[len(levels)-1], m))
	}
	for range a.order.d {
		levels = append(levels, diffLag(levels[len(levels)-1], 1))
	}
	fc := w[n:]
	for k := len(levels) - 2; k >= 0; k-- {
		lag := 1
		if k < a.order.sd {
			lag = m
		}
		base := levels[k]
		ext := append(clone(base), make([]float64, h)...)
		nb := len(base)
		for j := range h {
			ext[nb+j] = fc[j] + ext[nb+j-lag]
		}
		fc = ext[nb:]
	}
	// ψ weights of the full model: AR polynomial times the differences.
	arPoly := polyMul(polyAR(a.ar, 1), polyAR(a.sar, m))
	for range a.order.sd {
		arPoly = polyMul(arPoly, diffPoly(m))
	}
	for range a.order.d {
		arPoly = polyMul(arPoly, diffPoly(1))
	}
	maPoly := polyMul(polyMA(a.ma, 1), polyMA(a.sma, m))
	psi := make([]float64, h)
	se = make([]float64, h)
	var v float64
	for j := range h {
		if j == 0 {
			psi[0] = 1
		} else {
			if j < len(maPoly) {
				psi[j] = maPoly[j]
			}
			for i := 1; i <= j && i < len(arPoly); i++ {
				psi[j] -= arPoly[i] * psi[j-i]
			}
		}
		v += psi[j] * psi[j]
		se[j] = math.Sqrt(a.sigma2 * v)
	}
	return fc, se
}

// polyAR is 1 − Σ c_i B^{i·lag}; polyMA is 1 + Σ c_i B^{i·lag}; diffPoly is
// 1 − B^lag. Coefficients by power of B.
func polyAR(c []float64, lag int) []float64 {
	p := make([]float64, len(c)*lag+1)
	p[0] = 1
	for i, v := range c {
		p[(i+1)*lag] = -v
	}
	return p
}

func polyMA(c []float64, lag int) []float64 {
	p := make([]float64, len(c)*lag+1)
	p[0] = 1
	for i, v := range c {
		p[(i+1)*lag] = v
	}
	return p
}

func diffPoly(lag int) []float64 {
	p := make([]float64, lag+1)
	p[0], p[lag] = 1, -1
	return p
}

func polyMul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}
