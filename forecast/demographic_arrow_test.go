package forecast

import (
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func groupBatch(t *testing.T, rows [][5]any) arrow.RecordBatch {
	t.Helper()
	return batch(t, rows,
		arrow.Field{Name: "series_key", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "age_band", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "sex", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "period", Type: arrow.FixedWidthTypes.Date32},
		arrow.Field{Name: "events", Type: arrow.PrimitiveTypes.Int64})
}

func populationBatch(t *testing.T, rows [][5]any) arrow.RecordBatch {
	t.Helper()
	return batch(t, rows,
		arrow.Field{Name: "lad_code", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "age_band", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "sex", Type: arrow.BinaryTypes.String},
		arrow.Field{Name: "year", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "population", Type: arrow.PrimitiveTypes.Float64})
}

// batch builds a record batch of rows with the given fields: strings,
// time.Time for Date32, int for Int64 and float64 for Float64.
func batch(t *testing.T, rows [][5]any, fields ...arrow.Field) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		for i, v := range r {
			switch fb := b.Field(i).(type) {
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Date32Builder:
				fb.Append(arrow.Date32FromTime(v.(time.Time)))
			case *array.Int64Builder:
				fb.Append(int64(v.(int)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			default:
				t.Fatalf("batch: field %d: builder %T", i, fb)
			}
		}
	}
	return b.NewRecordBatch()
}

func TestDemographicFromArrow(t *testing.T) {
	jan := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	feb, mar := jan.AddDate(0, 1, 0), jan.AddDate(0, 2, 0)
	series := []Series{
		{Key: "place/E08000034/ae_attendance", Freq: 12, Start: jan, Values: []float64{5, 7, 9}},
		{Key: "icb/E54000054/ae_attendance", Freq: 12, Start: jan, Values: []float64{50, 70, 90}},
		{Key: "place/E08000034/ae_attendance", Freq: 52, Start: jan, Values: []float64{1}},
	}
	groups := groupBatch(t, [][5]any{
		{"place/E08000034/ae_attendance", "0-4", "female", jan, 2},
		{"place/E08000034/ae_attendance", "0-4", "female", mar, 4},
		{"place/E08000034/ae_attendance", "90+", "male", feb, 1},
		{"place/E08000034/ae_attendance", "90+", "male", mar.AddDate(0, 1, 0), 8}, // after the series: ignored
		{"place/E99999999/ae_attendance", "0-4", "female", jan, 3},                // no such series: ignored
	})
	defer groups.Release()
	pop := populationBatch(t, [][5]any{
		{"E08000034", "0-4", "female", 2020, 100.0},
		{"E08000034", "0-4", "female", 2025, 110.0},
		{"E08000034", "90+", "male", 2024, 7.0},
	})
	defer pop.Release()

	got, err := DemographicFromArrow(series, []arrow.RecordBatch{groups}, []arrow.RecordBatch{pop})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "place/E08000034/ae_attendance" {
		t.Fatalf("inputs = %+v, want the one monthly place series", got)
	}
	in := got[0]
	want := map[string][]float64{"0-4|female": {2, 0, 4}, "90+|male": {0, 1, 0}}
	for g, w := range want {
		h := in.ByGroup[g]
		if len(h) != len(w) || h[0] != w[0] || h[1] != w[1] || h[2] != w[2] {
			t.Errorf("group %s history = %v, want %v", g, h, w)
		}
	}
	if len(in.ByGroup) != len(want) {
		t.Errorf("groups = %v", in.ByGroup)
	}
	for _, tt := range []struct {
		group string
		year  int
		want  float64
	}{
		{"0-4|female", 2020, 100}, {"0-4|female", 2022, 100}, {"0-4|female", 2026, 110}, {"90+|male", 2030, 7},
	} {
		at := time.Date(tt.year, time.June, 1, 0, 0, 0, 0, time.UTC)
		if got := in.Population[tt.group](at); got != tt.want {
			t.Errorf("population of %s in %d = %v, want %v", tt.group, tt.year, got, tt.want)
		}
	}
	if _, err := Demographic(in, 6); err != nil {
		t.Errorf("Demographic on the converted input: %v", err)
	}
}

func TestDemographicFromArrowRejectsWrongTypes(t *testing.T) {
	// A population batch handed over as group histories has the wrong columns.
	pop := populationBatch(t, [][5]any{{"E08000034", "0-4", "female", 2020, 100.0}})
	defer pop.Release()
	_, err := DemographicFromArrow(nil, []arrow.RecordBatch{pop}, nil)
	if !errors.Is(err, ErrFormat) {
		t.Errorf("err = %v, want ErrFormat", err)
	}
}
