package synthea

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// The columns of the files the Writer writes: Synthea 3's, in its order.
var (
	patientColumns = []string{"Id", "BIRTHDATE", "DEATHDATE", "SSN", "DRIVERS", "PASSPORT", "PREFIX", "FIRST",
		"LAST", "SUFFIX", "MAIDEN", "MARITAL", "RACE", "ETHNICITY", "GENDER", "BIRTHPLACE", "ADDRESS", "CITY",
		"STATE", "COUNTY", "ZIP", "LAT", "LON", "HEALTHCARE_EXPENSES", "HEALTHCARE_COVERAGE"}
	encounterColumns = []string{"Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PROVIDER", "PAYER",
		"ENCOUNTERCLASS", "CODE", "DESCRIPTION", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE",
		"REASONCODE", "REASONDESCRIPTION"}
	observationColumns = []string{"DATE", "PATIENT", "ENCOUNTER", "CATEGORY", "CODE", "DESCRIPTION", "VALUE", "UNITS", "TYPE"}
	conditionColumns   = []string{"START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"}
)

// encounterShape gives the ENCOUNTERCLASS and CODE each service is written
// with; the reader maps them back (docs/feeds.md).
var encounterShape = map[canonical.Service]struct{ class, code, description string }{
	canonical.AEAttendance:         {"emergency", "50849002", "Emergency room admission (procedure)"},
	canonical.EmergencyAdmission:   {"inpatient", "183478001", "Emergency hospital admission"},
	canonical.ElectiveAdmission:    {"inpatient", "183452005", "Encounter Inpatient"},
	canonical.OutpatientAttendance: {"outpatient", "185347001", "Encounter for problem"},
	canonical.GPAppointment:        {"wellness", "162673000", "General examination of patient (procedure)"},
	canonical.CommunityContact:     {"home", "439708006", "Home visit (procedure)"},
	canonical.SocialCareAssessment: {"snf", "449411000124106", "Admission to skilled nursing facility (procedure)"},
	canonical.ServiceUnknown:       {"other", "", ""}, // no reader maps it
}

// Writer writes canonical records as a Synthea CSV export: patients.csv,
// encounters.csv, observations.csv (diagnostic tests, as laboratory
// observations) and conditions.csv (GP objection codes). A person's Id is
// their key's value. It implements transforms.Writer.
type Writer struct {
	patients, encounters, observations, conditions *csvFile
	err                                            error
}

type csvFile struct {
	path string
	f    *os.File
	cw   *csv.Writer
	row  []string
}

// NewWriter creates dir if needed and the export's files in it, each with
// its header row.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synthea feed: %w", err)
	}
	w := &Writer{}
	for _, spec := range []struct {
		dst  **csvFile
		name string
		cols []string
	}{
		{&w.patients, "patients.csv", patientColumns},
		{&w.encounters, "encounters.csv", encounterColumns},
		{&w.observations, "observations.csv", observationColumns},
		{&w.conditions, "conditions.csv", conditionColumns},
	} {
		path := filepath.Join(dir, spec.name)
		f, err := os.Create(path)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("synthea feed: %w", err)
		}
		*spec.dst = &csvFile{path: path, f: f, cw: csv.NewWriter(f), row: make([]string, len(spec.cols))}
		if err := (*spec.dst).cw.Write(spec.cols); err != nil {
			w.Close()
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return w, nil
}

// idOf is the Synthea Id of a person key: the value of "<system>|<value>",
// or the key itself.
func idOf(key string) string {
	if _, v, ok := strings.Cut(key, "|"); ok {
		return v
	}
	return key
}

// stamp formats a date and minute of the day as Synthea's UTC timestamps.
func stamp(d canonical.Date, minute int16, impossible bool) string {
	s := transforms.FormatDate(d, impossible)
	if s == "" {
		return ""
	}
	if minute < 0 {
		minute = 0
	}
	return fmt.Sprintf("%sT%02d:%02d:00Z", s, minute/60, minute%60)
}

// Person writes a row of patients.csv.
func (w *Writer) Person(p *canonical.Person, d transforms.Defect) error {
	r := w.patients.reset()
	r[0] = idOf(p.Key)
	r[1] = transforms.FormatDate(p.BirthDate, d == transforms.ImpossibleDate)
	r[2] = p.DeathDate.String()
	if i := strings.LastIndexByte(p.Name, ' '); i >= 0 {
		r[7], r[8] = p.Name[:i], p.Name[i+1:]
	} else {
		r[7] = p.Name
	}
	if d == transforms.BadEncoding {
		r[8] += "\xE9"
	}
	r[14] = map[canonical.Sex]string{canonical.Male: "M", canonical.Female: "F"}[p.Sex]
	r[16], r[20] = p.Address, p.Postcode
	return w.write(w.patients, d)
}

// Event writes a row of encounters.csv, or of observations.csv for a
// diagnostic test.
func (w *Writer) Event(e *canonical.Event, d transforms.Defect) error {
	when := stamp(e.Date, e.Minute, d == transforms.ImpossibleDate)
	if e.Service == canonical.DiagnosticTest {
		r := w.observations.reset()
		r[0], r[1], r[2], r[3] = when, idOf(e.PersonKey), e.SourceID, "laboratory"
		r[4], r[8] = e.Code, "numeric"
		if d == transforms.BadEncoding {
			r[5] = "\xE9"
		}
		return w.write(w.observations, d)
	}
	shape, ok := encounterShape[e.Service]
	if !ok {
		shape = encounterShape[canonical.ServiceUnknown]
	}
	r := w.encounters.reset()
	r[0], r[1], r[3], r[4] = e.SourceID, when, idOf(e.PersonKey), e.Provider
	r[7], r[8], r[9] = shape.class, shape.code, shape.description
	if e.LengthOfStay >= 0 && d != transforms.ImpossibleDate {
		r[2] = stamp(e.Date.AddDays(int(e.LengthOfStay)), e.Minute, false)
	}
	if e.CodeSystem == "SNOMED" {
		r[13] = e.Code
	}
	if d == transforms.BadEncoding {
		r[14] = "\xE9"
	}
	return w.write(w.encounters, d)
}

// Objection writes a row of conditions.csv carrying the GP code.
func (w *Writer) Objection(o *canonical.Objection, d transforms.Defect) error {
	r := w.conditions.reset()
	r[0], r[2], r[4] = transforms.FormatDate(o.Date, d == transforms.ImpossibleDate), idOf(o.PersonKey), o.Code
	if d == transforms.BadEncoding {
		r[5] = "\xE9"
	}
	return w.write(w.conditions, d)
}

func (f *csvFile) reset() []string {
	clear(f.row)
	return f.row
}

// write writes f's row, cut to half its fields when Truncated.
func (w *Writer) write(f *csvFile, d transforms.Defect) error {
	if w.err != nil {
		return w.err
	}
	row := f.row
	if d == transforms.Truncated {
		row = row[:len(row)/2]
	}
	if err := f.cw.Write(row); err != nil {
		w.err = fmt.Errorf("write %s: %w", f.path, err)
	}
	return w.err
}

// Close flushes and closes every file.
func (w *Writer) Close() error {
	errs := []error{w.err}
	for _, f := range []*csvFile{w.patients, w.encounters, w.observations, w.conditions} {
		if f == nil {
			continue
		}
		f.cw.Flush()
		if err := f.cw.Error(); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", f.path, err))
		}
		if err := f.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", f.path, err))
		}
	}
	w.patients, w.encounters, w.observations, w.conditions = nil, nil, nil, nil
	return errors.Join(errs...)
}
