package sql

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/yhcr/carecast/internal/refdata"
)

// esp2013 is the 2013 European Standard Population, typed in again from
// Eurostat's table rather than read from sql/ref/esp2013.sql.
var esp2013 = map[string]float64{
	"0-4": 5000, "5-9": 5500, "10-14": 5500, "15-19": 5500, "20-24": 6000, "25-29": 6000,
	"30-34": 6500, "35-39": 7000, "40-44": 7000, "45-49": 7000, "50-54": 7000, "55-59": 6500,
	"60-64": 6000, "65-69": 5500, "70-74": 5000, "75-79": 4000, "80-84": 2500, "85-89": 1500, "90+": 1000,
}

func ageBand(age int) string {
	if age >= 90 {
		return "90+"
	}
	lo := age / 5 * 5
	return strconv.Itoa(lo) + "-" + strconv.Itoa(lo+4)
}

// projectedPopulation works out the population model's figure for one place,
// year and age band (both sexes) straight from the embedded ONS estimates.
func projectedPopulation(t *testing.T, lad string, year int) map[string]float64 {
	t.Helper()
	geo := yorkshire(t)
	p11, err := geo.Population(2011)
	if err != nil {
		t.Fatal(err)
	}
	p20, err := geo.Population(2020)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ band, sex string }
	sum := func(rows []refdata.PopulationRow) map[key]float64 {
		m := map[key]float64{}
		for _, r := range rows {
			if r.LAD == lad {
				m[key{ageBand(r.Age), "male"}] += r.Male
				m[key{ageBand(r.Age), "female"}] += r.Female
			}
		}
		return m
	}
	a, b := sum(p11), sum(p20)
	out := map[string]float64{}
	for k, v := range b {
		factor := math.Pow(v/a[k], 1.0/9)
		out[k.band] += v * math.Pow(factor, float64(year-2020))
	}
	return out
}

// TestActivityRates checks every place row of activity_rates against rates
// worked out here from the fixture's events and the ONS estimates, with
// Dobson's method written out as in the PHE technical guide.
func TestActivityRates(t *testing.T) {
	db := openRun(t, builtRun(t))

	type key struct{ year, lad, service string }
	events := map[key]map[string]float64{}
	rows := readCSV(t, filepath.Join("testdata/run/activity.csv"))
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for _, r := range rows[1:] {
		lad := r[col["lad_code"]]
		k := key{r[col["event_date"]][:4], lad, r[col["service"]]}
		if lad == "unknown" {
			continue
		}
		if events[k] == nil {
			events[k] = map[string]float64{}
		}
		events[k][r[col["age_band"]]]++
	}
	have := queryStrings(t, db, `SELECT year, lad_code, service, events, population, crude_rate_per_1000,
		dsr_per_1000, dsr_lo95, dsr_hi95 FROM activity_rates WHERE level = 'place' AND events > 0`)
	if len(have) != len(events) {
		t.Fatalf("%d place rows with events, want %d", len(have), len(events))
	}
	const z = 1.959963984540054
	for _, row := range have {
		k := key{row[0], row[1], row[2]}
		year, _ := strconv.Atoi(k.year)
		pop := projectedPopulation(t, k.lad, year)
		var total, o, dsr, v float64
		for _, p := range pop {
			total += p
		}
		for band, e := range events[k] {
			o += e
			dsr += esp2013[band] * e / pop[band] / 100000
			v += esp2013[band] * esp2013[band] * e / (pop[band] * pop[band]) / 1e10
		}
		oLo := o * math.Pow(1-1/(9*o)-z/(3*math.Sqrt(o)), 3)
		oHi := (o + 1) * math.Pow(1-1/(9*(o+1))+z/(3*math.Sqrt(o+1)), 3)
		want := []float64{o, total, 1000 * o / total, 1000 * dsr,
			1000 * (dsr + math.Sqrt(v/o)*(oLo-o)), 1000 * (dsr + math.Sqrt(v/o)*(oHi-o))}
		for i, w := range want {
			h, err := strconv.ParseFloat(row[3+i], 64)
			if err != nil || math.Abs(h-w) > 1e-9*math.Max(1, math.Abs(w)) {
				t.Errorf("%v column %d = %s, want %g", k, 3+i, row[3+i], w)
			}
		}
	}
}
