package sql

import (
	"context"
	dbsql "database/sql"
)

// Each runs query with args on db and calls scan for each row: the loop
// every reader of a run's tables writes, with the rows closed and their
// error checked.
func Each(ctx context.Context, db *dbsql.DB, query string, scan func(*dbsql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
