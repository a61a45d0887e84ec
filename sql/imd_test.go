package sql

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/yhcr/carecast/internal/refdata"
)

// fixtureEvents counts the fixture's events by year, place, service, LSOA
// and age band.
type eventKey struct{ year, lad, service, lsoa, band string }

func fixtureEvents(t *testing.T) map[eventKey]float64 {
	t.Helper()
	rows := readCSV(t, filepath.Join("testdata/run/activity.csv"))
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	out := map[eventKey]float64{}
	for _, r := range rows[1:] {
		out[eventKey{r[col["event_date"]][:4], r[col["lad_code"]], r[col["service"]], r[col["lsoa21"]], r[col["age_band"]]}]++
	}
	return out
}

// wlsSII fits rate = a + b·x by weighted least squares through the normal
// equations (gonum), and returns SII = -b and the weighted mean rate.
func wlsSII(t *testing.T, x, w, y []float64) (sii, mean float64) {
	t.Helper()
	n := len(x)
	X := mat.NewDense(n, 2, nil)
	W := mat.NewDiagDense(n, w)
	for i := range x {
		X.Set(i, 0, 1)
		X.Set(i, 1, x[i])
		mean += w[i] * y[i]
	}
	var xtw, xtwx mat.Dense
	xtw.Mul(X.T(), W)
	xtwx.Mul(&xtw, X)
	var xtwy mat.VecDense
	xtwy.MulVec(&xtw, mat.NewVecDense(n, y))
	var beta mat.VecDense
	if err := beta.SolveVec(&xtwx, &xtwy); err != nil {
		t.Fatal(err)
	}
	return -beta.AtVec(1), mean
}

// TestActivityRatesIMD checks Kirklees' rows of activity_rates_imd against
// rates worked out here from the fixture's events, the embedded LSOA
// estimates and IMD deciles, and the population model's growth, with the
// slope index fitted by gonum's least squares.
func TestActivityRatesIMD(t *testing.T) {
	db := openRun(t, builtRun(t))
	geo := yorkshire(t)
	lsoaPop, complete := geo.LSOAPopulation2020()
	if !complete {
		t.Fatal("the region's LSOA estimates are not all embedded")
	}
	const lad = "E08000034"
	quintile := map[string]int{}
	for _, a := range geo.Areas {
		quintile[a.LSOA] = (a.IMDDecile + 1) / 2
	}
	events := fixtureEvents(t)
	type key struct{ year, service string }
	seen := map[key]bool{}
	for k := range events {
		if k.lad == lad {
			seen[key{k.year, k.service}] = true
		}
	}
	if len(seen) == 0 {
		t.Fatal("no Kirklees events in the fixture")
	}
	base := projectedPopulation(t, lad, 2020)
	for k := range seen {
		year, _ := strconv.Atoi(k.year)
		growth := projectedPopulation(t, lad, year)
		var pop [6]map[string]float64 // by quintile, then band
		var ev [6]map[string]float64
		for q := range pop {
			pop[q], ev[q] = map[string]float64{}, map[string]float64{}
		}
		for i, a := range geo.Areas {
			if a.LAD != lad {
				continue
			}
			q := quintile[a.LSOA]
			for b, n := range lsoaPop[i] {
				band := refdata.AgeBands[b]
				pop[q][band] += n * growth[band] / base[band]
			}
		}
		for e, n := range events {
			if e.lad == lad && e.year == k.year && e.service == k.service {
				ev[quintile[e.lsoa]][e.band] += n
			}
		}
		rows := queryStrings(t, db, `SELECT imd_group, events, population, crude_rate_per_1000, dsr_per_1000, sii_per_1000, rii, denominator
			FROM activity_rates_imd WHERE level = 'place' AND lad_code = '`+lad+`' AND breakdown = 'quintile'
			AND year = `+k.year+` AND service = '`+k.service+`' ORDER BY imd_group`)
		if len(rows) != 5 {
			t.Fatalf("%v: %d quintile rows, want 5", k, len(rows))
		}
		var x, w, dsr []float64
		var total, cum float64
		for q := 1; q <= 5; q++ {
			for _, n := range pop[q] {
				total += n
			}
		}
		for q := 1; q <= 5; q++ {
			var e, p, d float64
			for band, n := range pop[q] {
				e += ev[q][band]
				p += n
				d += esp2013[band] * ev[q][band] / n / 100000
			}
			x = append(x, (cum+p/2)/total)
			w = append(w, p/total)
			dsr = append(dsr, 1000*d)
			cum += p
			row := rows[q-1]
			for i, want := range []float64{e, p, 1000 * e / p, 1000 * d} {
				if h, err := strconv.ParseFloat(row[1+i], 64); err != nil || math.Abs(h-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("%v quintile %d column %d = %s, want %g", k, q, 1+i, row[1+i], want)
				}
			}
			if row[7] != "ons_lsoa_mid2020" {
				t.Errorf("denominator %s, want ons_lsoa_mid2020", row[7])
			}
		}
		sii, mean := wlsSII(t, x, w, dsr)
		for i, want := range []float64{sii, sii / mean} {
			h, err := strconv.ParseFloat(rows[0][5+i], 64)
			if err != nil || math.Abs(h-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%v: inequality column %d = %s, want %g", k, 5+i, rows[0][5+i], want)
			}
		}
	}
}

// buildRegistered builds the models of the run in dir for West Yorkshire
// with Greater Manchester, whose LSOA estimates are not all embedded: the
// denominators of activity_rates_imd are the run's persons.
func buildRegistered(t *testing.T, dir string) {
	t.Helper()
	geo, err := refdata.NewGeography("QWO", "QOP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildModels(context.Background(), dir, ModelOptions{BusinessDate: businessDate, Geography: geo}); err != nil {
		t.Fatal(err)
	}
}

// TestActivityRatesIMDRegistered builds the fixture's models for a region
// whose LSOA estimates are not all embedded (West Yorkshire with Greater
// Manchester): the denominators are the run's persons alive at mid-year,
// by the age they had then.
func TestActivityRatesIMDRegistered(t *testing.T) {
	dir := makeRun(t)
	buildRegistered(t, dir)
	db := openRun(t, dir)
	// Mid-2023: person 1 (Kirklees, decile 3) 72, person 2 (Kirklees,
	// decile 5) 30, person 3 (Leeds, decile 1) 86, person 4 (Leeds, decile
	// 6) 6; person 5 has no LSOA.
	have := queryStrings(t, db, `SELECT DISTINCT imd_group, population, denominator FROM activity_rates_imd
		WHERE level = 'region' AND year = 2023 AND breakdown = 'quintile' ORDER BY imd_group`)
	want := [][]string{{"1", "1", "registered_persons"}, {"2", "1", "registered_persons"}, {"3", "2", "registered_persons"}}
	compareRows(t, want, have)
	// Age standardisation by the mid-year bands: the 70-74 person's
	// attendances in quintile 2 of Kirklees, 2023.
	have = queryStrings(t, db, `SELECT events, dsr_per_1000 FROM activity_rates_imd
		WHERE level = 'place' AND lad_code = 'E08000034' AND year = 2023 AND service = 'ae_attendance'
		AND breakdown = 'quintile' AND imd_group = '2'`)
	var e float64
	for k, n := range fixtureEvents(t) {
		if k.year == "2023" && k.lsoa == "E01011008" && k.service == "ae_attendance" {
			e += n
		}
	}
	compareRows(t, [][]string{{strconv.FormatFloat(e, 'f', -1, 64), FormatValue(1000 * esp2013["70-74"] * e / 1 / 100000)}}, have)
}

// TestActivityRatesIMDRegisteredTopCoded: a person top-coded at 90 (90 or
// over at the business date) counts as 90+ in earlier years too, where
// their events are: before, they were put in 85-89 a year back, and the
// events of 90+ had no denominator — dropped from the age-standardised
// rate of their group, but counted in that of a wider group where anyone
// else was 90+, which made Core20 and the rest disagree with the quintiles.
func TestActivityRatesIMDRegisteredTopCoded(t *testing.T) {
	dir := makeRun(t)
	// Person 6, 90 or over in 2024, in person 3's Leeds LSOA (IMD decile 1),
	// with an A&E attendance in 2023 at 90.
	db := openDuckDB(t)
	persons := quoteString(filepath.Join(dir, "persons.parquet"))
	for _, s := range []string{
		fmt.Sprintf(`CREATE TABLE p AS SELECT * FROM read_parquet(%s)`, persons),
		`INSERT INTO p SELECT '00000000-0000-0000-0000-000000000006'::UUID, 'female', 90, '90+', lsoa21, sicbl_code, sicbl_name,
			lad_code, lad_name, icb_code, icb_name, gp_practice, NULL, 'acute' FROM p WHERE person_id = '00000000-0000-0000-0000-000000000003'`,
		fmt.Sprintf(`COPY p TO %s (FORMAT parquet)`, persons),
		fmt.Sprintf(`COPY (SELECT '00000000-0000-0000-0000-000000000006'::UUID AS person_id, DATE '2023-03-01' AS event_date, service, setting,
			provider, feed, 90::SMALLINT AS age, '90+' AS age_band, sex, lsoa21, sicbl_code, lad_code, icb_code, code_system, code, length_of_stay
			FROM read_parquet(%s) WHERE person_id = '00000000-0000-0000-0000-000000000003' AND service = 'ae_attendance' LIMIT 1)
			TO %s (FORMAT parquet)`,
			quoteString(filepath.Join(dir, "activity", "year=2023", "*.parquet")), quoteString(filepath.Join(dir, "activity", "year=2023", "top_coded.parquet"))),
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	buildRegistered(t, dir)
	run := openRun(t, dir)
	// Leeds, quintile 1, 2023: person 3 (86, 85-89) and person 6 (90+), one
	// each in their band.
	var e3 float64
	for k, n := range fixtureEvents(t) {
		if k.year == "2023" && k.lsoa == "E01011283" && k.service == "ae_attendance" {
			e3 += n
		}
	}
	have := queryStrings(t, run, `SELECT events, population, dsr_per_1000 FROM activity_rates_imd
		WHERE level = 'place' AND lad_code = 'E08000035' AND year = 2023 AND service = 'ae_attendance'
		AND breakdown = 'quintile' AND imd_group = '1'`)
	want := 1000 * (esp2013["85-89"]*e3/1 + esp2013["90+"]*1/1) / 100000
	compareRows(t, [][]string{{strconv.FormatFloat(e3+1, 'f', -1, 64), "2", FormatValue(want)}}, have)
}
