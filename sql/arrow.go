//go:build duckdb_arrow

package sql

import (
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"embed"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"
)

// SeriesArrow streams series_monthly (freq "monthly") or series_weekly
// ("weekly") from db, ordered by series_key and period, to fn in Arrow
// record batches through DuckDB's Arrow interface. Columns: series_key,
// level, stp_code, lad_code, service (string), period (date32), events
// (int64). fn must not keep a record after it returns.
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
	query := fmt.Sprintf(`SELECT series_key, level, stp_code, lad_code, service, %s AS period, events::BIGINT AS events
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

// queryArrow runs query on a connection of db through DuckDB's Arrow
// interface and hands each record batch to fn.
func queryArrow(ctx context.Context, db *dbsql.DB, query string, fn func(arrow.RecordBatch) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return queryArrowConn(ctx, conn, query, fn)
}

// queryArrowConn is queryArrow on a connection the caller holds.
func queryArrowConn(ctx context.Context, conn *dbsql.Conn, query string, fn func(arrow.RecordBatch) error) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		rdr, err := a.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			if err := fn(rdr.RecordBatch()); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
}
