//go:build duckdb_arrow

package sql

import (
	"context"
	dbsql "database/sql"
	"database/sql/driver"
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
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("series %s: %w", freq, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return fmt.Errorf("series %s: %w", freq, err)
		}
		rdr, err := a.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("series %s: %w", freq, err)
		}
		defer rdr.Release()
		for rdr.Next() {
			if err := fn(rdr.RecordBatch()); err != nil {
				return err
			}
		}
		if err := rdr.Err(); err != nil {
			return fmt.Errorf("series %s: %w", freq, err)
		}
		return nil
	})
}
