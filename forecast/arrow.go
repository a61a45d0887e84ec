package forecast

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Column names SeriesFromArrow reads.
const (
	colKey    = "series_key"
	colPeriod = "period"
	colEvents = "events"
)

// SeriesFromArrow converts record batches with columns series_key
// (VARCHAR), period (DATE) and events (BIGINT), sorted by series_key and
// period — as the SQL models return them through DuckDB's Arrow interface —
// into series of the given frequency (12 monthly, 52 weekly, 1 yearly, 365
// daily). A series may span batches. Periods missing between a series' first
// and last are zero counts: the models count rows, and a period without
// activity has none. Null events are errors, as are periods out of order or
// off the frequency's grid.
func SeriesFromArrow(freq int, recs ...arrow.RecordBatch) ([]Series, error) {
	var out []Series
	var cur *Series
	var last time.Time
	for ri, rec := range recs {
		key, period, events, err := arrowColumns(rec)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", ri, err)
		}
		for i := range int(rec.NumRows()) {
			if key.IsNull(i) || period.IsNull(i) || events.IsNull(i) {
				return nil, fmt.Errorf("record %d row %d: null value: %w", ri, i, ErrFormat)
			}
			k, t, v := key.Value(i), period.Value(i).ToTime(), float64(events.Value(i))
			if cur == nil || cur.Key != k {
				if cur != nil && k < cur.Key {
					return nil, fmt.Errorf("record %d row %d: series_key not sorted: %w", ri, i, ErrFormat)
				}
				// Arrow strings share the batch's buffer; the key outlives it.
				out = append(out, Series{Key: strings.Clone(k), Freq: freq, Start: t, Values: []float64{v}})
				cur, last = &out[len(out)-1], t
				continue
			}
			gap, err := periodsBetween(freq, last, t)
			if err != nil || gap < 1 {
				return nil, fmt.Errorf("record %d row %d: series %q: period not after the last on a %d-a-year grid: %w", ri, i, k, freq, ErrFormat)
			}
			for range gap - 1 {
				cur.Values = append(cur.Values, 0)
			}
			cur.Values = append(cur.Values, v)
			last = t
		}
	}
	return out, nil
}

// arrowColumns returns rec's series_key, period and events columns.
func arrowColumns(rec arrow.RecordBatch) (stringArray, *array.Date32, *array.Int64, error) {
	key, err1 := column[stringArray](rec, colKey)
	period, err2 := column[*array.Date32](rec, colPeriod)
	events, err3 := column[*array.Int64](rec, colEvents)
	return key, period, events, errors.Join(err1, err2, err3)
}

// periodsBetween counts the periods of a frequency from a to b; it fails if
// b is not on a's grid.
func periodsBetween(freq int, a, b time.Time) (int, error) {
	switch {
	case freq == 52 || freq == 365:
		step := 7
		if freq == 365 {
			step = 1
		}
		days := int(b.Sub(a).Hours() / 24)
		if days%step != 0 || !a.AddDate(0, 0, days).Equal(b) {
			return 0, ErrFormat
		}
		return days / step, nil
	case freq >= 1 && 12%freq == 0:
		step := 12 / freq
		months := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
		if months%step != 0 || !a.AddDate(0, months, 0).Equal(b) {
			return 0, ErrFormat
		}
		return months / step, nil
	}
	return 0, fmt.Errorf("frequency %d: %w", freq, ErrFormat)
}

// periodTime is the start of period i of a series starting at start.
func periodTime(freq int, start time.Time, i int) time.Time {
	switch {
	case freq == 52:
		return start.AddDate(0, 0, 7*i)
	case freq == 365:
		return start.AddDate(0, 0, i)
	case freq >= 1 && 12%freq == 0:
		return start.AddDate(0, i*12/freq, 0)
	}
	return start.AddDate(i, 0, 0)
}
