package sql

import (
	"cmp"
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"
)

// ErrNotAllowed reports a statement the sandbox refuses to run.
var ErrNotAllowed = errors.New("not allowed")

// A Sandbox is a DuckDB session over one run in which analysts' SQL may only
// read the run's tables. Four layers hold that line, each enough for some
// escapes and none trusted alone:
//   - only one SELECT-like statement (SELECT, FROM, WITH, DESCRIBE, SHOW,
//     SUMMARIZE, PIVOT) is run at a time, checked by DuckDB's own parser
//     (json_serialize_sql) and again by the prepared statement's type;
//   - external access is off, with the run's Parquet files as the only
//     allowed paths, and one allowed directory: the sandbox's own private
//     temporary folder, where WriteParquet's answers are written (an allowed directory admits COPY TO, so the run's
//     folders are never allowed);
//   - the configuration is locked, so no SET or RESET can undo the above;
//   - the warehouse writes the run's files read-only.
//
// A session also runs within limits (SandboxLimits): memory, threads, how
// much it may spill, and a time limit a statement; it spills to a private
// temporary folder of its own, which no SQL can read.
type Sandbox struct {
	db      *dbsql.DB
	conn    *dbsql.Conn
	tables  []Table
	tmp     string // private folder for Parquet answers; removed by Close
	spill   string // private folder for DuckDB's temporary files; removed by Close
	n       int    // answers written to tmp
	timeout time.Duration
}

// SandboxLimits bounds what one session may use. A zero field takes its
// value from DefaultSandboxLimits.
type SandboxLimits struct {
	// MemoryLimit is DuckDB's memory_limit ("2GB"): beyond it a query
	// spills to the session's temporary folder, or fails.
	MemoryLimit string
	// Threads is DuckDB's threads.
	Threads int
	// MaxTempSize is DuckDB's max_temp_directory_size: how much the
	// session may spill.
	MaxTempSize string
	// Timeout stops a statement that runs longer (ErrTimeout).
	Timeout time.Duration
}

// DefaultSandboxLimits suit an analyst's session on a shared server: a
// query over a region's years of activity fits, and no query can take the
// machine.
var DefaultSandboxLimits = SandboxLimits{MemoryLimit: "2GB", Threads: 2, MaxTempSize: "10GB", Timeout: 10 * time.Minute}

// ErrTimeout reports a statement stopped at the session's time limit.
var ErrTimeout = errors.New("statement timed out")

func (l SandboxLimits) withDefaults() SandboxLimits {
	d := DefaultSandboxLimits
	return SandboxLimits{
		MemoryLimit: cmp.Or(l.MemoryLimit, d.MemoryLimit),
		Threads:     cmp.Or(l.Threads, d.Threads),
		MaxTempSize: cmp.Or(l.MaxTempSize, d.MaxTempSize),
		Timeout:     cmp.Or(l.Timeout, d.Timeout),
	}
}

// Result is a query's whole answer.
type Result struct {
	Columns []string
	Types   []string // DuckDB type names
	Rows    [][]any
}

// OpenSandbox opens a sandbox over the run in runDir, within lim.
func OpenSandbox(ctx context.Context, runDir string, lim SandboxLimits) (*Sandbox, error) {
	lim = lim.withDefaults()
	if lim.Threads < 1 || lim.Timeout < 0 {
		return nil, fmt.Errorf("open sandbox: threads must be 1 or more and the timeout not negative")
	}
	tables, err := RunTables(runDir)
	if err != nil {
		return nil, err
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	s := &Sandbox{db: db, conn: conn, tables: tables, timeout: lim.Timeout}
	if s.tmp, err = os.MkdirTemp("", "carecast-sandbox-"); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sandbox: %w", err)
	}
	// MkdirTemp makes the folder 0700: the session's spill files are its
	// own, out of other users' reach and out of the SQL's (it is not an
	// allowed directory).
	if s.spill, err = os.MkdirTemp("", "carecast-sandbox-spill-"); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sandbox: %w", err)
	}
	if err := s.lockDown(ctx, lim); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// lockDown creates one view per table over an explicit list of its files,
// then allows exactly those files, sets the session's limits and locks the
// configuration.
func (s *Sandbox) lockDown(ctx context.Context, lim SandboxLimits) error {
	var allowed []string
	for _, t := range s.tables {
		paths := []string{t.Path}
		if t.Dir {
			paths = nil
			err := filepath.WalkDir(t.Path, func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
					paths = append(paths, p)
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("list table %s: %w", t.Name, err)
			}
		}
		quoted := make([]string, len(paths))
		for i, p := range paths {
			quoted[i] = quoteString(p)
		}
		list := "[" + strings.Join(quoted, ", ") + "]"
		view := fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s, hive_partitioning = %t)", quoteIdent(t.Name), list, t.Dir)
		if _, err := s.conn.ExecContext(ctx, view); err != nil {
			return fmt.Errorf("create view %s: %w", t.Name, err)
		}
		allowed = append(allowed, quoted...)
	}
	for _, set := range []string{
		"SET temp_directory = " + quoteString(s.spill),
		"SET memory_limit = " + quoteString(lim.MemoryLimit),
		"SET max_temp_directory_size = " + quoteString(lim.MaxTempSize),
		fmt.Sprintf("SET threads = %d", lim.Threads),
		"SET allowed_paths = [" + strings.Join(allowed, ", ") + "]",
		"SET allowed_directories = [" + quoteString(s.tmp+string(filepath.Separator)) + "]",
		"SET enable_external_access = false",
		"SET autoload_known_extensions = false",
		"SET autoinstall_known_extensions = false",
		"SET lock_configuration = true",
	} {
		if _, err := s.conn.ExecContext(ctx, set); err != nil {
			return fmt.Errorf("sandbox: %s: %w", set, err)
		}
	}
	return nil
}

// Close closes the sandbox and removes its temporary folders.
func (s *Sandbox) Close() error {
	err := errors.Join(s.conn.Close(), s.db.Close())
	for _, dir := range []string{s.tmp, s.spill} {
		if dir != "" {
			err = errors.Join(err, os.RemoveAll(dir))
		}
	}
	return err
}

// limit returns ctx bounded by the statement timeout, and a function that
// releases it and turns a deadline the timeout set into ErrTimeout.
func (s *Sandbox) limit(ctx context.Context) (context.Context, func(error) error) {
	if s.timeout <= 0 {
		return ctx, func(err error) error { return err }
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	return tctx, func(err error) error {
		timedOut := tctx.Err() == context.DeadlineExceeded && ctx.Err() == nil
		cancel()
		if err != nil && timedOut {
			return fmt.Errorf("%w after %s (carecast sql --timeout): %w", ErrTimeout, s.timeout, err)
		}
		return err
	}
}

// Tables lists the run's tables.
func (s *Sandbox) Tables() []Table { return s.tables }

// Query checks that text is one read-only query and runs it.
func (s *Sandbox) Query(ctx context.Context, text string) (res *Result, err error) {
	ctx, done := s.limit(ctx)
	defer func() { err = done(err) }()
	if err := s.check(ctx, text); err != nil {
		return nil, err
	}
	rows, err := s.conn.QueryContext(ctx, text)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res = &Result{}
	if res.Columns, err = rows.Columns(); err != nil {
		return nil, err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		res.Types = append(res.Types, t.DatabaseTypeName())
	}
	ptrs := make([]any, len(res.Columns))
	for rows.Next() {
		vals := make([]any, len(ptrs)) // kept: a row of the result
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			// database/sql hands a UUID over as its 16 bytes.
			if b, ok := v.([]byte); ok && res.Types[i] == "UUID" && len(b) == 16 {
				var u duckdb.UUID
				copy(u[:], b)
				vals[i] = u.String()
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// Describe returns the columns and types of a table.
func (s *Sandbox) Describe(ctx context.Context, name string) (*Result, error) {
	return s.Query(ctx, "DESCRIBE "+quoteIdent(name))
}

// RowCount returns the number of rows in a table.
func (s *Sandbox) RowCount(ctx context.Context, name string) (int64, error) {
	ctx, done := s.limit(ctx)
	var n int64
	err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(name)).Scan(&n)
	return n, done(err)
}

// check admits exactly one SELECT-like statement. json_serialize_sql parses
// text without running it and serialises only SELECT statements; checking
// first matters because preparing a multi-statement text runs all but the
// last statement.
func (s *Sandbox) check(ctx context.Context, text string) error {
	var js string
	if err := s.conn.QueryRowContext(ctx, "SELECT json_serialize_sql(?::VARCHAR)::VARCHAR", text).Scan(&js); err != nil {
		return fmt.Errorf("parse query: %w", err)
	}
	var parsed struct {
		Error        bool              `json:"error"`
		ErrorType    string            `json:"error_type"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal([]byte(js), &parsed); err != nil {
		return fmt.Errorf("parse query: %w", err)
	}
	switch {
	case parsed.Error && parsed.ErrorType == "not implemented":
		return fmt.Errorf("%w: only queries that read (SELECT, FROM, WITH, DESCRIBE, SHOW, SUMMARIZE) may run", ErrNotAllowed)
	case parsed.Error:
		return fmt.Errorf("%s", parsed.ErrorMessage)
	case len(parsed.Statements) != 1:
		return fmt.Errorf("%w: one statement at a time, have %d", ErrNotAllowed, len(parsed.Statements))
	}
	return s.conn.Raw(func(dc any) error {
		stmt, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, text)
		if err != nil {
			return err
		}
		defer stmt.Close()
		typ, err := stmt.(*duckdb.Stmt).StatementType()
		if err != nil {
			return err
		}
		if typ != duckdb.STATEMENT_TYPE_SELECT {
			return fmt.Errorf("%w: statement type %d", ErrNotAllowed, typ)
		}
		return nil
	})
}

// QueryArrow checks that text is one read-only query and streams its answer
// to fn in Arrow record batches.
func (s *Sandbox) QueryArrow(ctx context.Context, text string, fn func(arrow.RecordBatch) error) error {
	ctx, done := s.limit(ctx)
	if err := s.check(ctx, text); err != nil {
		return done(err)
	}
	return done(queryArrowConn(ctx, s.conn, text, fn))
}

// WriteParquet runs one read-only query and writes its answer to path as a
// zstd Parquet file. DuckDB writes it into the sandbox's temporary folder,
// the only place it may write, and it is moved from there. The query is
// embedded as a subquery on lines of its own, so that a trailing comment
// cannot swallow the closing parenthesis; check has made sure it is one
// statement that parses.
func (s *Sandbox) WriteParquet(ctx context.Context, text, path string) (err error) {
	ctx, done := s.limit(ctx)
	defer func() { err = done(err) }()
	if err := s.check(ctx, text); err != nil {
		return err
	}
	s.n++
	tmp := filepath.Join(s.tmp, fmt.Sprintf("answer-%d.parquet", s.n))
	stmt := "COPY (FROM (\n" + strings.TrimRight(text, "; \t\r\n") + "\n)) TO " + quoteString(tmp) + " (FORMAT parquet, COMPRESSION zstd)"
	if _, err := s.conn.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	defer os.Remove(tmp)
	if err := moveFile(tmp, path); err != nil {
		return fmt.Errorf("write parquet %s: %w", path, err)
	}
	return nil
}

// moveFile renames src to dst, or copies it where they are on different
// file systems.
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
