package forecast

import (
	"math"
	"testing"
)

// TestScore checks Score against values computed by hand.
func TestScore(t *testing.T) {
	train := []float64{10, 12, 14, 11, 13, 15} // lag-3 differences 1,1,1: scale 1
	tests := []struct {
		name string
		test []float64
		f    Forecast
		m    int
		want Accuracy
	}{{
		name: "seasonal scale",
		test: []float64{12, 20},
		f: Forecast{Mean: []float64{10, 20}, Lo80: []float64{11, 19}, Hi80: []float64{13, 21},
			Lo95: []float64{9, 18}, Hi95: []float64{11, 22}},
		m: 3,
		// sMAPE: 200·2/22 and 0 → mean 9.0909; MASE: (2+0)/2/1 = 1;
		// 95 %: 12 > 11 misses: IS = (2 + 40·1) and 4 → 23.
		want: Accuracy{MASE: 1, SMAPE: 200.0 / 22, Coverage80: 1, Coverage95: 0.5, MSIS: 23},
	}, {
		name: "short history uses lag 1",
		test: []float64{0},
		f:    Forecast{Mean: []float64{0}, Lo80: []float64{0}, Hi80: []float64{0}, Lo95: []float64{0}, Hi95: []float64{0}},
		m:    12,
		// 0/0 counts as 0 in sMAPE; lag-1 scale (2+2+3+2+2)/5 = 2.2.
		want: Accuracy{MASE: 0, SMAPE: 0, Coverage80: 1, Coverage95: 1, MSIS: 0},
	}, {
		name: "constant history has no scale",
		test: []float64{5},
		f:    Forecast{Mean: []float64{4}, Lo80: []float64{3}, Hi80: []float64{6}, Lo95: []float64{2}, Hi95: []float64{7}},
		m:    1,
		want: Accuracy{MASE: math.NaN(), SMAPE: 200.0 / 9, Coverage80: 1, Coverage95: 1, MSIS: math.NaN()},
	}}
	for _, tt := range tests {
		tr := train
		if tt.name == "constant history has no scale" {
			tr = []float64{5, 5, 5}
		}
		got := Score(tr, tt.test, tt.f, tt.m)
		tt.want.Origins = 1
		if !sameFloats(got, tt.want) && !approxAcc(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func approxAcc(a, b Accuracy) bool {
	eq := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 || math.IsNaN(x) && math.IsNaN(y) }
	return eq(a.MASE, b.MASE) && eq(a.SMAPE, b.SMAPE) && eq(a.Coverage80, b.Coverage80) &&
		eq(a.Coverage95, b.Coverage95) && eq(a.MSIS, b.MSIS)
}

func TestMeanAccuracySkipsNaN(t *testing.T) {
	got := meanAccuracy([]Accuracy{{Key: "k", MASE: 1, SMAPE: 2}, {Key: "k", MASE: math.NaN(), SMAPE: 4}})
	if got.MASE != 1 || got.SMAPE != 3 || got.Origins != 2 {
		t.Errorf("got %+v", got)
	}
}
