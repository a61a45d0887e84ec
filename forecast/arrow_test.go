package forecast

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

type row struct {
	key    string
	period string
	events int64
}

func record(t *testing.T, rows []row) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "series_key", Type: arrow.BinaryTypes.String},
		{Name: "period", Type: arrow.FixedWidthTypes.Date32},
		{Name: "events", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	for _, r := range rows {
		d, err := time.Parse(time.DateOnly, r.period)
		if err != nil {
			t.Fatal(err)
		}
		b.Field(0).(*array.StringBuilder).Append(r.key)
		b.Field(1).(*array.Date32Builder).Append(arrow.Date32FromTime(d))
		b.Field(2).(*array.Int64Builder).Append(r.events)
	}
	return b.NewRecordBatch()
}

func TestSeriesFromArrow(t *testing.T) {
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		freq    int
		batches [][]row
		want    []Series
		err     error
	}{
		{name: "monthly across batches with a gap", freq: 12, batches: [][]row{
			{{"a", "2024-01-01", 5}, {"a", "2024-02-01", 6}},
			{{"a", "2024-04-01", 8}, {"b", "2024-03-01", 1}},
		}, want: []Series{
			{Key: "a", Freq: 12, Start: jan, Values: []float64{5, 6, 0, 8}},
			{Key: "b", Freq: 12, Start: jan.AddDate(0, 2, 0), Values: []float64{1}},
		}},
		{name: "weekly", freq: 52, batches: [][]row{{{"w", "2024-01-01", 1}, {"w", "2024-01-15", 3}}},
			want: []Series{{Key: "w", Freq: 52, Start: jan, Values: []float64{1, 0, 3}}}},
		{name: "off grid", freq: 52, batches: [][]row{{{"w", "2024-01-01", 1}, {"w", "2024-01-10", 3}}}, err: ErrFormat},
		{name: "unsorted periods", freq: 12, batches: [][]row{{{"a", "2024-02-01", 1}, {"a", "2024-01-01", 1}}}, err: ErrFormat},
		{name: "unsorted keys", freq: 12, batches: [][]row{{{"b", "2024-02-01", 1}, {"a", "2024-01-01", 1}}}, err: ErrFormat},
	}
	for _, tt := range tests {
		var recs []arrow.RecordBatch
		for _, rows := range tt.batches {
			rec := record(t, rows)
			defer rec.Release()
			recs = append(recs, rec)
		}
		got, err := SeriesFromArrow(tt.freq, recs...)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
}
