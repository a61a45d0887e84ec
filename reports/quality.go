package reports

import (
	"context"
	dbsql "database/sql"
	"fmt"
)

// This file is the report's account of what a run could not show: a notice
// at the top of the region's page saying what is missing and how to fix it
// (issue 15: a run commits whatever it can honestly commit, and says what
// it could not), and the records each feed skipped or could not map.

// skippedCount is a row of feed_skipped: records a reader kept out on
// purpose, or kept with a code outside the mappings.
type skippedCount struct {
	Feed, Kind, Outcome, Detail string
	Records                     int64
}

// activitySpan is what the activity table holds, for the notice.
type activitySpan struct {
	Events, Placed int64
	First, Last    dbsql.NullTime
}

// loadQuality reads what the notice and the data-quality tables need.
// Runs written before feed_skipped existed have none.
func (d *data) loadQuality(ctx context.Context, db *dbsql.DB, have map[string]bool) error {
	if have["feed_skipped"] {
		err := query(ctx, db, "feed_skipped", func(r *dbsql.Rows) error {
			var x skippedCount
			err := r.Scan(&x.Feed, &x.Kind, &x.Outcome, &x.Detail, &x.Records)
			d.skipped = append(d.skipped, x)
			return err
		})
		if err != nil {
			return err
		}
	}
	if have["activity"] {
		return query(ctx, db, "activity_span", func(r *dbsql.Rows) error {
			return r.Scan(&d.span.Events, &d.span.Placed, &d.span.First, &d.span.Last)
		})
	}
	return nil
}

// people says how many people, published through disclosure control.
func (r *report) people(n int64) string {
	c := r.dc.Count(n)
	if !c.Shown() {
		return fmt.Sprintf("Fewer than %d people", r.opts.SuppressMax+1)
	}
	if c.Text == "1" {
		return "1 person"
	}
	return c.Text + " people"
}

// noticeSection says what the run could not show, and how to fix it: no
// events, people whose residence is unknown, no finished month to forecast.
// false when there is nothing to say.
func (r *report) noticeSection() (section, bool) {
	m := r.d.manifest
	c := m.Counts
	var paras []string
	if c["events_written"] == 0 {
		read, quarantined, opted := int64(0), int64(0), int64(0)
		for _, f := range r.d.feeds {
			if f.Entity == "event" {
				read += f.Read
				quarantined += f.Quarantined
				opted += f.OptedOut
			}
		}
		paras = append(paras, fmt.Sprintf("No events were written, so there is no activity to show or forecast: "+
			"the feeds gave %s event records, of which %s were quarantined and %s removed by opt-outs. "+
			"The tables below say by feed and reason; check each feed's format, path and person_id in the configuration, "+
			"and that its events name people the feeds describe.",
			r.dc.Count(read).Text, r.dc.Count(quarantined).Text, r.dc.Count(opted).Text))
	}
	for _, u := range []struct{ count, what string }{
		{"people_unplaced_no_postcode_lookup", "have no known residence: their addresses give a postcode but no LSOA, and no postcode lookup is configured. Configure geography.postcode_lookup_file (the ONS postcode directory's pcds column with lsoa11 or lsoa21) to place them"},
		{"people_unplaced_postcode_unknown", "have no known residence: their postcodes are not in the configured postcode lookup. Check that geography.postcode_lookup_file is the current ONS postcode directory for the area"},
		{"people_unplaced_lsoa_unknown", "have no known residence: their LSOA codes are not in the geography. Configure geography.lookup_file for the region they live in"},
		{"people_unplaced_no_residence", "have no known residence: the feeds give no LSOA and no postcode for them. Ask the partner to send either"},
	} {
		if n := c[u.count]; n > 0 {
			paras = append(paras, r.people(n)+" "+u.what+". Their activity is counted under an unknown place, which is not forecast.")
		}
	}
	if len(r.d.history) == 0 && c["events_written"] > 0 {
		switch {
		case r.d.span.Placed == 0:
			paras = append(paras, "No place could be forecast: no event is of a person whose residence is known (see above).")
		default:
			month := ""
			if r.d.span.Last.Valid {
				month = " (the last event is in " + r.d.span.Last.Time.Format("January 2006") + ")"
			}
			paras = append(paras, "No place has a finished month of activity"+month+": series count whole months, "+
				"and a month is forecast from when the business date "+m.BusinessDate+" has passed its end. "+
				"The next run after the month ends will forecast it.")
		}
	}
	if len(paras) == 0 {
		return section{}, false
	}
	sec := section{ID: "notice", Title: "What this run could not show", Paras: paras}
	if len(r.d.history) == 0 {
		sec.Paras = append(sec.Paras, "The run was committed: its tables hold what the feeds gave, and the data-quality and governance tables below account for every record.")
	}
	return sec, true
}

// skippedBlock is the data-quality table of records skipped or unmapped,
// by feed and kind.
func (r *report) skippedBlock() block {
	t := &table{ID: "skipped", Caption: "Records skipped or unmapped, by feed and kind", Cols: []column{
		{"Feed", "feed", Label}, {"Kind", "kind", Label}, {"Outcome", "outcome", Label}, {"Why, or the element", "detail", Label},
		{"Records", "records", Count},
	}, Note: "Skipped: records a reader leaves out on purpose — FHIR resources of types carecast does not read, and " +
		"resources that are not activity (a cancelled encounter, vital signs). Unmapped: records kept whose code is " +
		"outside carecast's mappings (their service is unknown, or their provider has no ODS code)."}
	for _, x := range r.d.skipped {
		t.Rows = append(t.Rows, []Cell{Text(x.Feed), Text(x.Kind), Text(x.Outcome), Text(x.Detail), r.dc.Count(x.Records)})
	}
	if len(t.Rows) == 0 {
		return block{Heading: "Skipped and unmapped records", Paras: []string{"No record was skipped or unmapped."}}
	}
	return block{Heading: "Skipped and unmapped records", Table: t}
}
