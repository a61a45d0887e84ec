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
}

// Demographic is the NHS planning baseline: each group's activity rate per
// head, by position in the year, averaged over the last three years (or the
// whole history if shorter), times the group's projected population, summed
// over groups. Demand then moves only with the size and age of the
// population, which is what commissioners compare other forecasts against.
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
	w := min(n, 3*m)
	times := make([]time.Time, n+h)
	for i := range times {
		times[i] = periodTime(in.Freq, in.Start, i)
	}
	// rates[g][p] is group g's mean rate at position p of the year.
	rates := make(map[string][]float64, len(groups))
	for _, g := range groups {
		ev := in.ByGroup[g]
		pop := in.Population[g]
		if len(ev) != n {
			return Forecast{}, fmt.Errorf("demographic %s: group %s has %d periods, want %d: %w", in.Key, g, len(ev), n, ErrFormat)
		}
		if pop == nil {
			return Forecast{}, fmt.Errorf("demographic %s: group %s has no population: %w", in.Key, g, ErrFormat)
		}
		sum, cnt := make([]float64, m), make([]float64, m)
		for i := n - w; i < n; i++ {
			p := pop(times[i])
			if !(p > 0) || math.IsInf(p, 0) || !finite(ev[i:i+1]) {
				return Forecast{}, fmt.Errorf("demographic %s: group %s period %d: population or events not usable: %w", in.Key, g, i, ErrFit)
			}
			sum[i%m] += ev[i] / p
			cnt[i%m]++
		}
		for p := range sum {
			if cnt[p] > 0 {
				sum[p] /= cnt[p]
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
	for i := n - w; i < n; i++ {
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
