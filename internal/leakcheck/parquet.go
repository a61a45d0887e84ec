package leakcheck

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// scanParquet decodes every page of every column chunk of a Parquet file and
// searches each value: byte arrays (strings, UUIDs, any fixed-length bytes)
// as they are, integers as decimal text, and dates and timestamps also as
// YYYY-MM-DD. One finding is reported per column and needle kind.
func scanParquet(ctx context.Context, name string, f *os.File, n *Needles) ([]Finding, error) {
	ac, kinds, _ := n.matcher()
	if ac == nil {
		return nil, nil
	}
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, err
	}
	paths := pf.Schema().Columns()
	seen := map[Finding]bool{}
	var out []Finding
	values := make([]parquet.Value, 1024)
	var text []byte
	for _, rg := range pf.RowGroups() {
		for i, cc := range rg.ColumnChunks() {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			where := "column " + strings.Join(paths[i], ".")
			asDate := dateFormatter(cc.Type().LogicalType())
			search := func(b []byte) {
				it := ac.IterByte(b)
				for m := it.Next(); m != nil; m = it.Next() {
					if n.inNumber(m.Pattern(), b, m.Start(), m.End()) {
						continue
					}
					fd := Finding{Path: name, Where: where, Needle: kinds[m.Pattern()]}
					if !seen[fd] {
						seen[fd] = true
						out = append(out, fd)
					}
				}
			}
			err := readColumn(cc, values, func(v parquet.Value) {
				switch v.Kind() {
				case parquet.ByteArray, parquet.FixedLenByteArray:
					search(v.ByteArray())
				case parquet.Int32, parquet.Int64:
					x := v.Int64()
					if v.Kind() == parquet.Int32 {
						x = int64(v.Int32())
					}
					text = strconv.AppendInt(text[:0], x, 10)
					search(text)
					if asDate != nil {
						search(asDate(text[:0], x))
					}
				}
			})
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// readColumn calls fn with every non-null value of a column chunk.
func readColumn(cc parquet.ColumnChunk, buf []parquet.Value, fn func(parquet.Value)) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		vr := p.Values()
		for {
			k, err := vr.ReadValues(buf)
			for _, v := range buf[:k] {
				if !v.IsNull() {
					fn(v)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return err
			}
		}
		parquet.Release(p)
	}
}

// dateFormatter returns how to write an integer column's values as dates,
// or nil when the column holds no dates.
func dateFormatter(lt *format.LogicalType) func(dst []byte, x int64) []byte {
	if lt == nil {
		return nil
	}
	var toTime func(int64) time.Time
	switch v := lt.Value.(type) {
	case *format.DateType:
		toTime = func(x int64) time.Time { return time.Unix(x*86400, 0) }
	case *format.TimestampType:
		switch v.Unit.Value.(type) {
		case *format.MilliSeconds:
			toTime = time.UnixMilli
		case *format.MicroSeconds:
			toTime = time.UnixMicro
		case *format.NanoSeconds:
			toTime = func(x int64) time.Time { return time.Unix(0, x) }
		}
	}
	if toTime == nil {
		return nil
	}
	return func(dst []byte, x int64) []byte { return toTime(x).UTC().AppendFormat(dst, time.DateOnly) }
}
