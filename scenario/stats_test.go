package scenario

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The median by selection is the median by sorting, and both follow R's
// default quantile (type 7).
func TestQuantiles(t *testing.T) {
	// R: quantile(c(1, 2, 3, 4, 10), c(.1, .5, .9)) gives 1.4, 3, 7.6.
	s := summarize([]float64{10, 3, 1, 4, 2}, make([]float64, 5))
	if !close(s.p10, 1.4) || s.p50 != 3 || !close(s.p90, 7.6) || s.mean != 4 {
		t.Errorf("summary %+v, want p10 1.4, p50 3, p90 7.6, mean 4", s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 999, 1000, 1001} {
		xs := make([]float64, n)
		for trial := range 20 {
			for i := range xs {
				xs[i] = math.Floor(r.NormFloat64() * 10) // ties on purpose
				if trial%5 == 0 {
					xs[i] = 1
				}
			}
			scratch := make([]float64, n)
			sorted := slices.Sorted(slices.Values(xs))
			if got, want := median(xs, scratch), sortedQuantile(sorted, 0.5); got != want {
				t.Fatalf("n %d: median %v, by sorting %v", n, got, want)
			}
			for k := range n {
				c := slices.Clone(xs)
				if got := nth(c, k); got != sorted[k] {
					t.Fatalf("n %d: nth(%d) = %v, want %v", n, k, got, sorted[k])
				}
			}
		}
	}
}

func close(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestParamQuantiles(t *testing.T) {
	cases := []struct {
		p       Param
		u, want float64
	}{
		{Param{Dist: Normal, P10: 0.01, P90: 0.03}, 0.1, 0.01},
		{Param{Dist: Normal, P10: 0.01, P90: 0.03}, 0.5, 0.02},
		{Param{Dist: Normal, P10: 0.01, P90: 0.03}, 0.9, 0.03},
		{Param{Dist: LogNormal, P10: 1, P90: 4}, 0.5, 2},
		{Param{Dist: LogNormal, P10: 1, P90: 4}, 0.9, 4},
		{Param{Dist: Uniform, Min: 2, Max: 4}, 0.25, 2.5},
		{Param{Dist: Triangular, Min: 0, Mode: 1, Max: 2}, 0.5, 1},
		{Param{Dist: Triangular, Min: 0, Mode: 0, Max: 1}, 0.75, 0.5},
		{Param{Dist: Fixed, Value: 7}, 0.3, 7},
	}
	for _, c := range cases {
		if got := c.p.Quantile(c.u); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s at %v = %v, want %v", c.p.Describe(), c.u, got, c.want)
		}
	}
	// Clipped to the valid range once checked.
	p := Param{Dist: Normal, P10: 0.8, P90: 1}
	if ps := p.check(0, 1, true, false); len(ps) != 0 {
		t.Fatal(ps)
	}
	if got := p.Quantile(0.999); got != 1 {
		t.Errorf("clipped draw %v, want 1", got)
	}
	q := Param{Dist: Normal, P10: 0.001, P90: 0.5}
	q.check(0, 1, true, false)
	if got := q.Quantile(0.001); !(got > 0) {
		t.Errorf("draw %v at an open end, want above 0", got)
	}
}
