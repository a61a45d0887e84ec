package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/optimize"
)

// TestNelderMeadIsGonums: nelderMead gives gonum's optimize.Minimize result
// to the bit, on smooth functions, ones with infeasible (+Inf) and NaN
// regions, an infeasible start, in one to seven dimensions, with the
// evaluation limit reached in the initial simplex, mid-run or never.
func TestNelderMeadIsGonums(t *testing.T) {
	funcs := map[string]func([]float64) float64{
		"rosenbrock": func(x []float64) float64 {
			var s float64
			for i := 0; i+1 < len(x); i++ {
				s += 100*math.Pow(x[i+1]-x[i]*x[i], 2) + math.Pow(1-x[i], 2)
			}
			return s + math.Pow(x[len(x)-1]-0.3, 2)
		},
		"quadratic": func(x []float64) float64 {
			var s float64
			for i, v := range x {
				s += float64(i+1) * (v - 0.1*float64(i)) * (v - 0.1*float64(i))
			}
			return s
		},
		// Infeasible outside the unit ball, as ARIMA's inadmissible
		// coefficients are.
		"ball": func(x []float64) float64 {
			var r, s float64
			for i, v := range x {
				r += v * v
				s += math.Cos(3*v) + 0.1*float64(i)*v
			}
			if r > 1 {
				return math.Inf(1)
			}
			return s
		},
		"nan": func(x []float64) float64 {
			if x[0] > 0.7 {
				return math.NaN()
			}
			var s float64
			for _, v := range x {
				s += math.Abs(v - 0.5)
			}
			return s
		},
		"flat": func(x []float64) float64 { return 3 },
		// Plateaus, so that steps tie with vertices.
		"steps": func(x []float64) float64 {
			var s float64
			for _, v := range x {
				s += v * v
			}
			return math.Floor(10*s) / 10
		},
	}
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for name, f := range funcs {
		for dim := 1; dim <= 7; dim++ {
			for _, size := range []float64{1, 0.2} {
				for _, maxEvals := range []int{2, dim + 1, 40, 100 + 60*dim} {
					x0 := make([]float64, dim)
					for i := range x0 {
						x0[i] = r.Float64() - 0.5
					}
					if name == "ball" && maxEvals == 40 {
						x0[0] = 2 // an infeasible start
					}
					want, _ := optimize.Minimize(optimize.Problem{Func: f}, x0, &optimize.Settings{
						FuncEvaluations: maxEvals,
						Converger:       &optimize.FunctionConverge{Relative: 1e-7, Absolute: 1e-5, Iterations: 10},
					}, &optimize.NelderMead{SimplexSize: size})
					nm := nelderMead{size: size, maxEvals: maxEvals, rel: 1e-7, abs: 1e-5, iters: 10}
					x, fx := nm.minimise(f, x0)
					id := fmt.Sprintf("%s dim %d size %v evals %d", name, dim, size, maxEvals)
					if !sameBits(fx, want.F) {
						t.Errorf("%s: f %v; gonum %v", id, fx, want.F)
					}
					for i := range x {
						if !sameBits(x[i], want.X[i]) {
							t.Errorf("%s: x %v; gonum %v", id, x, want.X)
							break
						}
					}
					checked++
				}
			}
		}
	}
	if checked < 200 {
		t.Errorf("%d cases checked", checked)
	}
}

func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// BenchmarkNelderMead compares nelderMead with gonum's Minimize on an
// ARIMA-sized problem whose evaluation is cheap, where the channels show.
func BenchmarkNelderMead(b *testing.B) {
	f := func(x []float64) float64 {
		var s float64
		for i, v := range x {
			s += float64(i+1) * (v - 0.3) * (v - 0.3)
		}
		return s
	}
	x0 := []float64{0.1, -0.1, 0.2, 0}
	b.Run("gonum", func(b *testing.B) {
		for b.Loop() {
			optimize.Minimize(optimize.Problem{Func: f}, x0, &optimize.Settings{
				FuncEvaluations: 340,
				Converger:       &optimize.FunctionConverge{Relative: 1e-7, Absolute: 1e-5, Iterations: 10},
			}, &optimize.NelderMead{SimplexSize: 0.2})
		}
	})
	b.Run("carecast", func(b *testing.B) {
		for b.Loop() {
			nm := nelderMead{size: 0.2, maxEvals: 340, rel: 1e-7, abs: 1e-5, iters: 10}
			nm.minimise(f, x0)
		}
	})
}
