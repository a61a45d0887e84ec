package reports

import (
	dbsql "database/sql"
	"math"
	"strconv"
)

// Kind says what a published figure is, and so which disclosure rule it
// falls under.
type Kind int

const (
	// Label is a key: a name, code or period.
	Label Kind = iota
	// Count is a count of people or records: suppressed and rounded.
	Count
	// Rate is derived from counts: suppressed with its numerator.
	Rate
	// Modelled is a forecast, interval or accuracy measure: exempt.
	Modelled
)

// Cell is one published figure as it is shown.
type Cell struct {
	Text string
	Kind Kind
	// Value is the shown value (rounded counts, rates); NaN when suppressed
	// or not available.
	Value float64
}

// Suppressed is the text of a suppressed figure.
const Suppressed = "*"

// notAvailable is shown where a figure has no value (e.g. a rate of nothing).
const notAvailable = "–"

// Shown reports whether the cell has a value to plot or add up.
func (c Cell) Shown() bool { return !math.IsNaN(c.Value) }

// Disclosure is the statistical disclosure control of published counts
// (rule 4 of the design): every count in the report and its CSVs passes
// through it.
type Disclosure struct {
	SuppressMax int // counts 1..SuppressMax are shown as *
	RoundTo     int // other counts are rounded to the nearest RoundTo
}

func (d Disclosure) suppress(n int64) bool { return n >= 1 && n <= int64(d.SuppressMax) }

func (d Disclosure) round(n int64) int64 {
	if d.RoundTo <= 1 {
		return n
	}
	r := int64(d.RoundTo)
	return (n + r/2) / r * r // half up: counts are never negative
}

// Count publishes a count: 0 as 0, 1..SuppressMax as *, anything else
// rounded to the nearest RoundTo.
func (d Disclosure) Count(n int64) Cell {
	if d.suppress(n) {
		return Cell{Text: Suppressed, Kind: Count, Value: math.NaN()}
	}
	v := d.round(n)
	return Cell{Text: formatInt(v), Kind: Count, Value: float64(v)}
}

// Total adds up published cells: it is the sum of their rounded values,
// never of the true counts, so it cannot be used to recover a suppressed
// cell. Suppressed cells add nothing; when they are all that was there
// (the sum is 0 but something was suppressed) the total is suppressed too,
// since 0 would be false.
func (d Disclosure) Total(cells []Cell) Cell {
	var sum float64
	hidden := false
	for _, c := range cells {
		if c.Shown() {
			sum += c.Value
		} else if c.Text == Suppressed {
			hidden = true
		}
	}
	if sum == 0 && hidden {
		return Cell{Text: Suppressed, Kind: Count, Value: math.NaN()}
	}
	return Cell{Text: formatInt(int64(sum)), Kind: Count, Value: sum}
}

// Rate publishes num/den*per to one decimal place. It is suppressed when
// either count is, since a rate over a handful of people discloses them as
// surely as the count does, and otherwise computed from the rounded counts
// as published: a rate from the true counts, to a decimal place, would let
// a reader undo the rounding of its numerator. No denominator, no rate.
func (d Disclosure) Rate(num, den int64, per float64) Cell {
	if d.suppress(num) || d.suppress(den) {
		return Cell{Text: Suppressed, Kind: Rate, Value: math.NaN()}
	}
	rn, rd := d.round(num), d.round(den)
	if rd == 0 {
		return Cell{Text: notAvailable, Kind: Rate, Value: math.NaN()}
	}
	return d.RateOf(num, den, float64(rn)/float64(rd)*per, 1)
}

// RateOf publishes an already computed rate of numerator num over
// denominator den (e.g. a standardised rate per 1,000 residents from the
// SQL models, whose denominator is a population estimate: pass den 0 to
// check the numerator only), suppressed as Rate is. A NaN rate is shown as
// not available.
func (d Disclosure) RateOf(num, den int64, rate float64, decimals int) Cell {
	if d.suppress(num) || d.suppress(den) {
		return Cell{Text: Suppressed, Kind: Rate, Value: math.NaN()}
	}
	if math.IsNaN(rate) || math.IsInf(rate, 0) {
		return Cell{Text: notAvailable, Kind: Rate, Value: math.NaN()}
	}
	return Cell{Text: strconv.FormatFloat(rate, 'f', decimals, 64), Kind: Rate, Value: rate}
}

// modelRate publishes a rate per 1,000 of the SQL models (a standardised
// rate or a limit: they weight age bands, and are kept as modelled),
// suppressed with the count it comes from; NULL is not available.
func (d Disclosure) modelRate(events int64, v dbsql.NullFloat64) Cell {
	if !v.Valid {
		v.Float64 = math.NaN()
	}
	return d.RateOf(events, 0, v.Float64, 1)
}

// crudeRate publishes a crude rate per 1,000 recomputed from the published
// count: the model's, from true events over a published population, would
// undo their rounding.
func (d Disclosure) crudeRate(events int64, population float64) Cell {
	if population <= 0 {
		return d.RateOf(events, 0, math.NaN(), 1)
	}
	return d.RateOf(events, 0, float64(d.round(events))/population*1000, 1)
}

// ModelledFigure publishes a modelled figure (a forecast, an interval
// limit, an accuracy measure), which is exempt from disclosure control, to
// the given number of decimal places.
func ModelledFigure(v float64, decimals int) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{Text: notAvailable, Kind: Modelled, Value: math.NaN()}
	}
	if decimals == 0 {
		return Cell{Text: formatInt(int64(math.Round(v))), Kind: Modelled, Value: math.Round(v)}
	}
	return Cell{Text: strconv.FormatFloat(v, 'f', decimals, 64), Kind: Modelled, Value: v}
}

// Text is a label cell.
func Text(s string) Cell { return Cell{Text: s, Kind: Label, Value: math.NaN()} }

// formatInt writes n with thousands separators, as commissioners read it.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
