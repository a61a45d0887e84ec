package scenario

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// band is an age band of the run: its label and the ages it covers (hi
// math.MaxInt for the open top band).
type band struct {
	label  string
	lo, hi int
}

// bandsOf returns the age bands of the run's population model in age
// order. The bands are the run's own (five-year bands 0-4 … 90+ today):
// nothing here assumes their width.
func bandsOf(pop []PopulationRow) ([]band, error) {
	seen := map[string]bool{}
	var out []band
	for _, r := range pop {
		if seen[r.AgeBand] {
			continue
		}
		seen[r.AgeBand] = true
		lo, hi, ok := ageBounds(r.AgeBand)
		if !ok {
			return nil, fmt.Errorf("%w: the population model has age band %q, not of the form 0-4 or 90+", ErrBaseline, r.AgeBand)
		}
		out = append(out, band{r.AgeBand, lo, hi})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the run's population model is empty", ErrBaseline)
	}
	slices.SortFunc(out, func(a, b band) int { return cmp.Compare(a.lo, b.lo) })
	for i := 1; i < len(out); i++ {
		if out[i].lo <= out[i-1].hi {
			return nil, fmt.Errorf("%w: age bands %s and %s of the population model overlap", ErrBaseline, out[i-1].label, out[i].label)
		}
	}
	return out, nil
}

func bandLabels(bs []band) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.label
	}
	return strings.Join(out, ", ")
}

// bandOf returns the band that holds an age or age group label, if one
// does.
func bandOf(bands []band, age string) (band, bool) {
	lo, hi, ok := ageBounds(age)
	if !ok {
		return band{}, false
	}
	for _, b := range bands {
		if b.lo <= lo && hi <= b.hi {
			return b, true
		}
	}
	return band{}, false
}

type popKey struct{ place, band, sex string }

// populations holds populations by place, age band and sex for the years
// from the baseline year to the horizon (index 0 is the baseline year).
type populations map[popKey][]float64

// factors are one demographic variant's growth factors: the population in
// each year over the population in the baseline year, for each place, age
// band and sex (cell), and for each place as a whole (place), which applies
// to activity of unknown age band or sex.
type factors struct {
	cell  map[popKey][]float64
	place map[string][]float64
	h     int
}

func newFactors(p populations, h int) *factors {
	f := &factors{cell: map[popKey][]float64{}, place: map[string][]float64{}, h: h}
	totals := map[string][]float64{}
	// In a fixed order: a sum taken in map order would differ in its last
	// bits from run to run.
	keys := slices.SortedFunc(maps.Keys(p), func(a, b popKey) int {
		return cmp.Or(strings.Compare(a.place, b.place), strings.Compare(a.band, b.band), strings.Compare(a.sex, b.sex))
	})
	for _, k := range keys {
		v := p[k]
		f.cell[k] = ratios(v)
		t := totals[k.place]
		if t == nil {
			t = make([]float64, h+1)
			totals[k.place] = t
		}
		for i, x := range v {
			t[i] += x
		}
	}
	for place, t := range totals {
		f.place[place] = ratios(t)
	}
	return f
}

// ratios divides each year's population by the baseline year's; with no
// baseline population there is nothing to grow, and the factor is 1.
func ratios(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 1
		if v[0] > 0 {
			out[i] = x / v[0]
		}
	}
	return out
}

// of returns the factors of a cell of activity.
func (f *factors) of(place, band, sex string, bandKnown bool) []float64 {
	if bandKnown && (sex == "male" || sex == "female") {
		if d, ok := f.cell[popKey{place, band, sex}]; ok {
			return d
		}
	}
	if d, ok := f.place[place]; ok {
		return d
	}
	out := make([]float64, f.h+1)
	for i := range out {
		out[i] = 1
	}
	return out
}

// scaled returns the factors of a variant growing k times as fast each
// year: factor·k^t; k 0 means no change at all (every factor 1).
func (f *factors) scaled(k float64) *factors {
	g := &factors{cell: map[popKey][]float64{}, place: map[string][]float64{}, h: f.h}
	scale := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for t, x := range v {
			if k == 0 {
				out[t] = 1
			} else {
				out[t] = x * math.Pow(k, float64(t))
			}
		}
		return out
	}
	for key, v := range f.cell {
		g.cell[key] = scale(v)
	}
	for key, v := range f.place {
		g.place[key] = scale(v)
	}
	return g
}

// principal reads the run's population model for the years from the
// baseline to the horizon. Beyond the model's last year each place, age
// band and sex goes on growing at its rate of that last year (the model's
// own method, constant geometric growth, carried on).
func principal(b *Baseline, h int) (*factors, error) {
	p, err := principalPopulations(b, h)
	if err != nil {
		return nil, err
	}
	return newFactors(p, h), nil
}

func principalPopulations(b *Baseline, h int) (populations, error) {
	byKey := map[popKey]map[int]float64{}
	for _, r := range b.Population {
		k := popKey{r.Place, r.AgeBand, r.Sex}
		if byKey[k] == nil {
			byKey[k] = map[int]float64{}
		}
		byKey[k][r.Year] += r.Population
	}
	out := populations{}
	for k, years := range byKey {
		if _, ok := years[b.Year]; !ok {
			return nil, fmt.Errorf("%w: the population model has no %d for %s %s %s (it covers %s)",
				ErrBaseline, b.Year, k.place, k.sex, k.band, yearSpan(years))
		}
		last := b.Year
		for y := range years {
			last = max(last, y)
		}
		growth := 1.0
		if prev, ok := years[last-1]; ok && prev > 0 {
			growth = years[last] / prev
		}
		v := make([]float64, h+1)
		for t := range v {
			y := b.Year + t
			if x, ok := years[y]; ok {
				v[t] = x
				continue
			}
			if y < last {
				return nil, fmt.Errorf("%w: the population model lacks %d for %s %s %s", ErrBaseline, y, k.place, k.sex, k.band)
			}
			v[t] = years[last] * math.Pow(growth, float64(y-last))
		}
		out[k] = v
	}
	return out, nil
}

func yearSpan(years map[int]float64) string {
	lo, hi := math.MaxInt, math.MinInt
	for y := range years {
		lo, hi = min(lo, y), max(hi, y)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// projectionToFactors bands a projection's populations by the run's age
// bands and turns them into factors. Every place of the run must be in it
// for every age band and sex, from the baseline year to the horizon.
func projectionToFactors(rows []ProjectionRow, places []Place, bands []band, year, h int) (*factors, error) {
	want := map[string]bool{}
	for _, p := range places {
		want[p.Code] = true
	}
	p := populations{}
	covered := map[popKey]map[int]bool{}
	for _, r := range rows {
		if !want[r.Area] || r.Year < year || r.Year > year+h {
			continue
		}
		b, ok := bandOf(bands, r.Age)
		if !ok {
			return nil, fmt.Errorf("age %s of %s does not fit within one age band of the run (%s)", r.Age, r.Area, bandLabels(bands))
		}
		k := popKey{r.Area, b.label, r.Sex}
		if p[k] == nil {
			p[k] = make([]float64, h+1)
			covered[k] = map[int]bool{}
		}
		p[k][r.Year-year] += r.Population
		covered[k][r.Year] = true
	}
	var missing []string
	for _, pl := range places {
		for _, b := range bands {
			for _, sex := range []string{"female", "male"} {
				k := popKey{pl.Code, b.label, sex}
				for y := year; y <= year+h; y++ {
					if !covered[k][y] {
						missing = append(missing, fmt.Sprintf("%s %s %s %d", pl.Code, sex, b.label, y))
						break
					}
				}
			}
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > 3 {
			more = fmt.Sprintf(" and %d more", len(missing)-3)
			missing = missing[:3]
		}
		return nil, fmt.Errorf("the projection lacks %s%s: it must cover every place, age band and sex of the run from %d to %d",
			strings.Join(missing, ", "), more, year, year+h)
	}
	return newFactors(p, h), nil
}

// Projection returns the population projection a built-in variant
// (principal, high, low or none) gives the places of a baseline from the
// baseline year to the baseline year plus h, by age band, as rows of the
// ONS layout: a starting point for a projection file of one's own.
func Projection(b *Baseline, variant string, spread float64, h int) ([]ProjectionRow, error) {
	if h < 0 || h > 100 {
		return nil, fmt.Errorf("projection: %d years ahead: want 0 to 100", h)
	}
	var k float64
	switch variant {
	case Principal:
		k = 1
	case High:
		k = 1 + spread
	case Low:
		k = 1 - spread
	case NoChange:
		k = 0
	default:
		return nil, fmt.Errorf("projection: unknown variant %q (principal, high, low or none)", variant)
	}
	p, err := principalPopulations(b, h)
	if err != nil {
		return nil, err
	}
	inRegion := map[string]bool{}
	for _, pl := range b.Places {
		inRegion[pl.Code] = true
	}
	var out []ProjectionRow
	for key, v := range p {
		if !inRegion[key.place] || key.sex != "male" && key.sex != "female" {
			continue
		}
		for t, x := range v {
			switch {
			case k == 0:
				x = v[0]
			default:
				x *= math.Pow(k, float64(t))
			}
			out = append(out, ProjectionRow{Area: key.place, Sex: key.sex, Age: key.band, Year: b.Year + t, Population: x})
		}
	}
	slices.SortFunc(out, func(a, b ProjectionRow) int {
		return cmp.Or(strings.Compare(a.Area, b.Area), strings.Compare(a.Sex, b.Sex),
			compareAges(a.Age, b.Age), cmp.Compare(a.Year, b.Year))
	})
	return out, nil
}
