package sql

import (
	"context"
	dbsql "database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// SeriesArrow streams series_monthly (freq "monthly") or series_weekly
// ("weekly") from db, ordered by series_key and period, to fn in Arrow
// record batches. Columns: series_key, level, icb_code, lad_code, service
// (string), period (date32), events (int64). fn must not keep a record
// after it returns.
func SeriesArrow(ctx context.Context, db *dbsql.DB, freq string, fn func(arrow.RecordBatch) error) error {
	var table, period string
	switch freq {
	case "monthly":
		table, period = "series_monthly", "month"
	case "weekly":
		table, period = "series_weekly", "week_start"
	default:
		return fmt.Errorf("series: unknown frequency %q (want monthly or weekly)", freq)
	}
	// Sums are BIGINT in the models already; the cast keeps the contract
	// even for a model edited to return HUGEINT.
	query := fmt.Sprintf(`SELECT series_key, level, icb_code, lad_code, service, %s AS period, events::BIGINT AS events
FROM %s ORDER BY series_key, period`, period, table)
	if err := queryArrow(ctx, db, query, fn); err != nil {
		return fmt.Errorf("series %s: %w", freq, err)
	}
	return nil
}

//go:embed queries/*.sql
var queries embed.FS

// DemographicArrow streams what the demographic forecast needs, in Arrow
// record batches: to groups, each place and service's monthly events by
// age band and sex (series_key, age_band, sex, period date32, events
// int64; queries/demographic_groups.sql), and to population, the population
// by place, age band, sex and year (lad_code, age_band, sex, year int64,
// population double; queries/demographic_population.sql). Neither fn may
// keep a record after it returns.
func DemographicArrow(ctx context.Context, db *dbsql.DB, groups, population func(arrow.RecordBatch) error) error {
	for _, q := range []struct {
		file string
		fn   func(arrow.RecordBatch) error
	}{{"queries/demographic_groups.sql", groups}, {"queries/demographic_population.sql", population}} {
		text, err := queries.ReadFile(q.file)
		if err != nil {
			return fmt.Errorf("read embedded %s: %w", q.file, err)
		}
		if err := queryArrow(ctx, db, string(text), q.fn); err != nil {
			return fmt.Errorf("sql/%s: %w", q.file, err)
		}
	}
	return nil
}

// queryArrow runs query on a connection of db and hands its answer to fn
// in Arrow record batches.
func queryArrow(ctx context.Context, db *dbsql.DB, query string, fn func(arrow.RecordBatch) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return queryArrowConn(ctx, conn, query, fn)
}

// batchRows is the most rows in one record batch of the Arrow hand-off.
const batchRows = 64 << 10

// queryArrowConn is the Arrow hand-off: it runs query on conn and builds
// Arrow record batches of the answer from the driver's typed rows. DuckDB's
// own Arrow interface needs a build tag (duckdb_arrow), and arrow-go's
// Parquet reader links Arrow Flight and gRPC (28 MB more binary) to read a
// file DuckDB would first have to write; rows need neither, and the answers
// handed off — series and their breakdowns, aggregates of a few hundred
// thousand rows — convert in milliseconds beside the minutes of the fits.
func queryArrowConn(ctx context.Context, conn *dbsql.Conn, query string, fn func(arrow.RecordBatch) error) error {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	fields := make([]arrow.Field, len(types))
	cols := make([]arrowColumn, len(types))
	for i, t := range types {
		c, ok := arrowColumns[t.DatabaseTypeName()]
		if !ok {
			return fmt.Errorf("column %s: type %s: %w", t.Name(), t.DatabaseTypeName(), ErrArrowType)
		}
		fields[i] = arrow.Field{Name: t.Name(), Type: c.typ, Nullable: true}
		cols[i] = c
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer b.Release()
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		return fn(rec)
	}
	dest := make([]any, len(cols))
	for i, c := range cols {
		dest[i] = c.holder()
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, c := range cols {
			c.add(b.Field(i), dest[i])
		}
		if n++; n == batchRows {
			if err := flush(); err != nil {
				return err
			}
			n = 0
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n > 0 {
		return flush()
	}
	return nil
}

// ErrArrowType reports a column of a type the Arrow hand-off does not
// carry.
var ErrArrowType = errors.New("type not supported by the Arrow hand-off")

// arrowColumn converts one DuckDB column type: holder makes the value
// rows.Scan fills, add appends it to the column's builder.
type arrowColumn struct {
	typ    arrow.DataType
	holder func() any
	add    func(array.Builder, any)
}

// arrowColumns are the DuckDB types the hand-off carries, by type name.
var arrowColumns = map[string]arrowColumn{
	"VARCHAR": {arrow.BinaryTypes.String, func() any { return new(dbsql.NullString) }, func(b array.Builder, v any) {
		if x := v.(*dbsql.NullString); x.Valid {
			b.(*array.StringBuilder).Append(x.String)
		} else {
			b.AppendNull()
		}
	}},
	"BIGINT":  int64Column,
	"INTEGER": int64Column,
	"DOUBLE": {arrow.PrimitiveTypes.Float64, func() any { return new(dbsql.NullFloat64) }, func(b array.Builder, v any) {
		if x := v.(*dbsql.NullFloat64); x.Valid {
			b.(*array.Float64Builder).Append(x.Float64)
		} else {
			b.AppendNull()
		}
	}},
	"DATE": {arrow.FixedWidthTypes.Date32, func() any { return new(dbsql.NullTime) }, func(b array.Builder, v any) {
		if x := v.(*dbsql.NullTime); x.Valid {
			b.(*array.Date32Builder).Append(arrow.Date32FromTime(x.Time))
		} else {
			b.AppendNull()
		}
	}},
	"BOOLEAN": {arrow.FixedWidthTypes.Boolean, func() any { return new(dbsql.NullBool) }, func(b array.Builder, v any) {
		if x := v.(*dbsql.NullBool); x.Valid {
			b.(*array.BooleanBuilder).Append(x.Bool)
		} else {
			b.AppendNull()
		}
	}},
}

// int64Column carries BIGINT, and INTEGER widened to it.
var int64Column = arrowColumn{arrow.PrimitiveTypes.Int64, func() any { return new(dbsql.NullInt64) }, func(b array.Builder, v any) {
	if x := v.(*dbsql.NullInt64); x.Valid {
		b.(*array.Int64Builder).Append(x.Int64)
	} else {
		b.AppendNull()
	}
}}
