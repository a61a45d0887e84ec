package sql

import (
	"cmp"
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/yhcr/carecast/internal/refdata"
)

//go:embed models/*.sql tests/*.sql ref/*.sql
var files embed.FS

// ErrDataTest reports a data test that returned rows.
var ErrDataTest = errors.New("data test failed")

// ModelOptions configure BuildModels.
type ModelOptions struct {
	// BusinessDate is the run's business date: periods it has not finished
	// are left out of the forecasting series.
	BusinessDate time.Time
	// HorizonYears is how many years after the business year the population
	// is projected (default 3).
	HorizonYears int
	// Geography is the run's region: its places, ICBs, LSOAs and
	// populations are the reference tables the models use. Required.
	Geography *refdata.Geography
	// PopulationScale multiplies the embedded populations (default 1): the
	// embedded demo, a sample of its region, passes its scale.
	PopulationScale float64
	Log             *slog.Logger
}

// ModelReport is what BuildModels did.
type ModelReport struct {
	Models []ModelResult
	Tests  []TestResult
}

// ModelResult is one materialised model.
type ModelResult struct {
	Name     string
	Rows     int64
	Duration time.Duration
}

// TestResult is one data test: it passes when FailingRows is 0.
type TestResult struct {
	Name        string
	FailingRows int64
	Sample      []string // up to sampleRows failing rows, formatted
}

const sampleRows = 5

// A script is one embedded .sql file: a model, a data test or a reference table.
type script struct {
	Name string // file name without .sql
	File string // path within sql/, e.g. models/population.sql
	Body string
	Deps []string
}

// loadModels returns the embedded models in dependency order.
func loadModels() ([]script, error) {
	ms, err := readScripts("models")
	if err != nil {
		return nil, err
	}
	return orderModels(ms)
}

func readScripts(dir string) ([]script, error) {
	names, err := fs.Glob(files, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]script, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", n, err)
		}
		out = append(out, script{Name: strings.TrimSuffix(path.Base(n), ".sql"), File: n, Body: string(b)})
	}
	return out, nil
}

var (
	dependsHeader = regexp.MustCompile(`(?m)^--\s*depends:\s*(.*)$`)
	sqlNoise      = regexp.MustCompile(`(?s)--[^\n]*|'(?:[^']|'')*'|"(?:[^"]|"")*"`)
	identifier    = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
)

// orderModels sorts models so each comes after the models it depends on:
// those named in a `-- depends: a, b` header and those it refers to by name
// outside comments and string literals. Ties keep alphabetical order.
func orderModels(ms []script) ([]script, error) {
	byName := map[string]int{}
	for i, m := range ms {
		byName[m.Name] = i
	}
	for i := range ms {
		m := &ms[i]
		deps := map[string]bool{}
		for _, h := range dependsHeader.FindAllStringSubmatch(m.Body, -1) {
			for _, d := range strings.Split(h[1], ",") {
				d = strings.TrimSpace(d)
				if d == "" {
					continue
				}
				if _, ok := byName[d]; !ok {
					return nil, fmt.Errorf("%s: depends on unknown model %q", m.File, d)
				}
				deps[d] = true
			}
		}
		for _, w := range identifier.FindAllString(sqlNoise.ReplaceAllString(m.Body, " "), -1) {
			w = strings.ToLower(w)
			if _, ok := byName[w]; ok && w != m.Name {
				deps[w] = true
			}
		}
		m.Deps = slices.Sorted(maps.Keys(deps))
	}
	slices.SortFunc(ms, func(a, b script) int { return cmp.Compare(a.Name, b.Name) })
	// Kahn's algorithm, always taking the first ready model by name.
	done := map[string]bool{}
	var out []script
	for len(out) < len(ms) {
		progressed := false
		for _, m := range ms {
			ready := !slices.ContainsFunc(m.Deps, func(d string) bool { return !done[d] })
			if done[m.Name] || !ready {
				continue
			}
			done[m.Name] = true
			out = append(out, m)
			progressed = true
			break
		}
		if !progressed {
			var cyc []string
			for _, m := range ms {
				if !done[m.Name] {
					cyc = append(cyc, m.Name)
				}
			}
			return nil, fmt.Errorf("models depend on each other in a cycle: %s", strings.Join(cyc, ", "))
		}
	}
	return out, nil
}

// BuildModels runs the embedded models over the run in runDir in dependency
// order, writes each to runDir/models/<name>.parquet (zstd) and then runs
// the data tests. A model that fails to build is an error naming its file
// and line; failing data tests return the report and an error wrapping
// ErrDataTest that names each test and shows a few failing rows.
func BuildModels(ctx context.Context, runDir string, opts ModelOptions) (*ModelReport, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	models, err := loadModels()
	if err != nil {
		return nil, err
	}
	db, err := openModelDB(ctx, runDir, models, opts)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rep := &ModelReport{}
	for _, m := range models {
		res, err := buildModel(ctx, db, m, runDir)
		if err != nil {
			return rep, err
		}
		log.Info("model built", "model", res.Name, "rows", res.Rows, "duration", res.Duration)
		rep.Models = append(rep.Models, res)
	}
	tests, err := readScripts("tests")
	if err != nil {
		return rep, err
	}
	rep.Tests, err = runTests(ctx, db, tests)
	if err != nil {
		return rep, err
	}
	var failed []error
	for _, t := range rep.Tests {
		log.Info("data test", "test", t.Name, "failing_rows", t.FailingRows)
		if t.FailingRows > 0 {
			failed = append(failed, fmt.Errorf("%w: %s (tests/%s.sql): %d failing rows:\n\t%s",
				ErrDataTest, t.Name, t.Name, t.FailingRows, strings.Join(t.Sample, "\n\t")))
		}
	}
	return rep, errors.Join(failed...)
}

// openModelDB opens DuckDB over the run's input tables (but not earlier
// builds of the models themselves) with the reference tables the models use:
// run_params, ref_esp2013 and the run's geography (loadRefData).
func openModelDB(ctx context.Context, runDir string, models []script, opts ModelOptions) (*dbsql.DB, error) {
	tables, err := RunTables(runDir)
	if err != nil {
		return nil, err
	}
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	// One connection: the appender and the tables must share it.
	db.SetMaxOpenConns(1)
	fail := func(err error) (*dbsql.DB, error) {
		db.Close()
		return nil, err
	}
	for _, t := range tables {
		if slices.ContainsFunc(models, func(m script) bool { return m.Name == t.Name }) {
			continue
		}
		if _, err := db.ExecContext(ctx, t.ViewSQL()); err != nil {
			return fail(fmt.Errorf("create view %s over %s: %w", t.Name, t.Path, err))
		}
	}
	// Inputs a run may lack, because it was written before they existed,
	// are empty tables: the models that read them still build.
	for name, ddl := range optionalInputs {
		if slices.ContainsFunc(tables, func(t Table) bool { return t.Name == name }) {
			continue
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" "+ddl); err != nil {
			return fail(fmt.Errorf("create empty %s: %w", name, err))
		}
	}
	// Model outputs are written unsorted unless the model says ORDER BY,
	// which lets DuckDB write Parquet on every thread.
	if _, err := db.ExecContext(ctx, "SET preserve_insertion_order = false"); err != nil {
		return fail(fmt.Errorf("configure duckdb: %w", err))
	}
	horizon := opts.HorizonYears
	if horizon <= 0 {
		horizon = 3
	}
	bd := opts.BusinessDate
	if bd.IsZero() {
		return fail(errors.New("build models: no business date"))
	}
	if opts.Geography == nil {
		return fail(errors.New("build models: no geography"))
	}
	scale := opts.PopulationScale
	if scale <= 0 {
		scale = 1
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE run_params AS SELECT ?::DATE AS business_date, ?::INTEGER AS horizon_years,
		?::DOUBLE AS population_scale, ?::VARCHAR AS region`,
		bd.Format(time.DateOnly), horizon, scale, opts.Geography.Region.String()); err != nil {
		return fail(fmt.Errorf("create run_params: %w", err))
	}
	esp, err := files.ReadFile("ref/esp2013.sql")
	if err != nil {
		return fail(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE ref_esp2013 AS "+string(esp)); err != nil {
		return fail(fmt.Errorf("ref/esp2013.sql: %w", err))
	}
	band, err := files.ReadFile("ref/age_band.sql")
	if err != nil {
		return fail(err)
	}
	if _, err := db.ExecContext(ctx, string(band)); err != nil {
		return fail(fmt.Errorf("ref/age_band.sql: %w", err))
	}
	if err := loadRefData(ctx, db, opts.Geography, scale); err != nil {
		return fail(err)
	}
	return db, nil
}

// optionalInputs are the run tables a model reads that older runs lack,
// with their columns (docs/data.md).
var optionalInputs = map[string]string{
	"feed_skipped": "(feed VARCHAR, kind VARCHAR, outcome VARCHAR, detail VARCHAR, records BIGINT)",
}

// loadRefData loads the run's geography and populations into the
// reference tables the models use, through DuckDB's appender:
//
//	ref_places (lad_code, lad_name, icb_code, icb_name): the region's places, each with the ICB holding most of it
//	ref_icbs (icb_code, icb_ods, icb_name): the region's ICBs
//	ref_areas (lsoa21, sicbl_code, icb_code, lad_code, imd_decile): its LSOAs (2021)
//	ref_population (year, icb_code, lad_code, age, sex, population): mid-2011 and mid-2020, by place part
//	ref_lsoa_population (lsoa21, age_band, population): mid-2020 by LSOA, where every LSOA of the region has one
//
// Populations are multiplied by scale.
func loadRefData(ctx context.Context, db *dbsql.DB, geo *refdata.Geography, scale float64) error {
	p2011, err := geo.Population(2011)
	if err != nil {
		return fmt.Errorf("load population: %w", err)
	}
	p2020, err := geo.Population(2020)
	if err != nil {
		return fmt.Errorf("load population: %w", err)
	}
	for _, ddl := range []string{
		`CREATE TABLE ref_places (lad_code VARCHAR, lad_name VARCHAR, icb_code VARCHAR, icb_name VARCHAR)`,
		`CREATE TABLE ref_icbs (icb_code VARCHAR, icb_ods VARCHAR, icb_name VARCHAR)`,
		`CREATE TABLE ref_areas (lsoa21 VARCHAR, sicbl_code VARCHAR, icb_code VARCHAR, lad_code VARCHAR, imd_decile INTEGER)`,
		`CREATE TABLE ref_population (year INTEGER, icb_code VARCHAR, lad_code VARCHAR, age INTEGER, sex VARCHAR, population DOUBLE)`,
		`CREATE TABLE ref_lsoa_population (lsoa21 VARCHAR, age_band VARCHAR, population DOUBLE)`,
	} {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create reference table: %w", err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load reference tables: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		appendRows := func(table string, rows func(add func(args ...driver.Value) error) error) error {
			app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
			if err != nil {
				return fmt.Errorf("append %s: %w", table, err)
			}
			if err := rows(app.AppendRow); err != nil {
				app.Close()
				return fmt.Errorf("append %s: %w", table, err)
			}
			if err := app.Close(); err != nil {
				return fmt.Errorf("append %s: %w", table, err)
			}
			return nil
		}
		return errors.Join(
			appendRows("ref_places", func(add func(...driver.Value) error) error {
				for _, p := range geo.Places {
					if err := add(p.LAD, p.LADName, p.ICB, p.ICBName); err != nil {
						return err
					}
				}
				return nil
			}),
			appendRows("ref_icbs", func(add func(...driver.Value) error) error {
				for _, icb := range geo.ICBs() {
					if err := add(icb.Code, icb.ODS, icb.Name); err != nil {
						return err
					}
				}
				return nil
			}),
			appendRows("ref_areas", func(add func(...driver.Value) error) error {
				for _, a := range geo.Areas {
					if err := add(a.LSOA, a.SubICB, a.ICB, a.LAD, int32(a.IMDDecile)); err != nil {
						return err
					}
				}
				return nil
			}),
			appendRows("ref_population", func(add func(...driver.Value) error) error {
				for _, y := range []struct {
					year int32
					rows []refdata.PopulationRow
				}{{2011, p2011}, {2020, p2020}} {
					for _, r := range y.rows {
						if err := errors.Join(
							add(y.year, r.ICB, r.LAD, int32(r.Age), "male", r.Male*scale),
							add(y.year, r.ICB, r.LAD, int32(r.Age), "female", r.Female*scale)); err != nil {
							return err
						}
					}
				}
				return nil
			}),
			appendRows("ref_lsoa_population", func(add func(...driver.Value) error) error {
				pops, complete := geo.LSOAPopulation2020()
				if !complete {
					return nil
				}
				for i, a := range geo.Areas {
					for band, n := range pops[i] {
						if err := add(a.LSOA, refdata.AgeBands[band], n*scale); err != nil {
							return err
						}
					}
				}
				return nil
			}),
		)
	})
}

var duckLine = regexp.MustCompile(`LINE (\d+):`)

// buildModel runs one model straight into runDir/models/<name>.parquet and
// exposes the file as a view for the models and data tests after it. Writing
// the query's rows once, rather than into a table and then out to Parquet,
// halves the time for the big zero-filled models, and the data tests then
// check the very bytes the run ships. The model text follows "COPY (" on the
// same line, so the line DuckDB reports in an error is the line of the file.
func buildModel(ctx context.Context, db *dbsql.DB, m script, runDir string) (ModelResult, error) {
	start := time.Now()
	out := filepath.Join(runDir, "models", m.Name+".parquet")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return ModelResult{}, fmt.Errorf("write model %s: %w", m.Name, err)
	}
	body := strings.TrimRight(strings.TrimSpace(m.Body), ";")
	// The newline ends a trailing comment in the model.
	res, err := db.ExecContext(ctx, "COPY ("+body+"\n) TO "+quoteString(out)+" (FORMAT parquet, COMPRESSION zstd)")
	if err != nil {
		return ModelResult{}, scriptError(m, "build model "+m.Name, err)
	}
	rows, err := res.RowsAffected()
	if err != nil {
		return ModelResult{}, fmt.Errorf("write model %s to %s: %w", m.Name, out, err)
	}
	if _, err := db.ExecContext(ctx, Table{Name: m.Name, Path: out}.ViewSQL()); err != nil {
		return ModelResult{}, fmt.Errorf("create view %s over %s: %w", m.Name, out, err)
	}
	return ModelResult{Name: m.Name, Rows: rows, Duration: time.Since(start)}, nil
}

// scriptError names the script file and, when DuckDB reports one, the line.
func scriptError(s script, what string, err error) error {
	loc := "sql/" + s.File
	if sm := duckLine.FindStringSubmatch(err.Error()); sm != nil {
		if n, convErr := strconv.Atoi(sm[1]); convErr == nil {
			loc += ":" + strconv.Itoa(n)
		}
	}
	return fmt.Errorf("%s: %s: %w", loc, what, err)
}

// runTests runs each data test and collects its failing rows.
func runTests(ctx context.Context, db *dbsql.DB, tests []script) ([]TestResult, error) {
	var out []TestResult
	for _, t := range tests {
		res := TestResult{Name: t.Name}
		rows, err := db.QueryContext(ctx, strings.TrimRight(strings.TrimSpace(t.Body), ";"))
		if err != nil {
			return out, scriptError(t, "data test "+t.Name, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return out, fmt.Errorf("data test %s: %w", t.Name, err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			res.FailingRows++
			if len(res.Sample) == sampleRows {
				continue
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return out, fmt.Errorf("data test %s: %w", t.Name, err)
			}
			fields := make([]string, len(cols))
			for i, c := range cols {
				fields[i] = c + "=" + FormatValue(vals[i])
			}
			res.Sample = append(res.Sample, strings.Join(fields, " "))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return out, scriptError(t, "data test "+t.Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}
