package forecast

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// normalMember is a forecast with normal intervals of sd s around mu.
func normalMember(mu, s []float64) Forecast {
	return normalForecast("k", "m", mu, s, 0)
}

// TestPoolIsMixture: the combination's intervals are the quantiles of the
// weighted mixture of its members' distributions, so that members who
// disagree widen them. Averaging the members' bounds, as the combination
// did, gave an 80 % interval around 120 that held neither member's mean
// when one said 100 and the other 140.
func TestPoolIsMixture(t *testing.T) {
	cases := []struct {
		name   string
		mus    [][]float64
		sds    [][]float64
		w      []float64
		covers []float64 // values the 80 % interval at step 1 must hold
	}{
		{"agree", [][]float64{{100, 110}, {100, 110}}, [][]float64{{10, 14}, {10, 14}}, []float64{0.3, 0.7}, []float64{100}},
		{"disagree", [][]float64{{100, 100}, {140, 150}}, [][]float64{{10, 12}, {10, 12}}, []float64{0.5, 0.5}, []float64{100, 140}},
		{"unequal", [][]float64{{100, 100}, {140, 150}, {90, 80}}, [][]float64{{5, 8}, {20, 30}, {10, 10}}, []float64{0.5, 0.2, 0.3}, []float64{90, 100}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fs []Forecast
			for i := range c.mus {
				fs = append(fs, normalMember(c.mus[i], c.sds[i]))
			}
			h := len(c.mus[0])
			f := pool("k", fs, c.w, h)
			checkForecast(t, c.name, f, h, false)
			for j := range h {
				mix := func(x float64) float64 {
					var p float64
					for i := range fs {
						p += c.w[i] * distuv.Normal{Mu: c.mus[i][j], Sigma: c.sds[i][j]}.CDF(x)
					}
					return p
				}
				var mean float64
				for i := range fs {
					mean += c.w[i] * c.mus[i][j]
				}
				if math.Abs(f.Mean[j]-mean) > 1e-9*mean {
					t.Errorf("step %d: mean %.6f, want the weighted mean %.6f", j+1, f.Mean[j], mean)
				}
				for _, q := range []struct {
					x, p float64
				}{{f.Lo95[j], 0.025}, {f.Lo80[j], 0.1}, {f.Hi80[j], 0.9}, {f.Hi95[j], 0.975}} {
					if got := mix(q.x); math.Abs(got-q.p) > 1e-6 {
						t.Errorf("step %d: P(Y ≤ %.4f) = %.6f under the mixture, want %.3f", j+1, q.x, got, q.p)
					}
				}
			}
			for _, v := range c.covers {
				if v < f.Lo80[0] || v > f.Hi80[0] {
					t.Errorf("80 %% interval [%.2f, %.2f] does not hold %.0f", f.Lo80[0], f.Hi80[0], v)
				}
			}
		})
	}
}

// TestQuantileBetween: the quantile search finds cdf(x) = p to the
// tolerance on smooth mixtures and on a mixture with a point mass, where
// cdf jumps over p (the quantile is then the jump).
func TestQuantileBetween(t *testing.T) {
	smooth := func(x float64) float64 {
		return 0.3*distuv.Normal{Mu: 100, Sigma: 5}.CDF(x) + 0.7*distuv.Normal{Mu: 130, Sigma: 20}.CDF(x)
	}
	jump := func(x float64) float64 { // a point mass of 0.4 at 50 beside N(60, 3)
		c := 0.6 * distuv.Normal{Mu: 60, Sigma: 3}.CDF(x)
		if x >= 50 {
			c += 0.4
		}
		return c
	}
	tests := []struct {
		name      string
		cdf       func(float64) float64
		p, lo, hi float64
		want      float64
	}{
		{"smooth 10 %", smooth, 0.1, 90, 110, 0},
		{"smooth 97.5 %", smooth, 0.975, 110, 180, 0},
		{"at the jump", jump, 0.3, 40, 60, 50},
		{"above the jump", jump, 0.7, 40, 70, 0},
	}
	for _, tc := range tests {
		x := quantileBetween(tc.cdf, tc.p, tc.lo, tc.hi)
		tol := 1e-8 * max(math.Abs(x), 1)
		if tc.want != 0 {
			if math.Abs(x-tc.want) > tol {
				t.Errorf("%s: x = %.10f; want the jump at %.1f", tc.name, x, tc.want)
			}
			continue
		}
		if below, above := tc.cdf(x-tol), tc.cdf(x+tol); below > tc.p || above < tc.p {
			t.Errorf("%s: cdf(%.10f ∓ tol) = %.9f, %.9f; want them either side of %.3f", tc.name, x, below, above, tc.p)
		}
	}
}

// BenchmarkPool is the combination of four members over 24 steps.
func BenchmarkPool(b *testing.B) {
	const h = 24
	var fs []Forecast
	for i := range 4 {
		mu, sd := make([]float64, h), make([]float64, h)
		for j := range h {
			mu[j] = 1000 + 30*float64(i) + float64(j)
			sd[j] = 40 + 5*float64(i) + 2*float64(j)
		}
		fs = append(fs, normalMember(mu, sd))
	}
	w := []float64{0.4, 0.3, 0.2, 0.1}
	for b.Loop() {
		pool("k", fs, w, h)
	}
}
