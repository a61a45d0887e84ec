package forecast

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// DemographicInput is the history and population of one series for the
// demographic model.
type DemographicInput struct {
	Key   string
	Freq  int
	Start time.Time // the first period
	// ByGroup holds events per period for each age_band|sex group; all
	// groups cover the same periods from Start.
	ByGroup map[string][]float64
	// Population gives each group's population at a time: the mid-year
	// estimates for the history and the projection for the future.
	Population map[string]func(t time.Time) float64
	// Exclude lists spans whose periods are left out of the rates and their
	// scatter, as Options.Exclude does for the other models; events that
	// are missing (NaN) are left out too.
	Exclude []Span
}

// Demographic is the NHS planning baseline: each group's activity rate per
// head, by position in the year, averaged over the last three years (or the
// whole history if shorter), times the group's projected population, summed
// over groups. Demand then moves only with the size and age of the
// population, which is what commissioners compare other forecasts against.
// Excluded and missing periods do not count: the three years are the last
// three years' worth of usable periods.
// The intervals are log-normal, with the scatter of the history around the
// fitted rates, widened for the rates' estimation error:
// mean·exp(±q·σ·√(1+1/k)) with k the number of years averaged.
func Demographic(in DemographicInput, h int) (Forecast, error) {
	if h <= 0 {
		return Forecast{}, fmt.Errorf("demographic %s: horizon %d: must be positive", in.Key, h)
	}
	groups := slices.Sorted(maps.Keys(in.ByGroup))
	if len(groups) == 0 {
		return Forecast{}, fmt.Errorf("demographic %s: no groups: %w", in.Key, ErrTooShort)
	}
	n := len(in.ByGroup[groups[0]])
	m := max(in.Freq, 1)
	if n == 0 {
		return Forecast{}, fmt.Errorf("demographic %s: no history: %w", in.Key, ErrTooShort)
	}
	for _, g := range groups {
		if len(in.ByGroup[g]) != n {
			return Forecast{}, fmt.Errorf("demographic %s: group %s has %d periods, want %d: %w", in.Key, g, len(in.ByGroup[g]), n, ErrFormat)
		}
		if in.Population[g] == nil {
			return Forecast{}, fmt.Errorf("demographic %s: group %s has no population: %w", in.Key, g, ErrFormat)
		}
	}
	times := make([]time.Time, n+h)
	for i := range times {
		times[i] = periodTime(in.Freq, in.Start, i)
	}
	// use holds the periods the rates are averaged over, latest first: the
	// last 3m that are neither excluded nor missing in any group.
	var use []int
	for i := n - 1; i >= 0 && len(use) < 3*m; i-- {
		if !in.excludes(times[i]) && in.observed(groups, i) {
			use = append(use, i)
		}
	}
	if len(use) == 0 {
		return Forecast{}, fmt.Errorf("demographic %s: no period outside the excluded ones: %w", in.Key, ErrTooShort)
	}
	w := len(use)
	// rates[g][p] is group g's mean rate at position p of the year; a
	// position never observed takes the group's mean rate.
	rates := make(map[string][]float64, len(groups))
	for _, g := range groups {
		ev := in.ByGroup[g]
		pop := in.Population[g]
		sum, cnt := make([]float64, m), make([]float64, m)
		var all float64
		for _, i := range use {
			p := pop(times[i])
			if !(p > 0) || math.IsInf(p, 0) || math.IsInf(ev[i], 0) {
				return Forecast{}, fmt.Errorf("demographic %s: group %s period %d: population or events not usable: %w", in.Key, g, i, ErrFit)
			}
			sum[i%m] += ev[i] / p
			cnt[i%m]++
			all += ev[i] / p
		}
		for p := range sum {
			if cnt[p] > 0 {
				sum[p] /= cnt[p]
			} else {
				sum[p] = all / float64(w)
			}
		}
		rates[g] = sum
	}
	expected := func(i int) float64 {
		var s float64
		for _, g := range groups {
			s += rates[g][i%m] * in.Population[g](times[i])
		}
		return s
	}
	var ss float64
	k := 0
	for _, i := range use {
		var y float64
		for _, g := range groups {
			y += in.ByGroup[g][i]
		}
		if f := expected(i); y > 0 && f > 0 {
			d := math.Log(y / f)
			ss += d * d
			k++
		}
	}
	sigma := 0.0
	if k > 1 {
		sigma = math.Sqrt(ss/float64(k-1)) * math.Sqrt(1+float64(m)/float64(w))
	}
	q80, q95 := quantiles(float64(k - 1))
	f := Forecast{Key: in.Key, Model: "demographic", Mean: make([]float64, h),
		Lo80: make([]float64, h), Hi80: make([]float64, h), Lo95: make([]float64, h), Hi95: make([]float64, h)}
	for j := range h {
		mu := expected(n + j)
		if !finite([]float64{mu}) || mu < 0 {
			return Forecast{}, fmt.Errorf("demographic %s: projection not usable at step %d: %w", in.Key, j+1, ErrFit)
		}
		f.Mean[j] = mu
		f.Lo80[j], f.Hi80[j] = mu*math.Exp(-q80*sigma), mu*math.Exp(q80*sigma)
		f.Lo95[j], f.Hi95[j] = mu*math.Exp(-q95*sigma), mu*math.Exp(q95*sigma)
	}
	f.Chosen = true
	return f, nil
}

// excludes reports whether the period starting at t is in an excluded span.
func (in DemographicInput) excludes(t time.Time) bool {
	for _, sp := range in.Exclude {
		if sp.Contains(t) {
			return true
		}
	}
	return false
}

// observed reports whether every group has events for period i.
func (in DemographicInput) observed(groups []string, i int) bool {
	for _, g := range groups {
		if math.IsNaN(in.ByGroup[g][i]) {
			return false
		}
	}
	return true
}
