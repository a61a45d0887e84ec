package sql

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestSeriesArrow(t *testing.T) {
	ctx := context.Background()
	db := openRun(t, builtRun(t))
	for _, c := range []struct {
		freq   string
		rows   int64
		events int64
	}{
		{"monthly", 11 * 13, 26}, // testdata/want/series_monthly.csv sums to 26
		{"weekly", -1, -1},
	} {
		var rows, events int64
		var last string
		err := SeriesArrow(ctx, db, c.freq, func(rec arrow.RecordBatch) error {
			if rec.Schema().Field(6).Type.ID() != arrow.INT64 || rec.Schema().Field(5).Type.ID() != arrow.DATE32 {
				t.Fatalf("schema %v", rec.Schema())
			}
			keys := rec.Column(0).(*array.String)
			ev := rec.Column(6).(*array.Int64)
			for i := 0; i < int(rec.NumRows()); i++ {
				if keys.Value(i) < last {
					t.Fatalf("series out of order: %s after %s", keys.Value(i), last)
				}
				last = keys.Value(i)
				events += ev.Value(i)
			}
			rows += rec.NumRows()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.rows >= 0 && (rows != c.rows || events != c.events) {
			t.Errorf("%s: %d rows, %d events; want %d, %d", c.freq, rows, events, c.rows, c.events)
		}
		if rows == 0 {
			t.Errorf("%s: no rows", c.freq)
		}
	}
	if err := SeriesArrow(ctx, db, "daily", func(arrow.RecordBatch) error { return nil }); err == nil {
		t.Error("daily: no error")
	}
}
