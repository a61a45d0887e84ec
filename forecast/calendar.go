package forecast

import (
	"math"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
)

// englandHolidays are the bank holidays of England and Wales: rickar/cal's
// standard rules (Easter, substitute days, the 2020 and 2022–23 changes),
// with the one-off days it lacks from gov.uk's announcements: the royal
// wedding of 29 April 2011, the 2012 spring bank holiday moved to 4 June
// beside the Diamond Jubilee on 5 June, and the state funeral of 19
// September 2022.
var englandHolidays = func() []*cal.Holiday {
	oneOff := func(name string, y int, m time.Month, d int) *cal.Holiday {
		return &cal.Holiday{Name: name, Type: cal.ObservanceBank, Month: m, Day: d,
			Func: cal.CalcDayOfMonth, StartYear: y, EndYear: y}
	}
	var hs []*cal.Holiday
	for _, h := range gb.Holidays {
		if h == gb.SpringHoliday {
			h = h.Clone(&cal.Holiday{Except: []int{2012, 2022}})
		}
		hs = append(hs, h)
	}
	return append(hs,
		oneOff("Royal wedding", 2011, time.April, 29),
		oneOff("Spring bank holiday", 2012, time.June, 4),
		oneOff("Diamond Jubilee", 2012, time.June, 5),
		oneOff("State funeral of Queen Elizabeth II", 2022, time.September, 19))
}()

// bankHolidays returns the days (UTC midnight) on which England and Wales
// observe a bank holiday in year.
func bankHolidays(year int) []time.Time {
	var out []time.Time
	for _, h := range englandHolidays {
		if _, obs := h.Calc(year); !obs.IsZero() {
			out = append(out, time.Date(obs.Year(), obs.Month(), obs.Day(), 0, 0, 0, 0, time.UTC))
		}
	}
	return out
}

// weekdayHolidays returns the bank holidays falling on a weekday in
// [from, to), both UTC midnights.
func weekdayHolidays(from, to time.Time) []time.Time {
	var out []time.Time
	for y := from.Year(); y <= to.Year(); y++ {
		for _, d := range bankHolidays(y) {
			if !d.Before(from) && d.Before(to) && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				out = append(out, d)
			}
		}
	}
	return out
}

// weekHolidays counts the bank holidays falling on a weekday in each of n
// weeks, week i being the seven days from start + 7i.
func weekHolidays(start time.Time, n int) []float64 {
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	out := make([]float64, n)
	for _, d := range weekdayHolidays(start, start.AddDate(0, 0, 7*n)) {
		out[int(d.Sub(start).Hours()/24)/7]++
	}
	return out
}

// A calendarEffect is the part of a series that its calendar explains, for
// the n periods observed and the h ahead. Weekly counts of registrations and
// of elective activity fall in a week with a bank holiday and catch up in
// the next, and a smooth seasonal pattern cannot hold an Easter that moves;
// monthly counts follow the month's length and its working days, which
// change from year to year (February 2016 had a day more than February
// 2015; March 2018 had 21 working days, March 2017 23), as
// X-13ARIMA-SEATS's trading-day regressors model.
type calendarEffect struct {
	effect   []float64 // on the log scale if logScale
	logScale bool
	nonNeg   bool // the series is: so are its forecasts
}

// estimateCalendar estimates the calendar effect of a weekly or monthly
// series whose first period starts on start: the calendar's columns
// (calendarColumns) enter the Fourier regression of fourierAdjust, and
// their fitted part is the effect. The effect is nil for a series without
// a start, other frequencies, fewer than three years observed, or when the
// columns do not lower the regression's AICc; in the last case split is
// y's Fourier split (fourierAdjust's), fitted to decide, for the caller
// to keep rather than fit again.
func estimateCalendar(y []float64, freq int, start time.Time, h int) (effect *calendarEffect, split *fourierFit) {
	n := len(y)
	per := period(freq)
	if start.IsZero() || (freq != 52 && freq != 12) || float64(observed(y)) < 3*per {
		return nil, nil
	}
	cols := calendarColumns(freq, start, n+h)
	nonNeg, logScale := nonNegative(y), positive(y)
	if logScale {
		y = logOf(y)
	}
	extra := make([][]float64, len(cols))
	for i, c := range cols {
		extra[i] = c[:n]
	}
	without, err := fitFourier(y, per, nil, 0)
	if err != nil {
		return nil, nil
	}
	with, err := fitFourier(y, per, extra, 0)
	if err != nil || with.aicc >= without.aicc {
		return nil, without.split(y, logScale)
	}
	eff := make([]float64, n+h)
	for t := range eff {
		for i, c := range cols {
			eff[t] += with.extra(i) * c[t]
		}
	}
	return &calendarEffect{effect: eff, logScale: logScale, nonNeg: nonNeg}, nil
}

// calendarColumns are the calendar regressors of n periods from start: for
// weeks, the bank holidays on weekdays in the week and in the week before;
// for months, the working days (weekdays not bank holidays) and the days.
func calendarColumns(freq int, start time.Time, n int) [][]float64 {
	if freq == 52 {
		hol := weekHolidays(start.AddDate(0, 0, -7), n+1)
		return [][]float64{hol[1:], hol[:n]}
	}
	start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	work, days := make([]float64, n), make([]float64, n)
	for t := range n {
		a := start.AddDate(0, t, 0)
		for d := a; d.Before(a.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
			days[t]++
			if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				work[t]++
			}
		}
	}
	for _, d := range weekdayHolidays(start, start.AddDate(0, n, 0)) {
		work[(d.Year()-start.Year())*12+int(d.Month()-start.Month())]--
	}
	return [][]float64{work, days}
}

// adjust returns y without the effect.
func (c *calendarEffect) adjust(y []float64) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		if c.logScale {
			out[t] = v * math.Exp(-c.effect[t])
		} else {
			out[t] = v - c.effect[t]
		}
	}
	return out
}

// restore returns the forecast of the periods from n on with the effect
// put back (a copy: the fitter caches the forecast it is given).
func (c *calendarEffect) restore(f Forecast, n int) Forecast {
	out := f.mapped(func(j int, v float64) float64 {
		e := c.effect[n+j]
		if c.logScale {
			return v * math.Exp(e)
		}
		return v + e
	})
	if c.nonNeg {
		out.truncate()
	}
	return out
}
