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
			a, err := autoARIMA(y, 12)
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
