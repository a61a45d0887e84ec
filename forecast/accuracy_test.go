package forecast

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// sharedData finds ../shared/data beside the repository, or skips.
func sharedData(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s absent: %v", p, err)
	}
	return p
}

// readTourism reads the tourism monthly file (series_id,t,year,month,value).
func readTourism(tb testing.TB, name string) map[string][]float64 {
	tb.Helper()
	f, err := os.Open(sharedData(tb, filepath.Join("forecasting", name)))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ss, err := readLongColumns(f, "series_id", "t", "value")
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]float64{}
	for _, s := range ss {
		out[s.Key] = s.Values
	}
	return out
}

// readAE reads the A&E attendances (period,org_code,type,attendances,...)
// into one series per org_code×type with every month, as bench/forecast/ae.awk.
func readAE(tb testing.TB) map[string][]float64 {
	tb.Helper()
	rows := readCSV(tb, sharedData(tb, filepath.Join("nhs", "ae_attendances.csv")))
	months := map[string]bool{}
	vals := map[string]map[string]float64{}
	for _, r := range rows[1:] {
		id := r[1] + "_" + r[2]
		if vals[id] == nil {
			vals[id] = map[string]float64{}
		}
		v, err := strconv.ParseFloat(r[3], 64)
		if err != nil {
			tb.Fatal(err)
		}
		vals[id][r[0]] = v
		months[r[0]] = true
	}
	ms := slices.Sorted(maps.Keys(months))
	out := map[string][]float64{}
	for id, byMonth := range vals {
		if len(byMonth) != len(ms) {
			continue
		}
		for _, m := range ms {
			out[id] = append(out[id], byMonth[m])
		}
	}
	return out
}

// BenchmarkAccuracy forecasts the 366 tourism monthly series 24 months
// ahead and the A&E series 12 months ahead, and logs the mean MASE, sMAPE,
// coverage and MSIS of each method against the held-out data (scored as
// ../shared/peer/score.py does). It skips when ../shared is absent.
func BenchmarkAccuracy(b *testing.B) {
	sets := []struct {
		name        string
		h           int
		train, test map[string][]float64
	}{
		{name: "tourism", h: 24, train: readTourism(b, "tourism_monthly_train.csv"), test: readTourism(b, "tourism_monthly_test.csv")},
	}
	ae := readAE(b)
	aeTrain, aeTest := map[string][]float64{}, map[string][]float64{}
	for k, v := range ae {
		aeTrain[k], aeTest[k] = v[:len(v)-12], v[len(v)-12:]
	}
	sets = append(sets, struct {
		name        string
		h           int
		train, test map[string][]float64
	}{"ae", 12, aeTrain, aeTest})
	for b.Loop() {
		for _, set := range sets {
			var series []Series
			for _, k := range slices.Sorted(maps.Keys(set.train)) {
				series = append(series, Series{Key: k, Freq: 12, Values: set.train[k]})
			}
			start := time.Now()
			fcs, _, err := Run(context.Background(), series, Options{Horizon: set.h, Method: "auto"})
			if err != nil {
				b.Fatal(err)
			}
			el := time.Since(start)
			by := map[string][]Accuracy{}
			for _, f := range fcs {
				a := Score(set.train[f.Key], set.test[f.Key], f, 12)
				by[f.Model] = append(by[f.Model], a)
				if f.Chosen {
					by["auto"] = append(by["auto"], a)
				}
			}
			for _, nm := range slices.Sorted(maps.Keys(by)) {
				a := meanAccuracy(by[nm])
				b.Logf("%-8s %-12s MASE %.3f sMAPE %.3f cov80 %.3f cov95 %.3f MSIS %.3f (n=%d)", set.name, nm, a.MASE, a.SMAPE, a.Coverage80, a.Coverage95, a.MSIS, a.Origins)
			}
			b.Logf("%s: wall %v on %d procs", set.name, el, runtime.GOMAXPROCS(0))
		}
	}
}
