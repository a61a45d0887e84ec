package forecast

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// DemographicFromArrow builds the demographic model's inputs for the
// monthly place series ("place/<lad>/<service>") among series, from Arrow
// batches of group histories (series_key, age_band, sex, period date32,
// events int64) and of population (lad_code, age_band, sex, year int64,
// population double) — as sql.DemographicArrow streams them. Group
// histories are aligned to their series' periods; a group's population in a
// year without a figure is that of the nearest year with one.
func DemographicFromArrow(series []Series, groups, population []arrow.RecordBatch) ([]DemographicInput, error) {
	pop := map[string]map[int]float64{} // lad|age_band|sex → year → population
	for ri, rec := range population {
		lad, err1 := column[stringArray](rec, "lad_code")
		band, err2 := column[stringArray](rec, "age_band")
		sex, err3 := column[stringArray](rec, "sex")
		year, err4 := column[*array.Int64](rec, "year")
		n, err5 := column[*array.Float64](rec, "population")
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, fmt.Errorf("population record %d: %w", ri, err)
		}
		for i := range int(rec.NumRows()) {
			k := lad.Value(i) + "|" + band.Value(i) + "|" + sex.Value(i)
			if pop[k] == nil {
				pop[k] = map[int]float64{}
			}
			pop[k][int(year.Value(i))] = n.Value(i)
		}
	}
	byKey := map[string]*DemographicInput{}
	lengths := map[string]int{}
	var out []*DemographicInput
	for _, s := range series {
		if s.Freq != 12 || !strings.HasPrefix(s.Key, "place/") {
			continue
		}
		in := &DemographicInput{Key: s.Key, Freq: 12, Start: s.Start, ByGroup: map[string][]float64{},
			Population: map[string]func(time.Time) float64{}}
		byKey[s.Key] = in
		lengths[s.Key] = len(s.Values)
		out = append(out, in)
	}
	for ri, rec := range groups {
		key, err1 := column[stringArray](rec, "series_key")
		band, err2 := column[stringArray](rec, "age_band")
		sex, err3 := column[stringArray](rec, "sex")
		period, err4 := column[*array.Date32](rec, "period")
		events, err5 := column[*array.Int64](rec, "events")
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			return nil, fmt.Errorf("group record %d: %w", ri, err)
		}
		for i := range int(rec.NumRows()) {
			in := byKey[key.Value(i)]
			if in == nil {
				continue
			}
			t := period.Value(i).ToTime()
			idx := (t.Year()-in.Start.Year())*12 + int(t.Month()-in.Start.Month())
			if idx < 0 || idx >= lengths[in.Key] {
				continue
			}
			g := band.Value(i) + "|" + sex.Value(i)
			h := in.ByGroup[g]
			if h == nil {
				h = make([]float64, lengths[in.Key])
				in.ByGroup[g] = h
				lad := strings.SplitN(in.Key, "/", 3)[1]
				in.Population[g] = nearestYear(pop[lad+"|"+g])
			}
			h[idx] += float64(events.Value(i))
		}
	}
	inputs := make([]DemographicInput, 0, len(out))
	for _, in := range out {
		if len(in.ByGroup) > 0 {
			inputs = append(inputs, *in)
		}
	}
	return inputs, nil
}

// nearestYear returns a group's population at a time: the figure for its
// year, or for the nearest year that has one (0 when none does).
func nearestYear(byYear map[int]float64) func(time.Time) float64 {
	return func(t time.Time) float64 {
		y := t.Year()
		for d := 0; d < 200; d++ {
			if v, ok := byYear[y-d]; ok {
				return v
			}
			if v, ok := byYear[y+d]; ok {
				return v
			}
		}
		return 0
	}
}

// column returns rec's column called name as the Arrow array type T.
func column[T arrow.Array](rec arrow.RecordBatch, name string) (T, error) {
	var zero T
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		return zero, fmt.Errorf("want one column %s: %w", name, ErrFormat)
	}
	c, ok := rec.Column(idx[0]).(T)
	if !ok {
		return zero, fmt.Errorf("column %s: type %s: %w", name, rec.Column(idx[0]).DataType(), ErrFormat)
	}
	return c, nil
}

// stringArray is any Arrow string array: DuckDB may hand over String,
// LargeString or StringView.
type stringArray interface {
	arrow.Array
	Value(i int) string
}
