package forecast

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCSSSmallIsAny checks the fast recursion against the general one, to
// the bit, for every order it takes: with and without a constant, seasonal
// period and missing periods, and coefficients inside and outside the
// admissible region (Nelder–Mead evaluates both).
func TestCSSSmallIsAny(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 2026))
	cases := 0
	for _, m := range []int{1, 4, 12} {
		for _, n := range []int{40, 130} {
			w := make([]float64, n)
			for i := range w {
				w[i] = 100 + 20*r.NormFloat64()
			}
			for _, withMiss := range []bool{false, true} {
				var miss []bool
				if withMiss {
					miss = make([]bool, n)
					for i := n / 3; i < n/3+7; i++ {
						miss[i] = true
					}
				}
				for o := range 3 * 3 * 2 * 2 * 2 {
					ord := arimaOrder{p: o % 3, q: o / 3 % 3, sp: o / 9 % 2, sq: o / 18 % 2, constant: o/36 == 1}
					if m == 1 && (ord.sp > 0 || ord.sq > 0) {
						continue
					}
					np := ord.p + ord.q + ord.sp + ord.sq
					if ord.constant {
						np++
					}
					for range 5 {
						x := make([]float64, np)
						for i := range x {
							x[i] = 1.6*r.Float64() - 0.8
							if r.IntN(4) == 0 {
								x[i] *= 3
							}
						}
						fast := &arimaProblem{w: w, miss: miss, o: ord, m: m, e: make([]float64, n), scale: 7}
						slow := &arimaProblem{w: w, miss: miss, o: ord, m: m, e: make([]float64, n), scale: 7}
						for i := range fast.e { // the recursion must not read what a previous run left
							fast.e[i], slow.e[i] = 1e6, -1e6
						}
						sf, kf := fast.cssSmall(x)
						ss, ks := slow.cssAny(x)
						if math.Float64bits(sf) != math.Float64bits(ss) || kf != ks {
							t.Fatalf("m %d n %d %v %v: cssSmall %v (%d), cssAny %v (%d)", m, n, ord, x, sf, kf, ss, ks)
						}
						for i := range fast.e {
							if math.Float64bits(fast.e[i]) != math.Float64bits(slow.e[i]) {
								t.Fatalf("m %d n %d %v %v: error %d: cssSmall %v, cssAny %v", m, n, ord, x, i, fast.e[i], slow.e[i])
							}
						}
						cases++
					}
				}
			}
		}
	}
	if cases < 500 {
		t.Fatalf("only %d cases", cases)
	}
}

// BenchmarkCSS is one evaluation of the CSS objective of an ARMA(2,2) with
// a constant on 440 weeks, the weekly combination's commonest ARIMA work.
func BenchmarkCSS(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, 440)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	for _, bc := range []struct {
		name string
		css  func(*arimaProblem, []float64) (float64, int)
	}{{"small", (*arimaProblem).cssSmall}, {"any", (*arimaProblem).cssAny}} {
		b.Run(bc.name, func(b *testing.B) {
			p := &arimaProblem{w: w, o: arimaOrder{p: 2, q: 2, constant: true}, m: 1, e: make([]float64, len(w)), scale: 1}
			x := []float64{0.3, -0.2, 0.4, 0.1, 0.05}
			for b.Loop() {
				bc.css(p, x)
			}
		})
	}
}

// TestARIMAOrderIgnoresScale: autoARIMA chooses the same order for a
// series however large its values are. Its AICc once compared orders on
// their own samples (an order with a seasonal AR term counts m fewer
// errors), so k·log(σ²) favoured seasonal AR on series with σ above 1 and
// penalised it below.
func TestARIMAOrderIgnoresScale(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 12))
	for i := range 6 {
		z := make([]float64, 72)
		for j := range z {
			z[j] = r.NormFloat64()
			if j > 0 {
				z[j] += 0.5 * z[j-1]
			}
		}
		var orders []arimaOrder
		for _, c := range []float64{1e-4, 1, 1e4} {
			y := make([]float64, len(z))
			for j := range z {
				y[j] = c * z[j]
			}
			a, err := autoARIMA(y, 12, seasonalLimits)
			if err != nil {
				t.Fatal(err)
			}
			orders = append(orders, a.order)
		}
		if orders[0] != orders[1] || orders[1] != orders[2] {
			t.Errorf("series %d: orders %v for values ×1e-4, ×1, ×1e4", i, orders)
		}
	}
}

// polyFromRoots is 1 − Σ φ_i B^i with the given roots (complex ones in
// conjugate pairs): ∏ (1 − B/r), returned as φ.
func polyFromRoots(roots []complex128) []float64 {
	p := []complex128{1}
	for _, r := range roots {
		next := make([]complex128, len(p)+1)
		for i, c := range p {
			next[i] += c
			next[i+1] -= c / r
		}
		p = next
	}
	phi := make([]float64, len(p)-1)
	for i := range phi {
		phi[i] = -real(p[i+1])
	}
	return phi
}

// conjugatePair is the pair of complex roots of modulus mod whose cycle
// lasts period steps.
func conjugatePair(mod, period float64) []complex128 {
	r := complex(mod*math.Cos(2*math.Pi/period), mod*math.Sin(2*math.Pi/period))
	return []complex128{r, complex(real(r), -imag(r))}
}

// TestARIMARootConditions: stationary holds for an AR polynomial
// 1 − Σ φ_i B^i, and invertible for an MA polynomial 1 + Σ θ_i B^i, exactly
// when every root lies outside the unit circle, for each order the search
// can reach. The MA condition once applied the AR conditions to θ rather
// than to −θ, which for MA(2) admitted non-invertible models and refused
// invertible ones, ARIMA(0,2,2) — Holt's method — among them.
func TestARIMARootConditions(t *testing.T) {
	cases := []struct {
		name    string
		roots   []complex128
		outside bool
	}{
		{"1 outside", []complex128{1.5}, true},
		{"1 inside", []complex128{-0.8}, false},
		{"2 real outside", []complex128{2, 1.43}, true},
		{"2 real, one inside", []complex128{2, 0.7}, false},
		{"2 negative outside", []complex128{-1.3, -4}, true},
		{"2 complex outside", conjugatePair(1.4, 3), true},
		{"2 complex inside", conjugatePair(0.9, 5), false},
		{"3 outside", append(conjugatePair(1.1, 10), 2.5), true},
		{"3, real inside", append(conjugatePair(1.1, 10), 0.6), false},
		{"4 outside", append(conjugatePair(1.1, 10), conjugatePair(1.6, 3)...), true},
		{"4, pair inside", append(conjugatePair(0.95, 10), conjugatePair(1.6, 3)...), false},
		{"5 outside", append(append(conjugatePair(1.2, 9), conjugatePair(1.5, 2.5)...), -3), true},
		{"5, real inside", append(append(conjugatePair(1.2, 9), conjugatePair(1.5, 2.5)...), 0.5), false},
	}
	for _, c := range cases {
		phi := polyFromRoots(c.roots)
		theta := make([]float64, len(phi))
		for i, v := range phi {
			theta[i] = -v // 1 + Σ θ_i B^i is the same polynomial
		}
		if got := stationary(phi); got != c.outside {
			t.Errorf("%s: stationary(%.3f) = %v", c.name, phi, got)
		}
		if got := invertible(theta); got != c.outside {
			t.Errorf("%s: invertible(%.3f) = %v", c.name, theta, got)
		}
	}
	// The search's objective tests its coefficients at every evaluation.
	phi := polyFromRoots(append(append(conjugatePair(1.2, 9), conjugatePair(1.5, 2.5)...), -3))
	if a := testing.AllocsPerRun(100, func() { stationary(phi) }); a != 0 {
		t.Errorf("stationary of order 5: %.0f allocations, want none", a)
	}
}

// TestARIMAFitsInvertibleMA2 fits ARIMA(0,1,2) to a series made by one:
// θ = (−1.2, 0.35), roots 2 and 1.43, invertible, the kind of MA(2) a
// differenced smooth series has, and which the AR-form condition refused
// (θ₂ − θ₁ > 1).
func TestARIMAFitsInvertibleMA2(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	const n = 600
	th1, th2 := -1.2, 0.35
	y := make([]float64, n)
	var e1, e2, level float64
	for i := range y {
		e := r.NormFloat64()
		level += e + th1*e1 + th2*e2
		y[i] = 100 + level
		e1, e2 = e, e1
	}
	fit, err := fitARIMA(y, nil, arimaOrder{d: 1, q: 2}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.ma[0]-th1) > 0.1 || math.Abs(fit.ma[1]-th2) > 0.1 {
		t.Errorf("θ = %.3f, want (%.2f, %.2f) ± 0.1", fit.ma, th1, th2)
	}
	if fit.sigma2 > 1.15 {
		t.Errorf("σ² = %.3f, want about 1", fit.sigma2)
	}
}

// TestAutoARIMAOrdersBeyondTwo: on data without a season autoARIMA searches
// as forecast::auto.arima does, to p, q ≤ 5 with p + q ≤ 5, so that a
// cycle like the lynx's or the sunspots' — an AR(4) here, two pairs of
// complex roots, periods 10 and 3 — is fitted by its own order; within
// p, q ≤ 2 (the seasonal search's limits) σ² is half as large again.
func TestAutoARIMAOrdersBeyondTwo(t *testing.T) {
	phi := polyFromRoots(append(conjugatePair(1.05, 9), conjugatePair(1.1, 2.5)...))
	r := rand.New(rand.NewPCG(10, 4))
	const n, burn = 200, 200
	y := make([]float64, n+burn)
	for i := range y {
		y[i] = r.NormFloat64()
		for j, f := range phi {
			if i-1-j >= 0 {
				y[i] += f * y[i-1-j]
			}
		}
	}
	y = y[burn:]
	for i := range y {
		y[i] += 50
	}
	wide, err := autoARIMA(y, 1, nonSeasonalLimits)
	if err != nil {
		t.Fatal(err)
	}
	narrow, err := autoARIMA(y, 1, seasonalLimits)
	if err != nil {
		t.Fatal(err)
	}
	if narrow.sigma2 < 1.3 {
		t.Fatalf("within p, q ≤ 2 %v fits with σ² %.3f: the series does not need more", narrow.order, narrow.sigma2)
	}
	if wide.order.p < 3 || wide.order.p+wide.order.q > 5 {
		t.Errorf("order %v: want p ≥ 3, p + q ≤ 5", wide.order)
	}
	if wide.sigma2 > 1.15 {
		t.Errorf("σ² = %.3f with %v, want about 1", wide.sigma2, wide.order)
	}
}
