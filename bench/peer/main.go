// Command peer runs the DuckDB peer of carecast's extract (sql/bench/peer.sql)
// through the same embedded DuckDB that carecast uses, and prints one JSON
// line: the events it read, the rows it wrote and the seconds it took.
// bench/run.sh runs it beside `carecast run` on the same generated region.
//
// Usage:
//
//	peer -sql sql/bench/peer.sql -feed DIR -optouts FILE -key FILE -out FILE.parquet
package main

import (
	"context"
	dbsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/yhcr/carecast/internal/refdata"
)

func main() {
	sqlFile := flag.String("sql", "sql/bench/peer.sql", "the peer's SQL")
	feed := flag.String("feed", "", "canonical CSV feed folder (persons.csv, activity.csv)")
	optOuts := flag.String("optouts", "", "national data opt-out deny list, one NHS number a line")
	keyFile := flag.String("key", "", "key file; the peer hashes key||nhs_number with SHA-256")
	out := flag.String("out", "", "Parquet file to write")
	flag.Parse()
	if *feed == "" || *optOuts == "" || *keyFile == "" || *out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, *sqlFile, *feed, *optOuts, *keyFile, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

// result is what the peer prints.
type result struct {
	Events  int64   `json:"events_read"` // data rows of activity.csv
	Rows    int64   `json:"rows_written"`
	Seconds float64 `json:"seconds"` // the COPY statement alone
}

func run(ctx context.Context, sqlFile, feed, optOuts, keyFile, out string) (result, error) {
	var res result
	query, err := os.ReadFile(sqlFile)
	if err != nil {
		return res, err
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return res, err
	}
	// The key goes in as hex text so that the SQL concatenates strings.
	keyHex := hex.EncodeToString(key)
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return res, fmt.Errorf("open duckdb: %w", err)
	}
	db := dbsql.OpenDB(connector)
	defer db.Close()
	// One connection, so that variables and the lookup table are seen by
	// the statement that follows.
	db.SetMaxOpenConns(1)
	if err := loadLookup(ctx, db); err != nil {
		return res, err
	}
	for name, v := range map[string]string{"feed": feed, "optouts": optOuts, "key": keyHex} {
		if _, err := db.ExecContext(ctx, "SET VARIABLE "+name+" = ?", v); err != nil {
			return res, fmt.Errorf("set %s: %w", name, err)
		}
	}
	// COPY … TO takes a literal path, so the one placeholder is replaced.
	q := strings.ReplaceAll(string(query), "OUT_PARQUET", strings.ReplaceAll(out, "'", "''"))
	t := time.Now()
	r, err := db.ExecContext(ctx, q)
	if err != nil {
		return res, fmt.Errorf("run %s: %w", sqlFile, err)
	}
	res.Seconds = time.Since(t).Seconds()
	if res.Rows, err = r.RowsAffected(); err != nil {
		return res, err
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM read_csv(getvariable('feed') || '/activity.csv', header = true, all_varchar = true, ignore_errors = true)").Scan(&res.Events)
	if err != nil {
		return res, fmt.Errorf("count events: %w", err)
	}
	return res, nil
}

// loadLookup creates lookup(lsoa11, lad_code, stp_code) from the embedded
// ONS geography, the same lookup carecast generalises with.
func loadLookup(ctx context.Context, db *dbsql.DB) error {
	geo, err := refdata.YorkshireHumber()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE lookup (lsoa11 VARCHAR PRIMARY KEY, lad_code VARCHAR, stp_code VARCHAR)"); err != nil {
		return fmt.Errorf("create lookup: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(c any) error {
		dc, ok := c.(*duckdb.Conn)
		if !ok {
			return errors.New("not a duckdb connection")
		}
		app, err := duckdb.NewAppenderFromConn(dc, "", "lookup")
		if err != nil {
			return fmt.Errorf("append lookup: %w", err)
		}
		for _, a := range geo.Areas {
			if err := app.AppendRow(a.LSOA, a.LAD, a.STP); err != nil {
				app.Close()
				return fmt.Errorf("append lookup: %w", err)
			}
		}
		return app.Close()
	})
}
