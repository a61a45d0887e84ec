package warehouse

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/pseudonymise"
)

// personRecord is a row of the persons table (docs/data.md). Low-cardinality
// columns are dictionary-encoded; the pseudonym is a 16-byte UUID.
type personRecord struct {
	PersonID   [16]byte `parquet:"person_id,uuid" doc:"keyed pseudonym: first 16 bytes of HMAC-SHA256(key, NHS number, or <feed>|<system>|<value> for a local identifier)"`
	Sex        string   `parquet:"sex,dict" doc:"male, female, indeterminate or not_known"`
	Age        int16    `parquet:"age" doc:"age at 30 June of the business date's year (of the year of death, if dead before), top-coded at 90"`
	AgeBand    string   `parquet:"age_band,dict" doc:"five-year age band: 0-4 … 85-89, 90+, unknown"`
	LSOA       string   `parquet:"lsoa21,dict" doc:"LSOA (2021) of residence, or unknown"`
	SubICB     string   `parquet:"sicbl_code,dict" doc:"sub-ICB location (ONS E38 code, 2024), or unknown"`
	SubICBName string   `parquet:"sicbl_name,dict" doc:"sub-ICB location name, or unknown"`
	LAD        string   `parquet:"lad_code,dict" doc:"local authority (place, 2024) code, or unknown"`
	LADName    string   `parquet:"lad_name,dict" doc:"local authority (place) name, or unknown"`
	ICB        string   `parquet:"icb_code,dict" doc:"ICB (ONS E54 code, 2024), or unknown"`
	ICBName    string   `parquet:"icb_name,dict" doc:"ICB name, or unknown"`
	Practice   string   `parquet:"gp_practice,dict" doc:"registered GP practice (ODS code)"`
	DeathMonth *int32   `parquet:"death_month,date,optional" doc:"first day of the month of death; null when alive"`
	Feeds      string   `parquet:"feeds,dict" doc:"feeds the person appears in, comma-separated"`
}

// activityRecord is a row of the activity table (docs/data.md), stored in
// activity/year=YYYY/; the year is the Hive partition, not a column. Rows
// come feed by feed, mostly in date order, so only event_date, feed and the
// numbers keep min/max statistics (see column).
type activityRecord struct {
	PersonID     [16]byte `parquet:"person_id,uuid" bounds:"-" doc:"keyed pseudonym, as in persons"`
	EventDate    int32    `parquet:"event_date,date" doc:"date of the event"`
	Service      string   `parquet:"service,dict" bounds:"-" doc:"service: ae_attendance, emergency_admission, elective_admission, outpatient_attendance, gp_appointment, community_contact, social_care_assessment, diagnostic_test or unknown"`
	Setting      string   `parquet:"setting,dict" bounds:"-" doc:"setting: hospital, gp, social_care, community or unknown"`
	Provider     string   `parquet:"provider,dict" bounds:"-" doc:"provider (ODS code)"`
	Feed         string   `parquet:"feed,dict" doc:"name of the feed the event came from"`
	Age          int16    `parquet:"age" doc:"age at 30 June of the event's year, top-coded at 90"`
	AgeBand      string   `parquet:"age_band,dict" bounds:"-" doc:"five-year band of age"`
	Sex          string   `parquet:"sex,dict" bounds:"-" doc:"sex, as in persons"`
	LSOA         string   `parquet:"lsoa21,dict" bounds:"-" doc:"LSOA (2021) of residence at the run"`
	SubICB       string   `parquet:"sicbl_code,dict" bounds:"-" doc:"sub-ICB location (2024) of residence at the run"`
	LAD          string   `parquet:"lad_code,dict" bounds:"-" doc:"local authority (place, 2024) of residence at the run"`
	ICB          string   `parquet:"icb_code,dict" bounds:"-" doc:"ICB (2024) of residence at the run"`
	CodeSystem   string   `parquet:"code_system,dict,optional" bounds:"-" doc:"ICD-10, SNOMED, OPCS-4, READ, LOINC or a declared local system; null when uncoded"`
	Code         string   `parquet:"code,optional" bounds:"-" doc:"clinical code in code_system, shape-checked; null when uncoded"`
	LengthOfStay *int32   `parquet:"length_of_stay,optional" doc:"days, admissions only; null otherwise"`
}

// PersonWriter writes the persons table of a run.
type PersonWriter struct {
	t      *tableFile[personRecord]
	deaths []int32 // death_month values of the batch, pointed to by its rows
	run    *Run
	err    error
}

// Persons starts the run's persons table, persons.parquet.
func (r *Run) Persons() (*PersonWriter, error) {
	t, err := createTableFile[personRecord](filepath.Join(r.dir, "persons.parquet"), "persons", r.id)
	if err != nil {
		return nil, fmt.Errorf("persons table: %w", err)
	}
	return &PersonWriter{t: t, deaths: make([]int32, batchRows), run: r}, nil
}

// ErrClosed reports a write to a closed table writer.
var ErrClosed = errors.New("table writer closed")

// Write adds a person. The row is copied; p may be reused.
func (w *PersonWriter) Write(p *pseudonymise.PersonRow) error {
	if w.err != nil {
		return w.err
	}
	if w.t == nil {
		return ErrClosed
	}
	i := len(w.t.batch)
	rec := w.t.next()
	*rec = personRecord{
		PersonID: p.ID, Sex: p.Sex, Age: p.Age, AgeBand: p.AgeBand,
		LSOA: p.LSOA, SubICB: p.SubICB, SubICBName: p.SubICBName, LAD: p.LAD, LADName: p.LADName, ICB: p.ICB, ICBName: p.ICBName,
		Practice: p.Practice, Feeds: p.Feeds,
	}
	if p.DeathMonth.Valid() {
		w.deaths[i] = int32(p.DeathMonth)
		rec.DeathMonth = &w.deaths[i]
	}
	if w.t.full() {
		w.err = w.t.writeBatch()
	}
	return w.err
}

// Close finishes the table. After an error it only closes the file.
func (w *PersonWriter) Close() error {
	if w.t == nil {
		return w.err
	}
	t := w.t
	w.t = nil
	if w.err != nil {
		t.discard()
		return w.err
	}
	if w.err = t.close(); w.err != nil {
		return fmt.Errorf("persons table: %w", w.err)
	}
	w.run.addRows("persons", t.rows)
	return nil
}

// maxFileRows bounds an activity file: a year with more events is split
// into several part files, which readers scan in parallel.
const maxFileRows = 16 * maxRowGroupRows

// ActivityWriter writes the activity table of a run, one folder per year of
// event_date (activity/year=YYYY/part-NNNNN.parquet). Each year being
// written holds one batch and one row group in memory, and the row groups of
// all years together at most maxRowGroupRows rows: when a feed's events
// span many years, memory stays that of one full row group (see flush).
type ActivityWriter struct {
	dir   string
	run   *Run
	years map[int]*activityPart
	// The last event's part: a person's events, and a date-ordered feed's,
	// mostly come in one year after another.
	last *activityPart
	rows int64
	err  error
}

// activityPart is the part file being written for a year.
type activityPart struct {
	year     int
	from, to canonical.Date // first days of the year and of the next
	seq      int            // NNNNN of part-NNNNN.parquet
	t        *tableFile[activityRecord]
	stay     []int32 // length_of_stay values of the batch, pointed to by its rows
}

// Activity starts the run's activity table.
func (r *Run) Activity() (*ActivityWriter, error) {
	dir := filepath.Join(r.dir, "activity")
	if err := mkdirNew(dir); err != nil {
		return nil, fmt.Errorf("activity table: %w", err)
	}
	return &ActivityWriter{dir: dir, run: r, years: map[int]*activityPart{}}, nil
}

// ErrNoEventDate reports an activity row without an event date.
var ErrNoEventDate = errors.New("activity row without an event date")

// Write adds an event. The row is copied; a may be reused.
func (w *ActivityWriter) Write(a *pseudonymise.ActivityRow) error {
	if w.err != nil {
		return w.err
	}
	if w.years == nil {
		return ErrClosed
	}
	p := w.last
	if p == nil || a.Date < p.from || a.Date >= p.to {
		if !a.Date.Valid() {
			return ErrNoEventDate
		}
		if p, w.err = w.part(a.Date.Year()); w.err != nil {
			return w.err
		}
		w.last = p
	}
	i := len(p.t.batch)
	rec := p.t.next()
	*rec = activityRecord{
		PersonID: a.PersonID, EventDate: int32(a.Date),
		Service: a.Service.String(), Setting: a.Setting.String(),
		Provider: a.Provider, Feed: a.Feed, Age: a.Age, AgeBand: a.AgeBand, Sex: a.Sex,
		LSOA: a.LSOA, SubICB: a.SubICB, LAD: a.LAD, ICB: a.ICB, CodeSystem: a.CodeSystem, Code: a.Code,
	}
	if a.LengthOfStay >= 0 {
		p.stay[i] = a.LengthOfStay
		rec.LengthOfStay = &p.stay[i]
	}
	w.rows++
	if p.t.full() {
		w.err = w.flush(p)
	}
	return w.err
}

// part returns the part being written for year, starting one if needed.
func (w *ActivityWriter) part(year int) (*activityPart, error) {
	if p := w.years[year]; p != nil {
		return p, nil
	}
	p := &activityPart{year: year, stay: make([]int32, batchRows),
		from: canonical.MakeDate(year, 1, 1), to: canonical.MakeDate(year+1, 1, 1)}
	if err := w.open(p); err != nil {
		return nil, err
	}
	w.years[year] = p
	return p, nil
}

func (w *ActivityWriter) open(p *activityPart) error {
	path := filepath.Join(w.dir, fmt.Sprintf("year=%d", p.year), fmt.Sprintf("part-%05d.parquet", p.seq))
	t, err := createTableFile[activityRecord](path, "activity", w.run.id)
	if err != nil {
		return fmt.Errorf("activity table: %w", err)
	}
	p.t = t
	return nil
}

// flush writes a part's batch, moving on to the next part file when the
// current one is full.
func (w *ActivityWriter) flush(p *activityPart) error {
	if err := p.t.writeBatch(); err != nil {
		return fmt.Errorf("activity table: %w", err)
	}
	if err := w.boundOpenRows(); err != nil {
		return fmt.Errorf("activity table: %w", err)
	}
	if p.t.rows < maxFileRows {
		return nil
	}
	if err := p.t.close(); err != nil {
		return fmt.Errorf("activity table: %w", err)
	}
	p.seq++
	return w.open(p)
}

// boundOpenRows ends the largest open row group (the earliest year of
// equals, for the same files from the same input) while those of all years
// hold more than maxRowGroupRows rows. Events in date order still make row
// groups of up to a million rows; events in person order (each person's
// history in turn) keep every year open, and make row groups of about a
// million rows divided by the years.
func (w *ActivityWriter) boundOpenRows() error {
	for {
		var total int64
		var largest *activityPart
		for _, p := range w.years {
			total += p.t.open
			if largest == nil || p.t.open > largest.t.open || p.t.open == largest.t.open && p.year < largest.year {
				largest = p
			}
		}
		if total <= maxRowGroupRows {
			return nil
		}
		if err := largest.t.endRowGroup(); err != nil {
			return err
		}
	}
}

// Close finishes every part file. After an error it only closes the files.
func (w *ActivityWriter) Close() error {
	if w.years == nil {
		return w.err
	}
	years := w.years
	w.years, w.last = nil, nil
	keys := make([]int, 0, len(years))
	for y := range years {
		keys = append(keys, y)
	}
	slices.Sort(keys)
	for _, y := range keys {
		p := years[y]
		if w.err != nil {
			p.t.discard()
			continue
		}
		if err := p.t.close(); err != nil {
			w.err = fmt.Errorf("activity table: %w", err)
		}
	}
	if w.err == nil && len(keys) == 0 {
		w.err = w.writeEmpty()
	}
	if w.err == nil {
		w.run.addRows("activity", w.rows)
	}
	return w.err
}

// writeEmpty writes the activity table of a run without events: one empty
// part file in the business date's year, so that the table exists, with
// its columns, for the models and every other reader.
func (w *ActivityWriter) writeEmpty() error {
	year := time.Now().Year()
	if id, err := ParseRunID(w.run.id); err == nil {
		year = id.BusinessDate.Year()
	}
	p := &activityPart{year: year}
	if err := w.open(p); err != nil {
		return err
	}
	if err := p.t.close(); err != nil {
		return fmt.Errorf("activity table: %w", err)
	}
	return nil
}
