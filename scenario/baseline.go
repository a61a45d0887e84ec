package scenario

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"time"

	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/sql/planning"
)

// LastWholeYear is the last calendar year a run with this business date has
// whole: the default baseline year.
func LastWholeYear(businessDate time.Time) int {
	y := businessDate.Year()
	if businessDate.Month() == time.December && businessDate.Day() == 31 {
		return y
	}
	return y - 1
}

// ReadBaseline reads what scenarios start from out of a run opened with
// sql.OpenRun: the activity of the calendar year by place, service, age band
// and sex (events from the activity_monthly model, bed-days from activity),
// the places of the population model and the model itself. The year must be
// whole: over by the business date, and its activity starting in January.
func ReadBaseline(ctx context.Context, db *dbsql.DB, businessDate time.Time, year int) (*Baseline, error) {
	if last := LastWholeYear(businessDate); year > last {
		return nil, fmt.Errorf("%w: baseline year %d is not over by the run's business date %s (the last whole year is %d)",
			ErrBaseline, year, businessDate.Format(time.DateOnly), last)
	}
	b := &Baseline{Year: year}
	// The cells, and the first month with activity.
	var first time.Time
	err := queryRows(ctx, db, "baseline", func(r *dbsql.Rows) error {
		var c Cell
		var month time.Time
		err := r.Scan(&c.Place, &c.Service, &c.AgeBand, &c.Sex, &c.Events, &c.BedDays, &month)
		if first.IsZero() || month.Before(first) {
			first = month
		}
		b.Cells = append(b.Cells, c)
		return err
	}, year)
	if err != nil {
		return nil, err
	}
	if len(b.Cells) == 0 {
		return nil, fmt.Errorf("%w: the run has no activity in baseline year %d", ErrBaseline, year)
	}
	if first.Month() != time.January {
		return nil, fmt.Errorf("%w: baseline year %d is not whole in the run: its activity starts in %s",
			ErrBaseline, year, first.Format("January 2006"))
	}
	err = queryRows(ctx, db, "places", func(r *dbsql.Rows) error {
		var p Place
		err := r.Scan(&p.Code, &p.Parent, &p.ParentODS)
		b.Places = append(b.Places, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = queryRows(ctx, db, "population", func(r *dbsql.Rows) error {
		var p PopulationRow
		var y int64
		err := r.Scan(&p.Place, &p.AgeBand, &p.Sex, &y, &p.Population)
		p.Year = int(y)
		b.Population = append(b.Population, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// queryRows runs a planning query, calling scan for each row.
func queryRows(ctx context.Context, db *dbsql.DB, name string, scan func(*dbsql.Rows) error, args ...any) error {
	if err := cwsql.Each(ctx, db, planning.Queries[name], scan, args...); err != nil {
		return fmt.Errorf("sql/planning/%s.sql: %w", name, err)
	}
	return nil
}
