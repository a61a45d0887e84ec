package jobs

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"github.com/yhcr/carecast/canonical"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/yhcr/carecast/forecast"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/reports"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// forecastRow is a row of models/forecasts.parquet (docs/data.md).
type forecastRow struct {
	SeriesKey string  `parquet:"series_key,dict"`
	Level     string  `parquet:"level,dict"`
	ICB       string  `parquet:"icb_code,dict"`
	LAD       string  `parquet:"lad_code,dict"`
	Service   string  `parquet:"service,dict"`
	Freq      string  `parquet:"freq,dict"`
	Model     string  `parquet:"model,dict"`
	Period    int32   `parquet:"period,date"` // days since 1970-01-01
	Step      int32   `parquet:"step"`
	Mean      float64 `parquet:"mean"`
	Lo80      float64 `parquet:"lo80"`
	Hi80      float64 `parquet:"hi80"`
	Lo95      float64 `parquet:"lo95"`
	Hi95      float64 `parquet:"hi95"`
	Chosen    bool    `parquet:"chosen"`
	RunID     string  `parquet:"run_id,dict"`
}

// accuracyRow is a row of models/forecast_accuracy.parquet.
type accuracyRow struct {
	SeriesKey  string  `parquet:"series_key,dict"`
	Level      string  `parquet:"level,dict"`
	ICB        string  `parquet:"icb_code,dict"`
	LAD        string  `parquet:"lad_code,dict"`
	Service    string  `parquet:"service,dict"`
	Freq       string  `parquet:"freq,dict"`
	Model      string  `parquet:"model,dict"`
	Origins    int32   `parquet:"origins"`
	MASE       float64 `parquet:"mase"`
	SMAPE      float64 `parquet:"smape"`
	Coverage80 float64 `parquet:"coverage80"`
	Coverage95 float64 `parquet:"coverage95"`
	MSIS       float64 `parquet:"msis"`
	Chosen     bool    `parquet:"chosen"`
	RunID      string  `parquet:"run_id,dict"`
}

// sqlModels builds the SQL models and runs the data tests in the staging
// run, so that a failing model or test fails the run before it is published.
func (p *pipeline) sqlModels(ctx context.Context, run *warehouse.Run) error {
	scale := 1.0
	if p.demo {
		// The demo region is a sample of its real population: its
		// populations are scaled alike, so that its rates are real ones.
		scale = p.cfg.Demo.Scale
	}
	rep, err := cwsql.BuildModels(ctx, run.Dir(), cwsql.ModelOptions{
		BusinessDate:    p.req.BusinessDate,
		HorizonYears:    (p.cfg.Forecast.HorizonMonths + 11) / 12,
		Geography:       p.geo,
		PopulationScale: scale,
		Log:             p.log,
	})
	if err != nil {
		return err
	}
	for _, m := range rep.Models {
		p.tables["models/"+m.Name] = m.Rows
	}
	return p.measureRisk(ctx, run)
}

// measureRisk measures the re-identification risk of what the run
// publishes about people, for the manifest and the report.
func (p *pipeline) measureRisk(ctx context.Context, run *warehouse.Run) error {
	db, err := cwsql.OpenRun(ctx, run.Dir())
	if err != nil {
		return err
	}
	defer db.Close()
	if p.reidentification, err = cwsql.ReidentificationRisk(ctx, db); err != nil {
		return fmt.Errorf("re-identification risk: %w", err)
	}
	return nil
}

// forecastAndReport forecasts every series, runs the planning scenarios and
// builds the report into the staging run. m is the manifest so far: the
// report shows its provenance.
func (p *pipeline) forecastAndReport(ctx context.Context, run *warehouse.Run, m *warehouse.Manifest) error {
	if p.cfg.ForecastEnabled() {
		if err := p.timed("forecast", func() error { return p.forecast(ctx, run) }); err != nil {
			return err
		}
	}
	if len(p.scenarios) > 0 {
		if err := p.timed("scenarios", func() error { return p.runScenarios(ctx, run) }); err != nil {
			return err
		}
	}
	if !p.cfg.ReportEnabled() {
		return nil
	}
	if err := run.WriteManifest(m); err != nil {
		return err
	}
	err := p.timed("report", func() error {
		_, err := reports.Build(ctx, run.Dir(), filepath.Join(run.Dir(), "report"), reports.Options{
			Title:        p.cfg.ReportTitle(),
			SuppressMax:  p.cfg.Report.SuppressMax,
			RoundTo:      p.cfg.Report.RoundTo,
			ChangePoints: reports.ChangePoints(p.cfg.Report.ChangePoints),
			Log:          p.log,
			// Only where the forecasting stage ran with them.
			ExcludedPeriods: excludedPeriods(p.cfg),
		})
		return err
	})
	if err != nil {
		return err
	}
	p.reportBuilt = true
	return nil
}

// forecast fits every monthly and weekly series and writes forecasts and
// forecast_accuracy into the run's models.
func (p *pipeline) forecast(ctx context.Context, run *warehouse.Run) error {
	db, err := cwsql.OpenRun(ctx, run.Dir())
	if err != nil {
		return err
	}
	defer db.Close()
	var fc []forecastRow
	var acc []accuracyRow
	for _, freq := range []struct {
		name             string
		periods, horizon int
	}{{"monthly", 12, p.cfg.Forecast.HorizonMonths}, {"weekly", 52, p.cfg.Forecast.HorizonWeeks}} {
		// Batches are kept until the whole series set is read: a series may
		// straddle two batches.
		var batches []arrow.RecordBatch
		err := cwsql.SeriesArrow(ctx, db, freq.name, func(rec arrow.RecordBatch) error {
			rec.Retain()
			batches = append(batches, rec)
			return nil
		})
		var series []forecast.Series
		if err == nil {
			series, err = forecast.SeriesFromArrow(freq.periods, batches...)
		}
		for _, b := range batches {
			b.Release()
		}
		if err != nil {
			return fmt.Errorf("read %s series: %w", freq.name, err)
		}
		p.counts["series_"+freq.name] = int64(len(series))
		if len(series) == 0 {
			// Not a failure: the report says what is missing and how to
			// fix it (no place is known, or no period has finished).
			p.log.Warn("forecast skipped: no series", "freq", freq.name,
				"reason", "no place and service has a finished period of activity")
			continue
		}
		forecasts, accuracy, err := forecast.Run(ctx, series, forecast.Options{
			Horizon: freq.horizon,
			Method:  p.cfg.Forecast.Method,
			Origins: p.cfg.Forecast.BacktestOrigins,
			Workers: p.cfg.Forecast.Workers,
			Exclude: p.cfg.Forecast.Spans(),
		})
		if err != nil {
			return fmt.Errorf("forecast %s series: %w", freq.name, err)
		}
		if freq.name == "monthly" {
			demo, demoAcc, err := demographicForecasts(ctx, db, series, freq.horizon, p.cfg.Forecast.Spans())
			if err != nil {
				return err
			}
			forecasts = append(forecasts, demo...)
			accuracy = append(accuracy, demoAcc...)
		}
		bySeries := make(map[string]forecast.Series, len(series))
		for _, s := range series {
			bySeries[s.Key] = s
		}
		for _, f := range forecasts {
			k := splitSeriesKey(f.Key, p)
			for i := range f.Mean {
				fc = append(fc, forecastRow{
					SeriesKey: f.Key, Level: k.level, ICB: k.icb, LAD: k.lad, Service: k.service,
					Freq: freq.name, Model: f.Model, Period: int32(canonical.DateOf(forecastPeriod(bySeries[f.Key], freq.name, i+1))),
					Step: int32(i + 1), Mean: f.Mean[i], Lo80: f.Lo80[i], Hi80: f.Hi80[i], Lo95: f.Lo95[i], Hi95: f.Hi95[i],
					Chosen: f.Chosen, RunID: p.runID,
				})
			}
		}
		for _, a := range accuracy {
			k := splitSeriesKey(a.Key, p)
			acc = append(acc, accuracyRow{
				SeriesKey: a.Key, Level: k.level, ICB: k.icb, LAD: k.lad, Service: k.service, Freq: freq.name,
				Model: a.Model, Origins: int32(a.Origins), MASE: a.MASE, SMAPE: a.SMAPE, Coverage80: a.Coverage80,
				Coverage95: a.Coverage95, MSIS: a.MSIS, Chosen: a.Chosen, RunID: p.runID,
			})
		}
	}
	models := filepath.Join(run.Dir(), "models")
	if err := warehouse.WriteTable(filepath.Join(models, "forecasts.parquet"), fc); err != nil {
		return err
	}
	p.tables["models/forecasts"] = int64(len(fc))
	p.tables["models/forecast_accuracy"] = int64(len(acc))
	return warehouse.WriteTable(filepath.Join(models, "forecast_accuracy.parquet"), acc)
}

type seriesKey struct{ level, icb, lad, service string }

// splitSeriesKey reads "place/<lad>/<service>" or "icb/<icb>/<service>".
func splitSeriesKey(key string, p *pipeline) seriesKey {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 {
		return seriesKey{level: "unknown", icb: "unknown", lad: "unknown", service: key}
	}
	switch parts[0] {
	case "icb":
		return seriesKey{level: "icb", icb: parts[1], lad: "all", service: parts[2]}
	default:
		icb := "unknown"
		if pl, ok := p.geo.PlaceByLAD(parts[1]); ok {
			icb = pl.ICB
		}
		return seriesKey{level: "place", icb: icb, lad: parts[1], service: parts[2]}
	}
}

// forecastPeriod returns the start of the step-th period after the last
// observation of s.
func forecastPeriod(s forecast.Series, freq string, step int) time.Time {
	n := len(s.Values) - 1 + step
	if freq == "weekly" {
		return s.Start.AddDate(0, 0, 7*n)
	}
	return s.Start.AddDate(0, n, 0)
}

// demographicForecasts adds the NHS planning baseline to every monthly place
// series: activity rates by age band and sex times the projected
// population. It is shown beside the chosen forecast, not chosen itself;
// its accuracy is scored on the last year held out. The excluded periods
// count neither in the rates nor in the score, as for the other models.
func demographicForecasts(ctx context.Context, db *dbsql.DB, series []forecast.Series, h int, exclude []forecast.Span) ([]forecast.Forecast, []forecast.Accuracy, error) {
	var groups, population []arrow.RecordBatch
	keep := func(into *[]arrow.RecordBatch) func(arrow.RecordBatch) error {
		return func(rec arrow.RecordBatch) error {
			rec.Retain()
			*into = append(*into, rec)
			return nil
		}
	}
	err := cwsql.DemographicArrow(ctx, db, keep(&groups), keep(&population))
	var inputs []forecast.DemographicInput
	if err == nil {
		inputs, err = forecast.DemographicFromArrow(series, groups, population)
	}
	for _, rec := range slices.Concat(groups, population) {
		rec.Release()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("demographic forecast: %w", err)
	}
	totals := make(map[string][]float64, len(series))
	for _, s := range series {
		totals[s.Key], _ = s.Excluded(exclude)
	}
	const holdout = 12
	var fcs []forecast.Forecast
	var accs []forecast.Accuracy
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		in.Exclude = exclude
		f, err := forecast.Demographic(in, h)
		if err != nil {
			// A series too short for rates keeps its other forecasts.
			continue
		}
		f.Model, f.Chosen = "demographic", false
		fcs = append(fcs, f)
		y := totals[in.Key]
		if len(y) <= holdout+in.Freq {
			continue
		}
		train := in
		train.ByGroup = make(map[string][]float64, len(in.ByGroup))
		for g, v := range in.ByGroup {
			train.ByGroup[g] = v[:len(v)-holdout]
		}
		if tf, err := forecast.Demographic(train, holdout); err == nil {
			tf.Model, tf.Chosen = "demographic", false
			accs = append(accs, forecast.Score(y[:len(y)-holdout], y[len(y)-holdout:], tf, in.Freq))
		}
	}
	return fcs, accs, nil
}

// excludedPeriods names the periods the forecasts treated as missing, for
// the report; none when the stage did not run.
func excludedPeriods(c *config.Config) []string {
	if !c.ForecastEnabled() {
		return nil
	}
	return c.Forecast.Describe()
}
