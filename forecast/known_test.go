package forecast

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
)

// readKnown reads testdata/r_known.csv, made by testdata/r_known.R with R
// 4.2.2 and forecast 8.20: model -> step -> mean,lo80,hi80,lo95,hi95.
func readKnown(t *testing.T) map[string][][5]float64 {
	t.Helper()
	rows := readCSV(t, "testdata/r_known.csv")
	out := map[string][][5]float64{}
	for _, r := range rows[1:] {
		var v [5]float64
		for i := range v {
			var err error
			if v[i], err = strconv.ParseFloat(r[2+i], 64); err != nil {
				t.Fatal(err)
			}
		}
		out[r[0]] = append(out[r[0]], v)
	}
	return out
}

// readCSV reads the whole CSV file at path.
func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

func near(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(b), 1) }

// TestKnownAnswers compares point forecasts and standard errors with R's
// forecast package. Intervals differ by design (Student's t here, normal in
// R), so standard errors are compared: (hi95-mean)/q95.
func TestKnownAnswers(t *testing.T) {
	known := readKnown(t)
	y := testdataValues(t, "m5_60.csv")
	const h = 6
	ann, err := fitETS(y, etsSpec{trend: 'N', season: 'N'}, 1)
	if err != nil {
		t.Fatal(err)
	}
	th, err := theta("M5", y, y, 12, h)
	if err != nil {
		t.Fatal(err)
	}
	sn, err := seasonalNaive("M5", "snaive", y, y, 12, h)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		got    Forecast
		df     float64
		meanTo float64 // relative tolerance of the mean
		seTo   float64 // of the standard error; 0 skips it
	}{
		{"ets_ANN", ann.forecast("M5", h), ann.df, 1e-4, 0.01},
		// thetaf's intervals ignore the seasonal factors that ours apply.
		{"thetaf", th, 0, 1e-4, 0},
		// R's snaive estimates σ with n-m-1 denominators, not n-m.
		{"snaive", sn, float64(len(y) - 12), 1e-9, 0.02},
	}
	for _, tt := range tests {
		want := known[tt.name]
		if len(want) != h {
			t.Fatalf("%s: %d known steps", tt.name, len(want))
		}
		_, q95 := quantiles(tt.df)
		for j, w := range want {
			if !near(tt.got.Mean[j], w[0], tt.meanTo) {
				t.Errorf("%s step %d: mean %.4f, R %.4f", tt.name, j+1, tt.got.Mean[j], w[0])
			}
			if tt.seTo == 0 {
				continue
			}
			se, rse := (tt.got.Hi95[j]-tt.got.Mean[j])/q95, (w[4]-w[0])/z95
			if !near(se, rse, tt.seTo) {
				t.Errorf("%s step %d: se %.4f, R %.4f", tt.name, j+1, se, rse)
			}
		}
	}
}
