// Package forecast fits time-series models to activity counts and forecasts
// them with 80 % and 95 % prediction intervals: naive and seasonal naive,
// the ETS family selected by AICc (Hyndman et al. 2008; initial states
// profiled by least squares, refined by Gauss–Newton for multiplicative
// seasons), automatic
// ARIMA (Hyndman & Khandakar 2008), Theta (Hyndman & Billah 2003), a
// Fourier seasonal decomposition with ETS ("stl") or ARIMA for long seasonal
// periods, a demographic rates-times-population model and a combination:
// ETS, ARIMA, Theta and seasonal naive (Fourier+ETS, Fourier+ARIMA, Theta
// and seasonal naive for weekly data) weighted by the inverse of each one's
// error on the series' last periods, which auto uses. Run fits many series
// concurrently, backtests them on rolling origins and always returns a
// finite forecast for every series. Missing values (NaN) are skipped by the
// state-space models and filled for the others. A series on a calendar is
// forecast with its calendar: a week's bank holidays in England and Wales, a
// month's working days and length.
//
// Gonum has no time-series models; they are implemented here on Gonum's
// statistics and linear algebra, and its Nelder–Mead ported to run in the
// caller's goroutine (nelderMead).
package forecast

import (
	"errors"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// A Series is one regularly spaced series of counts or values.
type Series struct {
	Key string
	// Freq is the number of periods in a year: 12 for monthly, 52 for
	// weekly (whose true period, 365.25/7 ≈ 52.18, the STL method uses), 1 for none.
	Freq   int
	Start  time.Time // the first period: placing Options.Exclude needs it
	Values []float64
	// FirstIndex is the period_index of the first value, as ReadLong read
	// it; 0 elsewhere.
	FirstIndex int
}

// Options control Run.
type Options struct {
	Horizon int
	// Method is one of Methods; "" means "auto".
	Method string
	// ChosenOnly, with Method "auto", returns and backtests only the
	// forecast auto chooses, not every candidate's: for a caller that keeps
	// no other, the candidates that are not members of the combination
	// (the non-seasonal ETS of a weekly series) are not fitted.
	ChosenOnly bool
	// Origins is the number of rolling-origin backtests per series, each
	// holding out Horizon periods (fewer when the series is short). 0 skips
	// backtesting.
	Origins int
	// Workers bounds the concurrent fits; 0 means GOMAXPROCS.
	Workers int
	// Observe, if set, is called after each series is done with the time it
	// took (fits, forecasts and backtests); it must be safe for concurrent use.
	Observe func(key string, elapsed time.Duration)
	// Exclude lists spans of time whose periods are treated as missing in
	// fitting and backtests (the COVID-19 collapse, say): the state-space
	// models skip them, the others see them filled, and no backtest scores
	// them. A period is excluded when its start date falls in a span; series
	// without a Start are not affected.
	Exclude []Span
}

// A Span is an inclusive span of time, From ≤ t ≤ To.
type Span struct{ From, To time.Time }

// Contains reports whether t falls in the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && !t.After(s.To) }

// PeriodStart is the start of period i of s (i = 0 is s.Start): weeks for
// Freq 52, months otherwise.
func (s Series) PeriodStart(i int) time.Time {
	if s.Freq == 52 {
		return s.Start.AddDate(0, 0, 7*i)
	}
	return s.Start.AddDate(0, i, 0)
}

// Excluded returns s's values with the periods in the spans set missing
// (NaN), and how many; the values are copied only if any is.
func (s Series) Excluded(spans []Span) ([]float64, int) {
	if len(spans) == 0 || s.Start.IsZero() {
		return s.Values, 0
	}
	var out []float64
	k := 0
	for i := range s.Values {
		if s.excluded(i, spans) {
			if out == nil {
				out = slices.Clone(s.Values)
			}
			out[i] = math.NaN()
			k++
		}
	}
	if out == nil {
		return s.Values, 0
	}
	return out, k
}

// excluded reports whether period i of s falls in one of the spans.
func (s Series) excluded(i int, spans []Span) bool {
	t := s.PeriodStart(i)
	for _, sp := range spans {
		if sp.Contains(t) {
			return true
		}
	}
	return false
}

// A Forecast is one model's forecast for one series. Slices have the
// horizon's length; intervals are ordered Lo95 ≤ Lo80 ≤ Mean ≤ Hi80 ≤ Hi95.
type Forecast struct {
	Key, Model                   string
	Mean, Lo80, Hi80, Lo95, Hi95 []float64
	// Chosen marks the forecast auto chose for the series.
	Chosen bool
}

// Accuracy is one model's rolling-origin backtest accuracy for one series,
// averaged over the origins (M4 definitions: see Score).
type Accuracy struct {
	Key, Model                                string
	Origins                                   int
	MASE, SMAPE, Coverage80, Coverage95, MSIS float64
	Chosen                                    bool
}

// Methods lists the method names Fit and Run accept.
var Methods = []string{"auto", "naive", "snaive", "ets", "damped", "arima", "theta", "stl", "combination"}

// Errors callers may branch on.
var (
	// ErrMethod reports an unknown method name.
	ErrMethod = errors.New("unknown forecast method")
	// ErrTooShort reports a series too short for the method.
	ErrTooShort = errors.New("series too short for method")
	// ErrFit reports a model that could not be fitted to the series
	// (non-finite likelihood, non-positive data for a multiplicative model).
	ErrFit = errors.New("model fit failed")
)

// Normal quantiles for the two-sided 80 % and 95 % intervals.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// finite reports whether every value is finite.
func finite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// valid reports whether f is complete, finite and ordered.
func (f *Forecast) valid(h int) bool {
	if len(f.Mean) != h || len(f.Lo80) != h || len(f.Hi80) != h || len(f.Lo95) != h || len(f.Hi95) != h {
		return false
	}
	if !finite(f.Mean) || !finite(f.Lo80) || !finite(f.Hi80) || !finite(f.Lo95) || !finite(f.Hi95) {
		return false
	}
	for i := range f.Mean {
		if !(f.Lo95[i] <= f.Lo80[i] && f.Lo80[i] <= f.Mean[i] && f.Mean[i] <= f.Hi80[i] && f.Hi80[i] <= f.Hi95[i]) {
			return false
		}
	}
	return true
}

// quantiles returns the two-sided 80 % and 95 % quantiles of Student's t
// with df degrees of freedom: the variance is estimated from df residual
// degrees of freedom, which matters for short series with many parameters
// (24 months, 15 ETS parameters). df ≤ 0 or large df give the normal's.
func quantiles(df float64) (q80, q95 float64) {
	if df <= 0 || df > 1e6 {
		return z80, z95
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	return t.Quantile(0.9), t.Quantile(0.975)
}

// normalForecast builds a forecast with symmetric intervals from the mean,
// the standard error at each step and the residual degrees of freedom.
func normalForecast(key, model string, mean, se []float64, df float64) Forecast {
	h := len(mean)
	q80, q95 := quantiles(df)
	f := Forecast{Key: key, Model: model, Mean: mean,
		Lo80: make([]float64, h), Hi80: make([]float64, h), Lo95: make([]float64, h), Hi95: make([]float64, h)}
	for i, m := range mean {
		f.Lo80[i], f.Hi80[i] = m-q80*se[i], m+q80*se[i]
		f.Lo95[i], f.Hi95[i] = m-q95*se[i], m+q95*se[i]
	}
	return f
}

// maxWidth bounds every interval: no half-width may exceed maxWidth times
// that of a random walk's interval at the same step and level. A model's
// intervals can legitimately be wider than a random walk's (a trend adds
// its own uncertainty) but not by this much: wider is a model whose
// variance has exploded, as a multiplicative model after an outlier can.
const maxWidth = 3

// guard caps the intervals of f at maxWidth random-walk half-widths from the
// mean, the random walk's spread estimated from the first differences of y.
func (f *Forecast) guard(y []float64) {
	sd := diffSD(y)
	if !(sd > 0) {
		return
	}
	for j, m := range f.Mean {
		w := maxWidth * sd * math.Sqrt(float64(j+1))
		f.Lo80[j] = max(f.Lo80[j], m-w*z80)
		f.Hi80[j] = min(f.Hi80[j], m+w*z80)
		f.Lo95[j] = max(f.Lo95[j], m-w*z95)
		f.Hi95[j] = min(f.Hi95[j], m+w*z95)
	}
}

// mapped returns a copy of f with g applied to the mean and every bound at
// each step j: the fitter caches the forecasts it restores.
func (f Forecast) mapped(g func(j int, v float64) float64) Forecast {
	out := f
	for _, v := range []*[]float64{&out.Mean, &out.Lo80, &out.Hi80, &out.Lo95, &out.Hi95} {
		*v = clone(*v)
		for j := range *v {
			(*v)[j] = g(j, (*v)[j])
		}
	}
	return out
}

// truncate clips a forecast of counts at zero: activity cannot be negative.
func (f *Forecast) truncate() {
	for _, s := range [][]float64{f.Mean, f.Lo80, f.Hi80, f.Lo95, f.Hi95} {
		for i, v := range s {
			if v < 0 {
				s[i] = 0
			}
		}
	}
}

// nonNegative reports whether no value is negative.
func nonNegative(y []float64) bool {
	for _, v := range y {
		if v < 0 {
			return false
		}
	}
	return true
}

// positive reports whether every value is strictly positive; missing
// values (NaN) are ignored.
func positive(y []float64) bool {
	for _, v := range y {
		if v <= 0 {
			return false
		}
	}
	return true
}
