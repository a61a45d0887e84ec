// Command peer runs the DuckDB peer of carecast's extract (sql/bench/peer.sql)
// through the same embedded DuckDB that carecast uses, and prints one JSON
// line: the events it read, the rows it wrote and the seconds it took.
// bench/run.sh runs it beside `carecast run` on the same generated region.
//
// Usage:
//
//	peer [-format csv|fhir] -sql sql/bench/peer.sql -feed DIR -optouts FILE -key FILE -out FILE.parquet
//
// With -format fhir the feed is a FHIR Bulk Data export (sql/bench/peer_fhir.sql)
// and the events read are its Encounter and DiagnosticReport lines.
package main

import (
	"bufio"
	"bytes"
	"context"
	dbsql "database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/yhcr/carecast/internal/refdata"
)

func main() {
	format := flag.String("format", "csv", "feed format: csv (canonical CSV) or fhir (Bulk Data export)")
	sqlFile := flag.String("sql", "sql/bench/peer.sql", "the peer's SQL")
	feed := flag.String("feed", "", "canonical CSV feed folder (persons.csv, activity.csv)")
	optOuts := flag.String("optouts", "", "national data opt-out deny list, one NHS number a line")
	keyFile := flag.String("key", "", "key file; the peer hashes key||nhs_number with SHA-256")
	out := flag.String("out", "", "Parquet file to write")
	flag.Parse()
	if *feed == "" || *optOuts == "" || *keyFile == "" || *out == "" || flag.NArg() > 0 || (*format != "csv" && *format != "fhir") {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, *format, *sqlFile, *feed, *optOuts, *keyFile, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

// eventsQuery counts the events of a feed of each format.
var eventsQuery = map[string]string{
	"csv": "SELECT count(*) FROM read_csv(getvariable('feed') || '/activity.csv', header = true, all_varchar = true, ignore_errors = true)",
	"fhir": "SELECT count(*) FROM read_csv([getvariable('feed') || '/Encounter*.ndjson', getvariable('feed') || '/DiagnosticReport*.ndjson'], " +
		"header = false, delim = '\x01', quote = '', columns = {'line': 'VARCHAR'})",
}

// result is what the peer prints.
type result struct {
	Events  int64   `json:"events_read"` // data rows of activity.csv, or Encounter and DiagnosticReport lines
	Rows    int64   `json:"rows_written"`
	Seconds float64 `json:"seconds"` // the COPY statement alone
}

func run(ctx context.Context, format, sqlFile, feed, optOuts, keyFile, out string) (result, error) {
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
	if format == "fhir" {
		res.Events, err = countLines(filepath.Join(feed, "Encounter*.ndjson"), filepath.Join(feed, "DiagnosticReport*.ndjson"))
		return res, err
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM read_csv(getvariable('feed') || '/activity.csv', header = true, all_varchar = true, ignore_errors = true)").Scan(&res.Events)
	if err != nil {
		return res, fmt.Errorf("count events: %w", err)
	}
	return res, nil
}

// countLines counts the non-empty lines of the NDJSON files that match the
// patterns: one resource a line.
func countLines(patterns ...string) (int64, error) {
	var n int64
	for _, pat := range patterns {
		paths, err := filepath.Glob(pat)
		if err != nil {
			return 0, err
		}
		for _, path := range paths {
			f, err := os.Open(path)
			if err != nil {
				return 0, err
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 64<<20)
			for sc.Scan() {
				if len(bytes.TrimSpace(sc.Bytes())) > 0 {
					n++
				}
			}
			err = sc.Err()
			f.Close()
			if err != nil {
				return 0, fmt.Errorf("count lines of %s: %w", path, err)
			}
		}
	}
	return n, nil
}

// loadLookup creates lookup(lsoa21, sicbl_code, lad_code, icb_code) from
// the embedded ONS geography of the default region, the same lookup
// carecast generalises with.
func loadLookup(ctx context.Context, db *dbsql.DB) error {
	geo, err := refdata.YorkshireHumber()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE lookup (lsoa21 VARCHAR PRIMARY KEY, sicbl_code VARCHAR, lad_code VARCHAR, icb_code VARCHAR)"); err != nil {
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
			if err := app.AppendRow(a.LSOA, a.SubICB, a.LAD, a.ICB); err != nil {
				app.Close()
				return fmt.Errorf("append lookup: %w", err)
			}
		}
		return app.Close()
	})
}
