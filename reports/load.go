package reports

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/sql/reporting"
	"github.com/yhcr/carecast/warehouse"
)

// data is everything the report shows, read from one run.
type data struct {
	manifest   *warehouse.Manifest
	places     []place
	history    map[string][]point // by series key, in month order
	forecasts  map[string][]forecastPoint
	baseline   map[string]float64 // demographic baseline of the next 12 months, by series key
	accuracy   []accuracy
	tracking   []tracking
	earlier    int // earlier runs found for tracking
	duplicates []duplicates
	care       []transition
	rates      []rate
	imd        []imdRate
	quarantine []quarantined
	optouts    []optout
	feeds      []feedCount
	skipped    []skippedCount
	span       activitySpan
	missing    []string // tables the run does not have
	scenarios  *scenarioData
}

type place struct{ ICB, ICBName, LAD, LADName string }

type point struct {
	Month  time.Time
	Events int64
}

type forecastPoint struct {
	Model                        string
	Period                       time.Time
	Mean, Lo80, Hi80, Lo95, Hi95 float64
}

// series identifies a series by its columns in the models.
type series struct{ Key, Level, ICB, LAD, Service string }

type accuracy struct {
	series
	Model                               string
	Origins                             int64
	MASE, SMAPE, Coverage80, Coverage95 dbsql.NullFloat64
}

// tracking is an earlier run's forecast of one series against the months
// observed since, month by month: the report scores it on published counts.
type tracking struct {
	RunID string
	series
	Months []trackedMonth
}

type trackedMonth struct {
	Events           int64
	Mean, Lo80, Hi80 float64
}

type duplicates struct {
	Level, ICB, LAD       string
	Tests, DuplicateTests int64
}

type transition struct {
	Level, ICB, LAD, Measure string
	Numerator, Denominator   int64
}

type rate struct {
	Year                     int64
	Level, ICB, LAD, Service string
	Events                   int64
	Population               float64
	DSR, DSRLo, DSRHi        dbsql.NullFloat64
}

type quarantined struct {
	Feed, Entity, Reason, Field string
	Records                     int64
}

type optout struct {
	Reason, Feed    string
	People, Records int64
}

type feedCount struct {
	Feed, Entity                         string
	Read, Quarantined, OptedOut, Written int64
}

// load reads the run in runDir.
func load(ctx context.Context, db *dbsql.DB, runDir, runs string) (*data, error) {
	m, err := warehouse.ReadManifest(runDir)
	if err != nil {
		return nil, err
	}
	d := &data{manifest: m, history: map[string][]point{}, forecasts: map[string][]forecastPoint{},
		baseline: map[string]float64{}}
	tables, err := sql.RunTables(runDir)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, t := range tables {
		have[t.Name] = true
	}
	// Each query reads one table. Only the series are needed: a run may be
	// built without forecasts (forecast.enabled false) or predate a model,
	// and its report then says so where the table would be.
	steps := []struct {
		query, table string
		scan         func(*dbsql.Rows) error
	}{
		{"places", "places", func(r *dbsql.Rows) error {
			var p place
			err := r.Scan(&p.ICB, &p.ICBName, &p.LAD, &p.LADName)
			d.places = append(d.places, p)
			return err
		}},
		{"history", "series_monthly", func(r *dbsql.Rows) error {
			var s series
			var p point
			err := r.Scan(&s.Key, &s.Level, &s.ICB, &s.LAD, &s.Service, &p.Month, &p.Events)
			d.history[s.Key] = append(d.history[s.Key], p)
			return err
		}},
		{"forecasts", "forecasts", func(r *dbsql.Rows) error {
			var s series
			var f forecastPoint
			var step int64
			err := r.Scan(&s.Key, &s.Level, &s.ICB, &s.LAD, &s.Service, &f.Model, &f.Period, &step,
				&f.Mean, &f.Lo80, &f.Hi80, &f.Lo95, &f.Hi95)
			d.forecasts[s.Key] = append(d.forecasts[s.Key], f)
			return err
		}},
		{"baseline", "forecasts", func(r *dbsql.Rows) error {
			var key string
			var v float64
			err := r.Scan(&key, &v)
			d.baseline[key] = v
			return err
		}},
		{"accuracy", "forecast_accuracy", func(r *dbsql.Rows) error {
			var a accuracy
			err := r.Scan(&a.Key, &a.Level, &a.ICB, &a.LAD, &a.Service, &a.Model, &a.Origins,
				&a.MASE, &a.SMAPE, &a.Coverage80, &a.Coverage95)
			d.accuracy = append(d.accuracy, a)
			return err
		}},
		{"duplicate_tests", "duplicate_tests", func(r *dbsql.Rows) error {
			var x duplicates
			err := r.Scan(&x.Level, &x.ICB, &x.LAD, &x.Tests, &x.DuplicateTests)
			d.duplicates = append(d.duplicates, x)
			return err
		}},
		{"care_transitions", "care_transitions", func(r *dbsql.Rows) error {
			var x transition
			err := r.Scan(&x.Level, &x.ICB, &x.LAD, &x.Measure, &x.Numerator, &x.Denominator)
			d.care = append(d.care, x)
			return err
		}},
		{"activity_rates", "activity_rates", func(r *dbsql.Rows) error {
			var x rate
			err := r.Scan(&x.Year, &x.Level, &x.ICB, &x.LAD, &x.Service, &x.Events, &x.Population,
				&x.DSR, &x.DSRLo, &x.DSRHi)
			d.rates = append(d.rates, x)
			return err
		}},
		{"inequalities", "activity_rates_imd", func(r *dbsql.Rows) error {
			var x imdRate
			err := r.Scan(&x.Year, &x.Level, &x.ICB, &x.LAD, &x.Service, &x.Breakdown, &x.Group, &x.Events, &x.Population,
				&x.Denominator, &x.DSR, &x.DSRLo, &x.DSRHi, &x.SII, &x.SIILo, &x.SIIHi, &x.RII, &x.RIILo, &x.RIIHi,
				&x.Gap, &x.GapLo, &x.GapHi)
			d.imd = append(d.imd, x)
			return err
		}},
		{"quarantine", "quarantine", func(r *dbsql.Rows) error {
			var x quarantined
			err := r.Scan(&x.Feed, &x.Entity, &x.Reason, &x.Field, &x.Records)
			d.quarantine = append(d.quarantine, x)
			return err
		}},
		{"optouts", "optouts_applied", func(r *dbsql.Rows) error {
			var x optout
			err := r.Scan(&x.Reason, &x.Feed, &x.People, &x.Records)
			d.optouts = append(d.optouts, x)
			return err
		}},
		{"feed_counts", "feed_counts", func(r *dbsql.Rows) error {
			var x feedCount
			err := r.Scan(&x.Feed, &x.Entity, &x.Read, &x.Quarantined, &x.OptedOut, &x.Written)
			d.feeds = append(d.feeds, x)
			return err
		}},
	}
	for _, s := range steps {
		if !have[s.table] {
			if s.table == "series_monthly" {
				return nil, ErrNoSeries
			}
			d.missing = append(d.missing, s.table)
			continue
		}
		if err := query(ctx, db, s.query, s.scan); err != nil {
			return nil, err
		}
	}
	if err := d.loadQuality(ctx, db, have); err != nil {
		return nil, err
	}
	if err := d.checkForecasts(); err != nil {
		return nil, err
	}
	if d.scenarios, err = loadScenarios(ctx, db, have); err != nil {
		return nil, err
	}
	if !have["series_monthly"] || !have["forecasts"] {
		return d, nil // nothing to track
	}
	earlier, err := earlierForecasts(runDir, runs)
	if err != nil {
		return nil, err
	}
	if d.earlier = len(earlier); d.earlier > 0 {
		if err := createEarlierView(ctx, db, earlier); err != nil {
			return nil, err
		}
		err := query(ctx, db, "tracking", func(r *dbsql.Rows) error {
			var x tracking
			var m trackedMonth
			if err := r.Scan(&x.RunID, &x.Key, &x.Level, &x.ICB, &x.LAD, &x.Service,
				&m.Events, &m.Mean, &m.Lo80, &m.Hi80); err != nil {
				return err
			}
			if n := len(d.tracking); n > 0 && d.tracking[n-1].RunID == x.RunID && d.tracking[n-1].Key == x.Key {
				d.tracking[n-1].Months = append(d.tracking[n-1].Months, m)
				return nil
			}
			x.Months = []trackedMonth{m}
			d.tracking = append(d.tracking, x)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return d, nil
}

// ErrBadForecasts reports forecasts whose periods do not follow their
// series month by month: a report must not chart them.
var ErrBadForecasts = errors.New("forecasts do not follow their series")

func (d *data) checkForecasts() error {
	for key, fc := range d.forecasts {
		hist := d.history[key]
		if len(hist) == 0 {
			return fmt.Errorf("%w: %s has forecasts and no series", ErrBadForecasts, key)
		}
		next := hist[len(hist)-1].Month.AddDate(0, 1, 0)
		for i, f := range fc {
			if want := next.AddDate(0, i, 0); !f.Period.Equal(want) {
				return fmt.Errorf("%w: %s step %d is for %s, want %s", ErrBadForecasts, key, i+1,
					f.Period.Format(time.DateOnly), want.Format(time.DateOnly))
			}
		}
	}
	return nil
}

// query runs the named report query, calling scan for each row.
func query(ctx context.Context, db *dbsql.DB, name string, scan func(*dbsql.Rows) error) error {
	q, err := reporting.Query(name)
	if err != nil {
		return err
	}
	if err := sql.Each(ctx, db, q, scan); err != nil {
		return fmt.Errorf("report query %s: %w", name, err)
	}
	return nil
}

// earlierForecasts lists the forecasts of the runs in the folder runs that
// started before the run in runDir. With runs "", that is runDir's own
// folder, or for a run being staged (warehouse staging/<id>) the
// warehouse's runs/ beside it.
func earlierForecasts(runDir, runs string) ([]string, error) {
	abs, err := filepath.Abs(runDir)
	if err != nil {
		return nil, fmt.Errorf("find earlier runs: %w", err)
	}
	this, err := warehouse.ParseRunID(filepath.Base(abs))
	if err != nil {
		return nil, nil // not a warehouse run: nothing to compare with
	}
	if runs == "" {
		runs = filepath.Dir(abs)
		if filepath.Base(runs) == "staging" {
			runs = filepath.Join(filepath.Dir(runs), "runs")
		}
	}
	entries, err := os.ReadDir(runs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find earlier runs: %w", err)
	}
	var out []string
	for _, e := range entries {
		id, err := warehouse.ParseRunID(e.Name())
		if err != nil || !e.IsDir() || !id.Start.Before(this.Start) {
			continue
		}
		path := filepath.Join(runs, e.Name(), "models", "forecasts.parquet")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("find earlier runs: %w", err)
		}
		out = append(out, path)
	}
	slices.Sort(out)
	return out, nil
}

func createEarlierView(ctx context.Context, db *dbsql.DB, paths []string) error {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	q := "CREATE VIEW earlier_forecasts AS SELECT * FROM read_parquet([" +
		strings.Join(quoted, ", ") + "], union_by_name = true)"
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("open earlier forecasts: %w", err)
	}
	return nil
}
