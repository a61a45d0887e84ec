package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/chzyer/readline"

	sqlrun "github.com/yhcr/carecast/sql"
)

var sqlFlags struct {
	config, run, format, out, describe string
	tables                             bool
	limits                             sqlrun.SandboxLimits
}

var cmdSQL = &Command{
	Name:      "sql",
	UsageLine: `[--config FILE] [--run ID|DATE] [--format table|csv|json|parquet] [-o FILE] [--tables] [--describe NAME] [--memory-limit SIZE] [--threads N] [--max-temp SIZE] [--timeout D] ["SELECT …"]`,
	Short:     "query a run's tables and models with SQL (read-only)",
	Long: `Sql runs read-only SQL (DuckDB dialect) over the warehouse's current run, or
the run given by --run: a run id, or a business date for its kept run —
backfilled runs, which are not published as the current run, included
('carecast runs --kept' lists them). While the session lasts, no run's
pruning removes the run it reads. Every table and model of the run is a view: activity,
persons, quarantine, optouts_applied, feed_counts, activity_monthly, series_monthly …

The query comes from the argument, else from standard input when it is piped;
on a terminal with no query, an interactive prompt reads statements ending
with ';' (history is kept). Only queries that read may run: SELECT, FROM,
WITH, DESCRIBE, SHOW and SUMMARIZE. Nothing outside the run can be read and
nothing can be written.

A session runs within limits, set before its configuration is locked:
--memory-limit (beyond it a query spills to the session's own private
temporary folder, removed at the end), --max-temp (how much it may spill),
--threads, and --timeout for each statement.`,
	SetFlags: func(fs *flag.FlagSet) {
		fs.StringVar(&sqlFlags.config, "config", "", "config `file` (default: the embedded demo)")
		fs.StringVar(&sqlFlags.run, "run", "", "run `id`, or a business date YYYY-MM-DD for its kept run (default: the current run)")
		fs.StringVar(&sqlFlags.format, "format", "table", "output format: table, csv, json or parquet")
		fs.StringVar(&sqlFlags.out, "o", "", "write the answer to `file` (required for parquet)")
		fs.StringVar(&sqlFlags.describe, "describe", "", "show the columns of table `name`")
		fs.BoolVar(&sqlFlags.tables, "tables", false, "list the run's tables and models with row counts")
		d := sqlrun.DefaultSandboxLimits
		fs.StringVar(&sqlFlags.limits.MemoryLimit, "memory-limit", d.MemoryLimit, "DuckDB memory limit of the session (`size`, e.g. 2GB)")
		fs.IntVar(&sqlFlags.limits.Threads, "threads", d.Threads, "DuckDB threads of the session")
		fs.StringVar(&sqlFlags.limits.MaxTempSize, "max-temp", d.MaxTempSize, "most the session may spill to its temporary folder (`size`)")
		fs.DurationVar(&sqlFlags.limits.Timeout, "timeout", d.Timeout, "stop a statement that runs longer than this (`duration`)")
	},
	Run: runSQL,
}

func runSQL(ctx context.Context, env *Env, args []string) error {
	f := sqlFlags
	switch f.format {
	case "table", "csv", "json":
	case "parquet":
		if f.out == "" {
			return usageError("--format parquet needs -o FILE")
		}
	default:
		return usageError("--format: want table, csv, json or parquet, have %q", f.format)
	}
	_, runDir, lease, err := loadRun(env, f.config, f.run)
	if err != nil {
		return err
	}
	defer lease.Release()
	if f.limits.Threads < 1 || f.limits.Timeout <= 0 || f.limits.MemoryLimit == "" || f.limits.MaxTempSize == "" {
		return usageError("--threads, --timeout, --memory-limit and --max-temp must be set above zero")
	}
	sb, err := sqlrun.OpenSandbox(ctx, runDir, f.limits)
	if err != nil {
		return err
	}
	defer sb.Close()

	out := env.Stdout
	if f.out != "" && f.format != "parquet" {
		file, err := os.Create(f.out)
		if err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	switch {
	case f.tables:
		return listTables(ctx, sb, out)
	case f.describe != "":
		res, err := sb.Describe(ctx, f.describe)
		if err != nil {
			return err
		}
		return writeResult(out, "table", res)
	}
	query := strings.TrimSpace(strings.Join(args, " "))
	if query == "" {
		if file, ok := env.Stdin.(*os.File); ok && isTerminal(file) && env.StdoutIsTerminal {
			return interactive(ctx, env, sb)
		}
		b, err := io.ReadAll(env.Stdin)
		if err != nil {
			return fmt.Errorf("read query from stdin: %w", err)
		}
		query = strings.TrimSpace(string(b))
	}
	if query == "" {
		return usageError("no query")
	}
	if f.format == "parquet" {
		return sb.WriteParquet(ctx, query, f.out)
	}
	res, err := sb.Query(ctx, query)
	if err != nil {
		return err
	}
	return writeResult(out, f.format, res)
}

func listTables(ctx context.Context, sb *sqlrun.Sandbox, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "table\trows\tfrom")
	for _, t := range sb.Tables() {
		n, err := sb.RowCount(ctx, t.Name)
		if err != nil {
			return fmt.Errorf("count %s: %w", t.Name, err)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", t.Name, n, t.Path)
	}
	return tw.Flush()
}

// writeResult prints a result as an aligned table, CSV or JSON (an array of
// objects).
func writeResult(w io.Writer, format string, res *sqlrun.Result) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(res.Columns)
		for _, r := range res.Rows {
			cw.Write(formatRow(r))
		}
		cw.Flush()
		return cw.Error()
	case "json":
		objs := make([]map[string]any, len(res.Rows))
		for i, r := range res.Rows {
			objs[i] = map[string]any{}
			for j, c := range res.Columns {
				objs[i][c] = jsonValue(r[j])
			}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(objs)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(res.Columns, "\t"))
	for _, r := range res.Rows {
		fmt.Fprintln(tw, strings.Join(formatRow(r), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "(%d rows)\n", len(res.Rows))
	return err
}

func formatRow(r []any) []string {
	out := make([]string, len(r))
	for i, v := range r {
		out[i] = sqlrun.FormatValue(v)
	}
	return out
}

func jsonValue(v any) any {
	switch v.(type) {
	case nil, bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, string:
		return v
	}
	return sqlrun.FormatValue(v)
}

// interactive reads statements ending with ';' from a terminal prompt, with
// history, and prints each answer as a table.
func interactive(ctx context.Context, env *Env, sb *sqlrun.Sandbox) error {
	var history string
	if dir, err := os.UserCacheDir(); err == nil {
		if os.MkdirAll(filepath.Join(dir, "carecast"), 0o700) == nil {
			history = filepath.Join(dir, "carecast", "sql_history")
		}
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 "carecast> ",
		HistoryFile:            history,
		DisableAutoSaveHistory: true,
		Stdout:                 env.Stdout,
		Stderr:                 env.Stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintln(env.Stdout, "Read-only SQL over the run. End statements with ';'. .tables lists tables; Ctrl-D quits.")
	var buf strings.Builder
	for {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			rl.SetPrompt("carecast> ")
			continue
		}
		if err != nil { // io.EOF
			return nil
		}
		if buf.Len() == 0 && strings.TrimSpace(line) == ".tables" {
			if err := listTables(ctx, sb, env.Stdout); err != nil {
				fmt.Fprintln(env.Stderr, err)
			}
			continue
		}
		buf.WriteString(line + "\n")
		if !strings.HasSuffix(strings.TrimSpace(line), ";") {
			rl.SetPrompt("      -> ")
			continue
		}
		stmt := strings.TrimSpace(buf.String())
		buf.Reset()
		rl.SetPrompt("carecast> ")
		rl.SaveHistory(strings.ReplaceAll(stmt, "\n", " "))
		res, err := sb.Query(ctx, stmt)
		if err != nil {
			fmt.Fprintln(env.Stderr, err)
			continue
		}
		writeResult(env.Stdout, "table", res)
	}
}
