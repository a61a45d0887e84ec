package forecast

import (
	"context"
	"encoding/csv"
	"math"
	"strconv"
	"testing"
	"time"
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// TestRestartOf: the restart is the period after the last excluded span,
// and there is none without a span, a calendar or data before the span.
func TestRestartOf(t *testing.T) {
	window := Span{From: month(2012, 1), To: month(2012, 12)} // periods 24–35
	tests := []struct {
		name  string
		start time.Time
		n     int
		spans []Span
		after int
		ok    bool
	}{
		{"no span", month(2010, 1), 48, nil, 0, false},
		{"no calendar", time.Time{}, 48, []Span{window}, 0, false},
		{"after the span", month(2010, 1), 48, []Span{window}, 36, true},
		{"ends in the span", month(2010, 1), 30, []Span{window}, 30, true},
		{"the last of two spans", month(2010, 1), 48, []Span{window, {From: month(2010, 6), To: month(2010, 8)}}, 36, true},
		{"nothing before the span", month(2012, 1), 30, []Span{window}, 0, false},
		{"span after the series", month(2000, 1), 48, []Span{window}, 0, false},
	}
	for _, tt := range tests {
		s := Series{Key: "x", Freq: 12, Start: tt.start, Values: make([]float64, tt.n)}
		for i := range s.Values {
			s.Values[i] = float64(100 + i)
		}
		y, _ := s.Excluded(tt.spans)
		r, ok := restartOf(s, y, tt.spans)
		if ok != tt.ok || (ok && r.after != tt.after) {
			t.Errorf("%s: got %d, %v; want %d, %v", tt.name, r.after, ok, tt.after, tt.ok)
		}
	}
}

// flatForecast is a forecast of 100 for h steps with the intervals of a
// normal of standard deviation sd.
func flatForecast(h int, sd float64) Forecast {
	f := Forecast{}
	for range h {
		f.Mean = append(f.Mean, 100)
		f.Lo80, f.Hi80 = append(f.Lo80, 100-z80*sd), append(f.Hi80, 100+z80*sd)
		f.Lo95, f.Hi95 = append(f.Lo95, 100-z95*sd), append(f.Hi95, 100+z95*sd)
	}
	return f
}

// TestWidenAfterSpan: the variance added is a straight line's prediction
// variance from the k periods observed after the span, in units of the
// one-step variance; 12 steps ahead its standard deviation is the 3.5, 1.0
// and 0.3 σ widen's comment quotes for 6, 18 and 60 periods. With fewer
// than two periods since, nothing is added; the mean never moves.
func TestWidenAfterSpan(t *testing.T) {
	const sd, h, after = 2.0, 12, 30
	tests := []struct {
		k      int
		add12  float64 // the added sd at step 12, in σ, rounded as quoted
		widens bool
	}{
		{0, 0, false}, {1, 0, false}, {2, 17.7, true}, {6, 3.5, true}, {18, 1.0, true}, {60, 0.3, true},
	}
	for _, tt := range tests {
		y := make([]float64, after+tt.k)
		for i := range y {
			y[i] = 100
		}
		f := flatForecast(h, sd)
		g := restart{after: after}.widen(f, y)
		for j := range h {
			if g.Mean[j] != 100 {
				t.Fatalf("k %d: mean moved to %v", tt.k, g.Mean[j])
			}
			if !tt.widens {
				if g.Lo95[j] != f.Lo95[j] || g.Lo80[j] != f.Lo80[j] || g.Hi80[j] != f.Hi80[j] || g.Hi95[j] != f.Hi95[j] {
					t.Errorf("k %d step %d: widened; want unchanged", tt.k, j+1)
				}
				continue
			}
			got := (g.Hi95[j] - g.Mean[j]) / z95
			// Consecutive periods after..after+k−1: mean and Σ(t−t̄)² in closed form.
			k := float64(tt.k)
			d := float64(after+tt.k+j) - (after + (k-1)/2)
			add := sd * math.Sqrt(1/k+d*d/(k*(k*k-1)/12))
			if want := math.Hypot(sd, add); math.Abs(got-want) > 1e-9*want {
				t.Errorf("k %d step %d: sd %v; want %v", tt.k, j+1, got, want)
			}
			if lo := (g.Mean[j] - g.Lo80[j]) / z80; math.Abs(lo-got) > 1e-9*got {
				t.Errorf("k %d step %d: lower 80 %% sd %v, upper 95 %% %v", tt.k, j+1, lo, got)
			}
			if j == h-1 {
				if q := math.Sqrt(got*got-sd*sd) / sd; math.Abs(q-tt.add12) > 0.05 {
					t.Errorf("k %d: %.2f σ added at step 12; the comment says %.1f", tt.k, q, tt.add12)
				}
			}
		}
	}
	// A missing period after the span is not counted.
	y := []float64{0, 10, 0, math.NaN(), 10, math.NaN(), 0}
	g := restart{after: 4}.widen(flatForecast(2, sd), y)
	// Observed t = 4, 6: t̄ 5, Σ(t−t̄)² 2; step 1 is t = 7.
	if got, want := (g.Hi80[0]-100)/z80, math.Hypot(sd, sd*math.Sqrt(1.0/2+4.0/2)); math.Abs(got-want) > 1e-9 {
		t.Errorf("with missing periods: sd %v; want %v", got, want)
	}
}

// TestIntervalsAfterThePandemic: England's A&E attendances and emergency
// admissions (NHS England's monthly series, testdata), forecast a year
// ahead from five origins between October 2022 and October 2023 with March
// 2020 – March 2022 excluded. Activity came back to a level and a growth
// of its own; the intervals must cover the year that followed as often as
// they say (within 5 points). Before widen they covered 67 % and 85 %.
func TestIntervalsAfterThePandemic(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 50 series")
	}
	f, err := openTestdata("nhse_ae_monthly_england_2010_2024.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.Parse(time.DateOnly, rows[1][0])
	if err != nil {
		t.Fatal(err)
	}
	columns := []string{"att_type1", "att_type2", "att_type3", "att_total", "emadm_via_type1", "emadm_via_type2",
		"emadm_via_type34", "emadm_via_ae_total", "emadm_other", "emadm_total"}
	var series []Series
	var tests [][]float64
	for _, col := range columns {
		c := -1
		for i, name := range rows[0] {
			if name == col {
				c = i
			}
		}
		if c < 0 {
			t.Fatalf("no column %s", col)
		}
		var y []float64
		for _, r := range rows[1:] {
			v, err := strconv.ParseFloat(r[c], 64)
			if err != nil {
				t.Fatal(err)
			}
			y = append(y, v)
		}
		for origin := month(2022, 10); !origin.After(month(2023, 10)); origin = origin.AddDate(0, 3, 0) {
			end := (origin.Year()-start.Year())*12 + int(origin.Month()-start.Month()) + 1
			series = append(series, Series{Key: col + "@" + origin.Format("2006-01"), Freq: 12, Start: start, Values: y[:end]})
			tests = append(tests, y[end:end+12])
		}
	}
	window := []Span{{From: month(2020, 3), To: time.Date(2022, 3, 31, 0, 0, 0, 0, time.UTC)}}
	fcs, _, err := Run(context.Background(), series, Options{Horizon: 12, ChosenOnly: true, Exclude: window})
	if err != nil {
		t.Fatal(err)
	}
	var c80, c95 float64
	for i, fc := range fcs {
		a := Score(series[i].Values, tests[i], fc, 12)
		c80 += a.Coverage80 / float64(len(fcs))
		c95 += a.Coverage95 / float64(len(fcs))
	}
	if math.Abs(c80-0.8) > 0.05 || math.Abs(c95-0.95) > 0.05 {
		t.Errorf("coverage %.3f / %.3f over %d forecasts; want within 5 points of 0.80 / 0.95", c80, c95, len(fcs))
	}
	t.Logf("coverage %.3f / %.3f", c80, c95)
}
