package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBankHolidays(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		date string
		want bool
	}{
		{"2019-04-19", true},  // Good Friday
		{"2019-04-22", true},  // Easter Monday
		{"2015-12-28", true},  // Boxing Day on a Saturday, observed on Monday
		{"2015-12-26", false}, // … and not on the Saturday
		{"2011-04-29", true},  // royal wedding
		{"2012-05-28", false}, // the spring holiday moved in 2012 …
		{"2012-06-04", true},  // … to 4 June
		{"2012-06-05", true},  // Diamond Jubilee
		{"2020-05-04", false}, // early May moved in 2020 …
		{"2020-05-08", true},  // … to VE Day
		{"2022-06-02", true},  // spring holiday, 2022
		{"2022-06-03", true},  // Platinum Jubilee
		{"2022-09-19", true},  // state funeral
		{"2023-05-08", true},  // coronation
		{"2024-08-26", true},  // summer bank holiday
		{"2024-08-05", false}, // Scotland's, not England's
	}
	for _, tc := range tests {
		d := day(tc.date)
		if got := slices.ContainsFunc(bankHolidays(d.Year()), d.Equal); got != tc.want {
			t.Errorf("%s a bank holiday: %v; want %v", tc.date, got, tc.want)
		}
	}
	// Christmas 2019 (Wednesday and Thursday) and New Year's Day 2020
	// (Wednesday) fall in consecutive weeks starting on Saturdays.
	got := weekHolidays(day("2019-12-14"), 3)
	if want := []float64{0, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("weekHolidays from 21 Dec 2019 = %v; want %v", got, want)
	}
}

// weeklyRegistrations is a weekly series from Saturday 2 January 2010 with
// a winter season, growth, noise and the bank-holiday pattern of death
// registrations: 15 % fewer for each holiday in the week, 6 % more in the
// week after. holidays false leaves the pattern out.
func weeklyRegistrations(r *rand.Rand, n int, holidays bool) Series {
	start := time.Date(2010, 1, 2, 0, 0, 0, 0, time.UTC)
	hol := weekHolidays(start.AddDate(0, 0, -7), n+1)
	s := Series{Key: "deaths", Freq: 52, Start: start, Values: make([]float64, n)}
	for t := range n {
		v := 10000 * (1 + 0.001*float64(t)) * (1 + 0.12*math.Cos(2*math.Pi*float64(t)/period(52))) * (1 + 0.02*r.NormFloat64())
		if holidays {
			v *= math.Pow(0.85, hol[t+1]) * math.Pow(1.06, hol[t])
		}
		s.Values[t] = v
	}
	return s
}

// TestWeeklyHolidayEffect: a weekly series on a calendar is forecast with
// its bank holidays (issue 18: registrations fall by a sixth in Easter week
// and a third at Christmas, which a smooth season cannot hold, Easter
// moving by up to five weeks). Without the pattern, no effect is estimated.
func TestWeeklyHolidayEffect(t *testing.T) {
	const n, h = 8*52 + 30, 52 // to 20 July 2018; a year ahead
	s := weeklyRegistrations(rand.New(rand.NewPCG(52, 1)), n, true)
	// Christmas 2018 falls in the week from Saturday 22 December; Good
	// Friday 2019 in the week from 13 April, Easter Monday in the next.
	week := func(d time.Time) int { return int(d.Sub(s.Start).Hours()/24)/7 - n }
	easter := week(time.Date(2019, 4, 13, 0, 0, 0, 0, time.UTC))
	christmas := week(time.Date(2018, 12, 22, 0, 0, 0, 0, time.UTC))
	for _, method := range []string{"stl", "arima", "snaive", "theta", "auto"} {
		f, err := Fit(s, method, h)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		for _, w := range []struct {
			name string
			j    int
			dip  float64
		}{{"Good Friday", easter, 0.85}, {"Christmas", christmas, 0.72}} {
			around := (f.Mean[w.j-2] + f.Mean[w.j+3]) / 2
			// At least a third of the dip: the methods' own seasons are noisy.
			if r := f.Mean[w.j] / around; r > 1-(1-w.dip)/3 {
				t.Errorf("%s: the %s week forecast at %.3f of the weeks around it; want near %.2f", method, w.name, r, w.dip)
			}
		}
	}
	plain := weeklyRegistrations(rand.New(rand.NewPCG(52, 1)), n, false)
	if c, _ := estimateCalendar(plain.Values, 52, plain.Start, h); c != nil {
		t.Errorf("a bank-holiday effect estimated on a series without one (Good Friday week: %.3f)", c.effect[n+easter])
	}
	noCalendar := s
	noCalendar.Start = time.Time{}
	if c, _ := estimateCalendar(noCalendar.Values, 52, noCalendar.Start, h); c != nil {
		t.Error("a bank-holiday effect estimated on a series without a calendar")
	}
}

// TestMonthlyCalendarEffect: a monthly series on a calendar is forecast
// with its months' lengths and working days (issue 18: on England's A&E
// series, whose seasonal models cannot know that February 2016 has a day
// more than February 2015). The series is a daily rate growing 3 % a year
// with a winter season, times the days in the month, 2 % more for each
// working day above 21, and 1 % noise.
func TestMonthlyCalendarEffect(t *testing.T) {
	start := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	const n, h = 60, 24 // 2010–2014; 2015–2016 ahead
	cols := calendarColumns(12, start, n+h)
	work, days := cols[0], cols[1]
	truth := func(t int) float64 {
		rate := 1000 * math.Pow(1.03, float64(t)/12) * (1 + 0.08*math.Cos(2*math.Pi*float64(t)/12))
		return rate * days[t] * (1 + 0.02*(work[t]-21))
	}
	r := rand.New(rand.NewPCG(12, 2016))
	s := Series{Key: "ae", Freq: 12, Start: start, Values: make([]float64, n)}
	for i := range n {
		s.Values[i] = truth(i) * (1 + 0.01*r.NormFloat64())
	}
	feb15, feb16 := 61-n, 73-n // horizon steps of February 2015 and 2016
	want := truth(n+feb16) / truth(n+feb15)
	for _, method := range []string{"ets", "arima", "auto"} {
		f, err := Fit(s, method, h)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if got := f.Mean[feb16] / f.Mean[feb15]; math.Abs(got/want-1) > 0.01 {
			t.Errorf("%s: February 2016 forecast at %.3f × February 2015; want %.3f", method, got, want)
		}
	}
	if c, _ := estimateCalendar(s.Values, 12, time.Time{}, h); c != nil {
		t.Error("a calendar effect estimated on a series without a start")
	}
}

// TestCalendarKeepsForecastsFinite: Run promises a finite forecast for every
// series, and the calendar effect is put back after the forecast was
// checked; an effect that would overflow leaves the forecast without it.
func TestCalendarKeepsForecastsFinite(t *testing.T) {
	const n, h = 8*52 + 30, 52
	s := weeklyRegistrations(rand.New(rand.NewPCG(52, 1)), n, true)
	ft := seriesFitter(s, s.Values, h)
	if ft.cal == nil {
		t.Fatal("no calendar effect estimated; the test needs one")
	}
	ft.cal.effect[n+3] = 1000 // exp(1000) overflows
	for _, method := range []string{"snaive", "combination"} {
		if f := ft.forecast(method); !f.valid(h) {
			t.Errorf("%s: forecast not finite and ordered after the calendar (step 4: %v)", method, f.Mean[3])
		}
	}
}

// TestCalendarKeepsTheSplitItFitted: a weekly series whose calendar
// explains nothing keeps the Fourier split estimateCalendar fitted to
// decide, which must be exactly the one the weekly methods would fit.
func TestCalendarKeepsTheSplitItFitted(t *testing.T) {
	const n, h = 52 * 4, 52
	plain := weeklyRegistrations(rand.New(rand.NewPCG(52, 1)), n, false)
	ft := seriesFitter(plain, plain.Values, h)
	if ft.cal != nil || ft.fourier == nil {
		t.Fatalf("calendar effect %v, split kept %v; want none and kept", ft.cal != nil, ft.fourier != nil)
	}
	want, err := fourierAdjust(ft.y, period(52), 0) // the series in the fitter's units
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ft.fourier.adj, want.adj) || ft.fourier.logScale != want.logScale {
		t.Fatal("the split kept differs from fourierAdjust's")
	}
	for tt := range n + h {
		if ft.fourier.reg.seasonal(tt) != want.reg.seasonal(tt) {
			t.Fatalf("seasonal pattern differs at %d", tt)
		}
	}
}
