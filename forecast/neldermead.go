package forecast

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"
)

// nelderMead minimises f from x0 exactly as gonum's optimize.Minimize does
// with NelderMead{SimplexSize: size} and Settings{FuncEvaluations:
// maxEvals, Converger: &FunctionConverge{Relative: rel, Absolute: abs,
// Iterations: iters}}: the same simplex, steps, arithmetic (gonum's floats),
// sort, stopping rules and result, so the same point to the bit
// (TestNelderMeadIsGonums). It runs in the caller's goroutine: Minimize
// runs its method and evaluator in goroutines that pass every evaluation
// over channels, which took a fifth of the forecasts' time when each
// evaluation is a few microseconds of ETS or ARIMA filtering.
//
// The result is Minimize's: the best vertex at the last completed major
// iteration, or zeros and +Inf when f(x0) is +Inf or NaN.
type nelderMead struct {
	size     float64 // of the initial simplex: x0 plus size along each axis
	maxEvals int
	rel, abs float64 // the improvement FunctionConverge asks for ...
	iters    int     // ... within this many major iterations

	// The state of one minimise.
	evals                 int
	convBest              float64
	convIter              int
	convFirst             bool
	optX                  []float64
	optF                  float64
	vertices              [][]float64 // ascending by value
	values                []float64
	centroid              []float64 // of all but the worst vertex
	reflected             []float64
	reflectedF            float64
	expand, contr, shrink float64 // gonum's dimension-dependent defaults; reflection is 1
}

// newNelderMead is the search ETS and ARIMA use: from a simplex of the
// given size, at most maxEvals evaluations, converged when ten major
// iterations improve the objective by no more than 1e-7 of it plus 1e-5.
func newNelderMead(size float64, maxEvals int) nelderMead {
	return nelderMead{size: size, maxEvals: maxEvals, rel: 1e-7, abs: 1e-5, iters: 10}
}

func (nm *nelderMead) minimise(f func([]float64) float64, x0 []float64) (x []float64, fx float64) {
	dim := len(x0)
	nm.evals = 0
	nm.convFirst, nm.convIter, nm.convBest = true, 0, 0
	nm.optX, nm.optF = make([]float64, dim), math.Inf(1)

	loc := append([]float64(nil), x0...)
	locF, ok := nm.eval(f, loc)
	if !ok || math.IsInf(locF, 1) || math.IsNaN(locF) {
		return nm.optX, nm.optF
	}
	if nm.major(loc, locF) {
		return nm.optX, nm.optF
	}

	nm.expand, nm.contr, nm.shrink = 1+2/float64(dim), 0.75-1/(2*float64(dim)), 1-1/float64(dim)
	if dim == 1 {
		nm.expand, nm.contr, nm.shrink = 2, 0.5, 0.5
	}
	nm.vertices = make([][]float64, dim+1)
	for i := range nm.vertices {
		nm.vertices[i] = make([]float64, dim)
	}
	nm.values = make([]float64, dim+1)
	nm.centroid = make([]float64, dim)
	nm.reflected = make([]float64, dim)
	copy(nm.vertices[dim], loc)
	nm.values[dim] = locF
	for i := range dim {
		copy(loc, nm.vertices[dim])
		loc[i] += nm.size
		if !nm.fill(f, i, loc) {
			return nm.optX, nm.optF
		}
	}
	nm.sortAndCentroid()
	for {
		if nm.major(nm.vertices[0], nm.values[0]) {
			return nm.optX, nm.optF
		}
		// Reflect the worst vertex through the centroid.
		nm.step(loc, 1)
		copy(nm.reflected, loc)
		v, ok := nm.eval(f, loc)
		if !ok {
			return nm.optX, nm.optF
		}
		nm.reflectedF = v
		var shrinkNow bool
		switch {
		case v >= nm.values[0] && v < nm.values[dim-1]:
			nm.replaceWorst(loc, v)
		case v < nm.values[0]:
			nm.step(loc, nm.expand)
			e, ok := nm.eval(f, loc)
			if !ok {
				return nm.optX, nm.optF
			}
			if e < nm.reflectedF {
				nm.replaceWorst(loc, e)
			} else {
				nm.replaceWorst(nm.reflected, nm.reflectedF)
			}
		case v < nm.values[dim]:
			nm.step(loc, nm.contr)
			c, ok := nm.eval(f, loc)
			if !ok {
				return nm.optX, nm.optF
			}
			if c <= nm.reflectedF {
				nm.replaceWorst(loc, c)
			} else {
				shrinkNow = true
			}
		default:
			nm.step(loc, -nm.contr)
			c, ok := nm.eval(f, loc)
			if !ok {
				return nm.optX, nm.optF
			}
			if c < nm.values[dim] {
				nm.replaceWorst(loc, c)
			} else {
				shrinkNow = true
			}
		}
		if shrinkNow {
			for i := 1; i <= dim; i++ {
				floats.SubTo(loc, nm.vertices[i], nm.vertices[0])
				floats.Scale(nm.shrink, loc)
				floats.Add(loc, nm.vertices[0])
				if !nm.fill(f, i, loc) {
					return nm.optX, nm.optF
				}
			}
			nm.sortAndCentroid()
		}
	}
}

// eval evaluates f at x, counting it; ok is false once the evaluations
// reach the limit, when Minimize stops without using the value.
func (nm *nelderMead) eval(f func([]float64) float64, x []float64) (fx float64, ok bool) {
	nm.evals++
	fx = f(x)
	return fx, nm.maxEvals <= 0 || nm.evals < nm.maxEvals
}

// fill evaluates x and makes it vertex i, unless the limit was reached.
func (nm *nelderMead) fill(f func([]float64) float64, i int, x []float64) bool {
	fx, ok := nm.eval(f, x)
	if ok {
		copy(nm.vertices[i], x)
		nm.values[i] = fx
	}
	return ok
}

// major records x as the result, as Minimize does at a major iteration,
// and reports whether the optimisation has converged.
func (nm *nelderMead) major(x []float64, fx float64) bool {
	copy(nm.optX, x)
	nm.optF = fx
	if math.IsInf(fx, -1) {
		return true
	}
	if nm.convFirst {
		nm.convBest, nm.convFirst = fx, false
		return false
	}
	if nm.iters == 0 {
		return false
	}
	maxAbs := math.Max(math.Abs(fx), math.Abs(nm.convBest))
	if fx < nm.convBest && nm.convBest-fx > nm.rel*maxAbs+nm.abs {
		nm.convBest, nm.convIter = fx, 0
		return false
	}
	nm.convIter++
	return nm.convIter >= nm.iters
}

// step sets x to centroid + scale·(centroid − worst).
func (nm *nelderMead) step(x []float64, scale float64) {
	floats.SubTo(x, nm.centroid, nm.vertices[len(x)])
	floats.Scale(scale, x)
	floats.Add(x, nm.centroid)
}

type vertexSorter struct {
	vertices [][]float64
	values   []float64
}

func (s vertexSorter) Len() int           { return len(s.values) }
func (s vertexSorter) Less(i, j int) bool { return s.values[i] < s.values[j] }
func (s vertexSorter) Swap(i, j int) {
	s.values[i], s.values[j] = s.values[j], s.values[i]
	s.vertices[i], s.vertices[j] = s.vertices[j], s.vertices[i]
}

// sortAndCentroid sorts the vertices by value with sort.Sort, as gonum
// does: the order it leaves ties in is part of matching gonum to the bit.
func (nm *nelderMead) sortAndCentroid() {
	sort.Sort(vertexSorter{nm.vertices, nm.values})
	dim := len(nm.centroid)
	for i := range nm.centroid {
		nm.centroid[i] = 0
	}
	for i := range dim {
		for j, v := range nm.vertices[i] {
			nm.centroid[j] += v
		}
	}
	for i := range nm.centroid {
		nm.centroid[i] /= float64(dim)
	}
}

// replaceWorst puts {x, f} in place of the worst vertex, keeping the
// vertices sorted and the centroid of all but the worst.
func (nm *nelderMead) replaceWorst(x []float64, f float64) {
	dim := len(x)
	copy(nm.vertices[dim], x)
	nm.values[dim] = f
	for i := dim - 1; i >= 0; i-- {
		if nm.values[i] < f {
			break
		}
		nm.vertices[i], nm.vertices[i+1] = nm.vertices[i+1], nm.vertices[i]
		nm.values[i], nm.values[i+1] = nm.values[i+1], nm.values[i]
	}
	floats.AddScaled(nm.centroid, -1/float64(dim), nm.vertices[dim])
	floats.AddScaled(nm.centroid, 1/float64(dim), x)
}
