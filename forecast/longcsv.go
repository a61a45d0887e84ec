package forecast

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrFormat reports malformed long CSV input.
var ErrFormat = errors.New("malformed series CSV")

// ReadLong reads series in the long CSV format of the reference peers,
// series_id,period_index,value, rows in any order. Series come out in the
// order they first appear, with Freq 0 for the caller to set. As the peers
// do, duplicate periods keep the first value and gaps between periods are
// filled by linear interpolation; empty and NA values count as gaps.
func ReadLong(r io.Reader) ([]Series, error) {
	return readLongColumns(r, "series_id", "period_index", "value")
}

// readLongColumns is ReadLong with other names for the three columns.
func readLongColumns(r io.Reader, idCol, periodCol, valueCol string) ([]Series, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w: %w", ErrFormat, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	iID, ok1 := col[idCol]
	iP, ok2 := col[periodCol]
	iV, ok3 := col[valueCol]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("header: want %s,%s,%s: %w", idCol, periodCol, valueCol, ErrFormat)
	}
	type point struct {
		p int
		v float64
	}
	var order []string
	points := map[string][]point{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w: %w", line, ErrFormat, err)
		}
		if max(iID, iP, iV) >= len(rec) {
			return nil, fmt.Errorf("line %d: %d fields: %w", line, len(rec), ErrFormat)
		}
		id := rec[iID]
		p, err := strconv.ParseFloat(strings.TrimSpace(rec[iP]), 64)
		if err != nil || p != math.Trunc(p) || math.Abs(p) > 1e9 {
			return nil, fmt.Errorf("line %d: period_index: not an integer: %w", line, ErrFormat)
		}
		v := math.NaN()
		if s := strings.TrimSpace(rec[iV]); s != "" && !strings.EqualFold(s, "NA") {
			v, err = strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(v, 0) {
				return nil, fmt.Errorf("line %d: value: not a number: %w", line, ErrFormat)
			}
		}
		if _, seen := points[id]; !seen {
			order = append(order, id)
		}
		points[id] = append(points[id], point{int(p), v})
	}
	out := make([]Series, 0, len(order))
	for _, id := range order {
		ps := points[id]
		slices.SortStableFunc(ps, func(a, b point) int { return a.p - b.p })
		ps = slices.CompactFunc(ps, func(a, b point) bool { return a.p == b.p })
		first, last := ps[0].p, ps[len(ps)-1].p
		if last-first >= 1e7 {
			return nil, fmt.Errorf("series %q: period_index spans %d periods: %w", id, last-first, ErrFormat)
		}
		vals := make([]float64, last-first+1)
		for i := range vals {
			vals[i] = math.NaN()
		}
		for _, pt := range ps {
			vals[pt.p-first] = pt.v
		}
		out = append(out, Series{Key: id, Values: interpolate(vals), FirstIndex: first})
	}
	return out, nil
}

// interpolate fills NaN gaps linearly between known neighbours and carries
// the ends flat; an all-NaN series becomes empty.
func interpolate(y []float64) []float64 {
	prev := -1
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		if prev < 0 {
			for j := range i {
				y[j] = v
			}
		} else {
			for j := prev + 1; j < i; j++ {
				y[j] = y[prev] + (v-y[prev])*float64(j-prev)/float64(i-prev)
			}
		}
		prev = i
	}
	if prev < 0 {
		return nil
	}
	for j := prev + 1; j < len(y); j++ {
		y[j] = y[prev]
	}
	return y
}
