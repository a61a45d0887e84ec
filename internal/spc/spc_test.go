package spc

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestXMRByHand: a chart small enough to check with a pencil. Values
// 5 7 6 8 7 9 8 10 9 11 10 12: mean 102/12 = 8.5; moving ranges alternate
// 2 and 1, six 2s and five 1s, average 17/11 (none above 3.267 × 17/11 =
// 5.05, so none screened); limits 8.5 ± 2.66 × 17/11 = 8.5 ± 4.110909…;
// two sigma 2.740606…, which only 5 and 12 pass, each alone among three.
// The first five are below the mean and the last five above: no run of 7.
func TestXMRByHand(t *testing.T) {
	c, err := XMR([]float64{5, 7, 6, 8, 7, 9, 8, 10, 9, 11, 10, 12}, nil, Neither)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Points[0]
	if !near(p.Mean, 8.5) || !near(c.AverageMovingRange[0], 17.0/11) || !near(p.Upper, 8.5+2.66*17/11) || !near(p.Lower, 8.5-2.66*17/11) {
		t.Errorf("mean %v, average moving range %v, limits %v to %v", p.Mean, c.AverageMovingRange[0], p.Lower, p.Upper)
	}
	if !math.IsNaN(p.MovingRange) || c.Points[1].MovingRange != 2 || c.Points[2].MovingRange != 1 {
		t.Errorf("moving ranges %v %v %v", p.MovingRange, c.Points[1].MovingRange, c.Points[2].MovingRange)
	}
	for i, p := range c.Points {
		if p.Special() {
			t.Errorf("point %d (%v): special cause %s", i, p.Value, p.Rules)
		}
	}
	if c.Latest() != CommonCause {
		t.Errorf("latest = %v", c.Latest())
	}
}

// TestScreening: one freak moving range is screened out of the average.
// Eleven 10s and a 40: moving ranges ten 0s and one 30, average 30/11 =
// 2.73; 30 is above 3.267 × 2.73 = 8.91, so the screened average is 0 and
// the limits close on the mean, 12.5, leaving the 40 far outside.
func TestScreening(t *testing.T) {
	vals := []float64{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 40}
	c, err := XMR(vals, nil, Neither)
	if err != nil {
		t.Fatal(err)
	}
	if c.AverageMovingRange[0] != 0 || c.Points[0].Upper != 12.5 {
		t.Errorf("screened average %v, upper %v; want 0 and 12.5", c.AverageMovingRange[0], c.Points[0].Upper)
	}
	if last := c.Points[11]; last.Rules&OutsideLimits == 0 || last.Side != 1 || c.Latest() != SpecialHigh {
		t.Errorf("the 40: rules %s side %d, latest %v", last.Rules, last.Side, c.Latest())
	}
}

// TestRules checks each special-cause rule on points around a mean of 0
// with limits at ±3 (two sigma ±2).
func TestRules(t *testing.T) {
	for _, c := range []struct {
		name   string
		values []float64
		rule   Rule
		want   string // per point: + (rule, high), - (rule, low), . (not)
	}{
		{"outside", []float64{0, 3.5, 0, -3.5, 3}, OutsideLimits, ".+.-."},
		{"shift of 7", []float64{1, 1, 1, 1, 1, 1, 1, -1}, Shift, "+++++++."},
		{"shift below", []float64{0.5, -1, -1, -1, -1, -1, -1, -1}, Shift, ".-------"},
		{"6 on one side is no shift", []float64{1, 1, 1, 1, 1, 1, -1}, Shift, "......."},
		{"a point on the mean breaks a run", []float64{1, 1, 1, 0, 1, 1, 1, 1}, Shift, "........"},
		{"trend of 6", []float64{-1, -0.8, -0.6, -0.4, -0.2, 0, -1}, Trend, "++++++."},
		{"falling trend", []float64{2, 1.5, 1, 0.5, 0, -0.5, -1, -1.5}, Trend, "--------"},
		{"5 rising is no trend", []float64{-1, -0.8, -0.6, -0.4, -0.2, -0.5}, Trend, "......"},
		{"an equal value breaks a trend", []float64{0, 1, 1, 2, 2.5, 2.7, 2.8}, Trend, "......."},
		{"trends meeting", []float64{-0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.3, 0.1, -0.1, -0.3, -0.5}, Trend, "++++++-----"},
		{"two of three high", []float64{2.5, 0, 2.5}, TwoOfThree, "+.+"},
		{"two of three low, adjacent", []float64{0, -2.1, -2.9, 0}, TwoOfThree, ".--."},
		{"opposite sides are not", []float64{2.5, -2.5, 0, 2.5}, TwoOfThree, "...."},
		{"one of three is not", []float64{2.5, 1.9, 1.9, 2.5}, TwoOfThree, "...."},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := make([]Point, len(c.values))
			for i, v := range c.values {
				ps[i] = Point{Value: v, Mean: 0, Upper: 3, Lower: -3}
			}
			applyRules(ps)
			var b strings.Builder
			for _, p := range ps {
				switch {
				case p.Rules&c.rule == 0:
					b.WriteByte('.')
				case p.Side > 0:
					b.WriteByte('+')
				default:
					b.WriteByte('-')
				}
			}
			if b.String() != c.want {
				t.Errorf("%v: %s %q, want %q", c.values, c.rule, b.String(), c.want)
			}
		})
	}
}

// readWorkedExample reads the monthly A&E attendances of the worked
// example (testdata/README.md).
func readWorkedExample(t *testing.T) []float64 {
	t.Helper()
	f, err := os.Open("testdata/autospc_ed_attendances_monthly_single_hospital.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, v)
	}
	return vals
}

// month names point i of the worked example, which starts in June 2015
// (testdata/README.md says how its dates read).
func month(i int) string {
	m := 5 + i
	return strconv.Itoa(2015+m/12) + "-" + strconv.Itoa(100 + m%12 + 1)[1:]
}

// TestWorkedExampleEDAttendances: a real hospital's A&E attendances, June
// 2015 to June 2024, as one phase and with limits recalculated at the
// declared change points of the pandemic (March 2020) and of the end of
// restrictions (July 2021). Every expected figure was computed apart from
// this code by testdata/xmr_check.py.
func TestWorkedExampleEDAttendances(t *testing.T) {
	vals := readWorkedExample(t)
	if len(vals) != 109 {
		t.Fatalf("%d months, want 109", len(vals))
	}
	type phase struct{ mean, amr float64 }
	for _, c := range []struct {
		name    string
		changes []int
		phases  []phase
		flags   map[Rule]string
	}{
		{"one phase", nil, []phase{{11230.137614678899, 617.7142857142857}}, map[Rule]string{
			Trend: "2019-10 2019-11 2019-12 2020-01 2020-02 2020-03 2020-04 2020-08 2020-09 2020-10 2020-11 2020-12 2021-01 2021-02 2021-03 2021-04 2021-05 2021-06 2021-07",
		}},
		{"pandemic change points", []int{57, 73}, []phase{
			{10401.17543859649, 480.1111111111111},
			{10225.3125, 1184.2666666666667},
			{12989.25, 605.2352941176471},
		}, map[Rule]string{
			OutsideLimits: "2015-06 2015-07 2015-08 2016-04 2016-11 2017-01 2017-02 2018-02 2019-05 2019-07 2019-08 2020-04 2021-06 2021-12 2022-02 2023-02 2024-03 2024-05",
			Shift:         "2015-11 2015-12 2016-01 2016-02 2016-03 2016-04 2016-05 2016-06 2016-07 2016-08 2016-09 2016-10 2016-11 2016-12 2017-01 2017-02 2017-03 2017-04 2017-05 2017-06 2018-05 2018-06 2018-07 2018-08 2018-09 2018-10 2018-11 2019-03 2019-04 2019-05 2019-06 2019-07 2019-08 2019-09 2019-10 2019-11 2019-12 2020-01 2020-02 2023-12 2024-01 2024-02 2024-03 2024-04 2024-05 2024-06",
			Trend:         "2020-08 2020-09 2020-10 2020-11 2020-12 2021-01 2021-02 2021-03 2021-04 2021-05 2021-06",
			TwoOfThree:    "2015-06 2015-07 2015-08 2015-10 2015-11 2015-12 2016-02 2016-03 2016-04 2016-06 2016-09 2016-10 2016-11 2016-12 2017-01 2017-02 2017-03 2018-01 2018-02 2019-03 2019-04 2019-05 2019-06 2019-07 2019-08 2019-09 2019-10 2019-11 2019-12 2021-01 2021-02 2021-05 2021-06 2021-12 2022-01 2022-02 2023-01 2023-02 2024-03 2024-05 2024-06",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch, err := XMR(vals, c.changes, Neither)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range ch.Points {
				want := c.phases[p.Phase]
				if !near(p.Mean, want.mean) || !near(ch.AverageMovingRange[p.Phase], want.amr) ||
					!near(p.Upper, want.mean+2.66*want.amr) || !near(p.Lower, want.mean-2.66*want.amr) {
					t.Fatalf("%s (phase %d): mean %v, average moving range %v; want %v, %v", month(i), p.Phase, p.Mean, ch.AverageMovingRange[p.Phase], want.mean, want.amr)
				}
			}
			for rule, want := range c.flags {
				var got []string
				for i, p := range ch.Points {
					if p.Rules&rule != 0 {
						got = append(got, month(i))
					}
				}
				if strings.Join(got, " ") != want {
					t.Errorf("%s:\n got %s\nwant %s", rule, strings.Join(got, " "), want)
				}
			}
			// The latest month, June 2024, is special cause, high, either way.
			if ch.Latest() != SpecialHigh {
				t.Errorf("latest: %v, want SpecialHigh", ch.Latest())
			}
		})
	}
	// As one phase, the first lockdown's months fall below the lower limit.
	ch, _ := XMR(vals, nil, Neither)
	for _, i := range []int{57, 58} { // March and April 2020
		if p := ch.Points[i]; p.Rules&OutsideLimits == 0 || p.Side != -1 {
			t.Errorf("%s: %v attendances, rules %s, side %d; want below the lower limit", month(i), p.Value, p.Rules, p.Side)
		}
	}
}

func TestXMRErrors(t *testing.T) {
	twelve := make([]float64, 12)
	for _, c := range []struct {
		name    string
		values  []float64
		changes []int
		want    error
	}{
		{"too short", make([]float64, 11), nil, ErrTooShort},
		{"short phase", make([]float64, 30), []int{20}, ErrTooShort},
		{"change at 0", make([]float64, 30), []int{0}, ErrChangePoint},
		{"changes out of order", make([]float64, 40), []int{26, 13}, ErrChangePoint},
		{"change past the end", make([]float64, 30), []int{31}, ErrChangePoint},
		{"NaN", append(twelve[:11:11], math.NaN()), nil, ErrValue},
	} {
		if _, err := XMR(c.values, c.changes, Neither); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestIcons(t *testing.T) {
	for _, c := range []struct {
		v                     Variation
		dir                   Direction
		name, letter, meaning string
	}{
		{CommonCause, Neither, "Common cause variation — no significant change", "–", "common cause"},
		{SpecialHigh, Neither, "Special cause variation — higher", "H", "neither"},
		{SpecialLow, Neither, "Special cause variation — lower", "L", "neither"},
		{SpecialHigh, HigherIsBetter, "Special cause improvement — higher", "H", "improvement"},
		{SpecialHigh, LowerIsBetter, "Special cause concern — higher", "H", "concern"},
		{SpecialLow, LowerIsBetter, "Special cause improvement — lower", "L", "improvement"},
	} {
		if got := IconOf(c.v, c.dir); got != (Icon{c.name, c.letter, c.meaning}) {
			t.Errorf("IconOf(%v, %v) = %+v", c.v, c.dir, got)
		}
	}
}
