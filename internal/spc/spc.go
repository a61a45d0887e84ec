// Package spc computes XmR statistical process control charts the way NHS
// England's "Making Data Count" (MDC) programme reads them: the mean, the
// natural process limits at the mean ± 2.66 average moving ranges, the four
// special-cause rules, limits recalculated from a declared change point on,
// and the variation icon of the latest point.
//
// The rules, applied within each phase (the points between change points):
//   - a point outside the process limits;
//   - a shift: a run of 7 or more consecutive points on the same side of
//     the mean (a point on the mean breaks the run);
//   - a trend: 6 or more consecutive points each higher (or each lower)
//     than the one before (an equal value breaks the trend);
//   - two out of three consecutive points beyond two sigma on the same side
//     of the mean ("close to a limit": the outer third of the band between
//     the mean and a limit), the point between them on either side.
//
// Moving ranges are screened as NHSRplotthedots does by default: a moving
// range above 3.267 times the average (the upper range limit) is left out
// and the average taken again, so that one freak month does not widen the
// limits.
package spc

import (
	"errors"
	"fmt"
	"math"
)

// Constants of the XmR chart: 2.66 = 3 / 1.128 (d2 for ranges of two), and
// the upper range limit 3.267 (D4 for ranges of two).
const (
	limitFactor = 2.66
	rangeLimit  = 3.267
)

// Rule lengths (MDC).
const (
	ShiftLength = 7
	TrendLength = 6
)

// Rule is a special-cause rule; a point may meet several.
type Rule uint8

const (
	// OutsideLimits: the point is beyond a process limit.
	OutsideLimits Rule = 1 << iota
	// Shift: the point is in a run of ShiftLength or more on one side of
	// the mean.
	Shift
	// Trend: the point is in a run of TrendLength or more consecutively
	// rising or falling points.
	Trend
	// TwoOfThree: the point is one of two (or three) of three consecutive
	// points beyond two sigma on the same side.
	TwoOfThree
)

// String names the rules met, for tables and tests.
func (r Rule) String() string {
	if r == 0 {
		return "none"
	}
	var s string
	for _, x := range []struct {
		r    Rule
		name string
	}{{OutsideLimits, "outside the limits"}, {Shift, "shift"}, {Trend, "trend"}, {TwoOfThree, "two of three near a limit"}} {
		if r&x.r != 0 {
			if s != "" {
				s += ", "
			}
			s += x.name
		}
	}
	return s
}

// Direction says which way is better for a measure. Activity volumes have
// none: more A&E attendances is neither improvement nor concern, only a
// change to plan for.
type Direction int

const (
	Neither Direction = iota
	HigherIsBetter
	LowerIsBetter
)

// Point is one point of a chart with the limits of its phase.
type Point struct {
	Value       float64
	Phase       int // 0 for the points before the first change point
	Mean        float64
	Upper       float64 // upper natural process limit
	Lower       float64 // lower natural process limit (may be below 0)
	MovingRange float64 // |x - previous x| within the phase; NaN at a phase's first point
	Rules       Rule
	// Side of a special cause: +1 high (above the mean, or rising), -1
	// low, 0 when Rules is 0.
	Side int
}

// Special reports whether the point shows special-cause variation.
func (p Point) Special() bool { return p.Rules != 0 }

// Chart is an XmR chart.
type Chart struct {
	Points    []Point
	Direction Direction
	// AverageMovingRange of each phase, after screening.
	AverageMovingRange []float64
}

// Errors of XMR.
var (
	ErrTooShort    = errors.New("too few points for limits")
	ErrChangePoint = errors.New("change point out of range or out of order")
	ErrValue       = errors.New("value not finite")
)

// MinPhase is the fewest points a phase may have: limits from fewer
// moving ranges than this do not describe a process (MDC advises 15 or
// more, and 12 at the least for a first look).
const MinPhase = 12

// XMR builds the chart of values (in time order) with limits recalculated
// from each change point on (indices into values, ascending). Each phase
// needs MinPhase points.
func XMR(values []float64, changes []int, dir Direction) (*Chart, error) {
	bounds := append([]int{0}, changes...)
	bounds = append(bounds, len(values))
	for i := 1; i < len(bounds); i++ {
		if bounds[i] <= bounds[i-1] || bounds[i] > len(values) {
			return nil, fmt.Errorf("change points %v of %d values: %w", changes, len(values), ErrChangePoint)
		}
		if n := bounds[i] - bounds[i-1]; n < MinPhase {
			return nil, fmt.Errorf("phase %d has %d points, want %d: %w", i-1, n, MinPhase, ErrTooShort)
		}
	}
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %d: %w", i, ErrValue)
		}
	}
	c := &Chart{Points: make([]Point, len(values)), Direction: dir}
	for ph := range len(bounds) - 1 {
		lo, hi := bounds[ph], bounds[ph+1]
		seg := values[lo:hi]
		mean := 0.0
		for _, v := range seg {
			mean += v
		}
		mean /= float64(len(seg))
		amr := averageMovingRange(seg)
		c.AverageMovingRange = append(c.AverageMovingRange, amr)
		for i, v := range seg {
			mr := math.NaN()
			if i > 0 {
				mr = math.Abs(v - seg[i-1])
			}
			c.Points[lo+i] = Point{Value: v, Phase: ph, Mean: mean, Upper: mean + limitFactor*amr,
				Lower: mean - limitFactor*amr, MovingRange: mr}
		}
		applyRules(c.Points[lo:hi])
	}
	return c, nil
}

// averageMovingRange is the mean moving range of seg, screened: ranges
// above rangeLimit times the first average are left out of the second.
func averageMovingRange(seg []float64) float64 {
	var sum float64
	for i := 1; i < len(seg); i++ {
		sum += math.Abs(seg[i] - seg[i-1])
	}
	first := sum / float64(len(seg)-1)
	var kept float64
	n := 0
	for i := 1; i < len(seg); i++ {
		if mr := math.Abs(seg[i] - seg[i-1]); mr <= rangeLimit*first {
			kept += mr
			n++
		}
	}
	if n == 0 {
		return first
	}
	return kept / float64(n)
}

// applyRules marks the special causes of one phase's points.
func applyRules(ps []Point) {
	side := func(p Point) int {
		switch {
		case p.Value > p.Mean:
			return 1
		case p.Value < p.Mean:
			return -1
		}
		return 0
	}
	mark := func(i int, r Rule, s int) {
		ps[i].Rules |= r
		if ps[i].Side == 0 {
			ps[i].Side = s
		}
	}
	for i, p := range ps {
		switch {
		case p.Value > p.Upper:
			mark(i, OutsideLimits, 1)
		case p.Value < p.Lower:
			mark(i, OutsideLimits, -1)
		}
	}
	// Shift: runs of one side.
	for start := 0; start < len(ps); {
		s := side(ps[start])
		end := start + 1
		for end < len(ps) && side(ps[end]) == s {
			end++
		}
		if s != 0 && end-start >= ShiftLength {
			for i := start; i < end; i++ {
				mark(i, Shift, s)
			}
		}
		start = end
	}
	// Trend: runs of strictly rising or falling points. run is the first
	// point of the current run and dir its direction (0: no run).
	closeTrend := func(run, last, dir int) {
		if dir != 0 && last-run+1 >= TrendLength {
			for i := run; i <= last; i++ {
				mark(i, Trend, dir)
			}
		}
	}
	run, dir := 0, 0
	for i := 1; i < len(ps); i++ {
		d := cmpFloat(ps[i].Value, ps[i-1].Value)
		if d != 0 && d == dir {
			continue
		}
		closeTrend(run, i-1, dir)
		run, dir = i-1, d
	}
	closeTrend(run, len(ps)-1, dir)
	// Two of three beyond two sigma (2/3 of the way to a limit), same side.
	for i := 0; i+2 < len(ps); i++ {
		for _, s := range []int{1, -1} {
			var near []int
			for j := i; j < i+3; j++ {
				p := ps[j]
				twoSigma := (p.Upper - p.Mean) * 2 / 3
				if float64(s)*(p.Value-p.Mean) > twoSigma {
					near = append(near, j)
				}
			}
			if len(near) >= 2 {
				for _, j := range near {
					mark(j, TwoOfThree, s)
				}
			}
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// Variation is the MDC variation icon of a chart's latest point.
type Variation int

const (
	// CommonCause: no rule is met by the latest point.
	CommonCause Variation = iota
	// SpecialHigh and SpecialLow: the latest point shows special-cause
	// variation, high or low.
	SpecialHigh
	SpecialLow
)

// Latest is the variation of the chart's last point.
func (c *Chart) Latest() Variation {
	if len(c.Points) == 0 {
		return CommonCause
	}
	p := c.Points[len(c.Points)-1]
	switch {
	case !p.Special():
		return CommonCause
	case p.Side > 0:
		return SpecialHigh
	}
	return SpecialLow
}

// Icon describes a variation as MDC's icons do, in words and as a symbol,
// for a measure of the chart's direction: its name ("Special cause
// variation — higher"), a short letter code (H, L or a dash) and its
// meaning (improvement, concern, or neither).
type Icon struct {
	Name    string
	Letter  string
	Meaning string // "improvement", "concern", "neither" or "common cause"
}

// IconOf returns the icon of variation v for a measure of direction dir.
func IconOf(v Variation, dir Direction) Icon {
	switch v {
	case SpecialHigh, SpecialLow:
		high := v == SpecialHigh
		word, letter := "lower", "L"
		if high {
			word, letter = "higher", "H"
		}
		meaning := "neither"
		switch {
		case dir == HigherIsBetter && high, dir == LowerIsBetter && !high:
			meaning = "improvement"
		case dir != Neither:
			meaning = "concern"
		}
		name := "Special cause variation — " + word
		if meaning != "neither" {
			name = "Special cause " + meaning + " — " + word
		}
		return Icon{Name: name, Letter: letter, Meaning: meaning}
	}
	return Icon{Name: "Common cause variation — no significant change", Letter: "–", Meaning: "common cause"}
}
