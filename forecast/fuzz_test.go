package forecast

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// fuzzSeries decodes a series from fuzz bytes: a header (frequency, horizon,
// a scale; whether it has a calendar and, if so, a year-long span of it to
// exclude and where) and then one value per byte pair, so
// that the fuzzer reaches what partners' feeds send: runs of zeros and
// missing periods, spikes, negative values, constants, a handful of points,
// values near overflow.
func fuzzSeries(data []byte) (Series, int, []Span, bool) {
	if len(data) < 4 {
		return Series{}, 0, nil, false
	}
	freq := []int{1, 4, 12, 52}[data[0]%4]
	h := 1 + int(data[1]%60)
	scale := math.Pow(10, float64(int(data[2]%32)-8)) // 1e-8 … 1e23
	s := Series{Key: "fuzz", Freq: freq}
	if data[3]&1 == 1 && freq >= 12 {
		s.Start = time.Date(2011, 1, 3, 0, 0, 0, 0, time.UTC)
	}
	var spans []Span
	if data[3]&2 == 2 && !s.Start.IsZero() {
		from := s.Start.AddDate(0, int(data[3]>>2), 0)
		spans = []Span{{From: from, To: from.AddDate(1, 0, -1)}}
	}
	body := data[4:]
	for i := 0; i+1 < len(body) && len(s.Values) < 600; i += 2 {
		v := binary.LittleEndian.Uint16(body[i:])
		switch {
		case v == 0xFFFF:
			s.Values = append(s.Values, math.NaN())
		case v >= 0xFFF0:
			s.Values = append(s.Values, -scale*float64(v-0xFFF0))
		default:
			s.Values = append(s.Values, scale*float64(v))
		}
	}
	return s, h, spans, true
}

// fuzzSeed adds a seed; exclude, with cal, excludes the year from month
// exclude−1 (0: none).
func fuzzSeed(f *testing.F, freq, h byte, cal bool, exclude byte, values []uint16) {
	b := []byte{freq, h, 8, 0}
	if cal {
		b[3] = 1
		if exclude > 0 {
			b[3] |= 2 | (exclude-1)<<2
		}
	}
	for _, v := range values {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	f.Add(b)
}

// FuzzRun: whatever the series and the span excluded, Run gives every
// method a complete, finite, ordered forecast (non-negative for
// non-negative data) and backtests without error; no input panics.
func FuzzRun(f *testing.F) {
	season := make([]uint16, 48)
	for i := range season {
		season[i] = uint16(100 + 30*math.Sin(2*math.Pi*float64(i)/12))
	}
	fuzzSeed(f, 2, 12, true, 0, season)
	fuzzSeed(f, 2, 12, true, 25, season)
	fuzzSeed(f, 2, 12, true, 36, season[:38])
	fuzzSeed(f, 2, 12, false, 0, []uint16{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5})
	fuzzSeed(f, 0, 3, false, 0, []uint16{0, 0, 0, 1, 0, 0, 0, 0, 2, 0})
	fuzzSeed(f, 2, 12, false, 0, []uint16{0xFFFF, 0xFFFF, 10, 0xFFFF, 12, 0xFFFF, 0xFFFF})
	fuzzSeed(f, 3, 52, true, 0, append(season, season...))
	fuzzSeed(f, 3, 52, true, 20, append(season, season...))
	fuzzSeed(f, 2, 24, false, 0, []uint16{100, 110, 0xFFF5, 60000, 3, 100, 90, 120, 0, 0, 0, 0, 0})
	fuzzSeed(f, 1, 8, false, 0, []uint16{7})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, h, spans, ok := fuzzSeries(data)
		if !ok {
			return
		}
		fcs, _, err := Run(context.Background(), []Series{s}, Options{Horizon: h, Origins: 1, Workers: 1, Exclude: spans})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if len(fcs) == 0 {
			t.Fatal("no forecast")
		}
		nonNeg := nonNegative(s.Values)
		for _, fc := range fcs {
			if !fc.valid(h) {
				t.Fatalf("%s: invalid forecast %+v", fc.Model, fc)
			}
			if nonNeg {
				for _, b := range [][]float64{fc.Mean, fc.Lo80, fc.Lo95} {
					for _, v := range b {
						if v < 0 {
							t.Fatalf("%s: negative forecast %v of non-negative data", fc.Model, v)
						}
					}
				}
			}
		}
	})
}
