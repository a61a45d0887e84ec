package forecast

import "math"

// A restart is where a series' last excluded span ends: the periods after
// it are all that shows where the level and trend went once the disruption
// was over (see widen).
type restart struct {
	// after is the index of the first period after the span.
	after int
}

// restartOf returns the restart of y, the values of s with spans excluded
// (Excluded), and false when y has none to widen for: no period excluded,
// or none observed before the last span (a series that begins after a
// disruption is fitted on what came after it alone, and its intervals say
// so already).
func restartOf(s Series, y []float64, spans []Span) (restart, bool) {
	if len(spans) == 0 || s.Start.IsZero() {
		return restart{}, false
	}
	last := len(y) - 1
	for last >= 0 && !s.excluded(last, spans) {
		last--
	}
	if last < 0 {
		return restart{}, false
	}
	first := last
	for first > 0 && s.excluded(first-1, spans) {
		first--
	}
	if observed(y[:first]) == 0 {
		return restart{}, false
	}
	return restart{after: last + 1}, true
}

// widen adds to f's intervals, forecast from the n = len(y) values y, the
// variance of a level and trend known only from the periods observed since
// the restart r: the variance of a straight line's prediction at step j,
//
//	σ² (1/k + (t_j − t̄)² / Σ (t_i − t̄)²),
//
// over the k observed periods t_i ≥ r.after and t_j = n + j, with σ the
// forecast's own one-step spread. It is what a state-space model
// restarted with a diffuse level and trend at the end of the span would
// add to its forecast variance. The models fitted across a span carry the
// level and trend from before it into the periods after, and their
// intervals, as though they were known: after the pandemic window
// emergency activity returned to a level and a growth of its own, that a
// year and a half of data pinned down only loosely. Added in quadrature to
// each side's half-width, the mean is unchanged; as periods accumulate
// after the span the addition fades (at 12 steps ahead, by 3.5 σ with 6
// months observed since, 1.0 σ with 18, 0.3 σ with 60). With fewer than two
// periods observed since, no trend can be estimated and f is returned as is.
// The widened intervals are capped as every model's are (guard) and, for
// counts, clipped at zero.
func (r restart) widen(f Forecast, y []float64) Forecast {
	n := len(y)
	var k, sum float64
	for t := r.after; t < n; t++ {
		if !math.IsNaN(y[t]) {
			k++
			sum += float64(t)
		}
	}
	if k < 2 || len(f.Mean) == 0 {
		return f
	}
	mean := sum / k
	var sxx float64
	for t := r.after; t < n; t++ {
		if !math.IsNaN(y[t]) {
			sxx += (float64(t) - mean) * (float64(t) - mean)
		}
	}
	sd1 := (f.Hi80[0] - f.Lo80[0]) / (2 * z80)
	if !(sd1 > 0) || math.IsInf(sd1, 0) {
		return f
	}
	out := Forecast{Key: f.Key, Model: f.Model, Chosen: f.Chosen, Mean: f.Mean,
		Lo80: make([]float64, len(f.Mean)), Hi80: make([]float64, len(f.Mean)),
		Lo95: make([]float64, len(f.Mean)), Hi95: make([]float64, len(f.Mean))}
	for j, m := range f.Mean {
		d := float64(n+j) - mean
		sd := sd1 * math.Sqrt(1/k+d*d/sxx)
		out.Lo80[j] = m - math.Hypot(m-f.Lo80[j], z80*sd)
		out.Hi80[j] = m + math.Hypot(f.Hi80[j]-m, z80*sd)
		out.Lo95[j] = m - math.Hypot(m-f.Lo95[j], z95*sd)
		out.Hi95[j] = m + math.Hypot(f.Hi95[j]-m, z95*sd)
	}
	out.guard(y)
	if nonNegative(y) {
		out.truncate()
	}
	return out
}
