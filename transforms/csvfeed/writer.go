package csvfeed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// The files of a canonical CSV feed folder and their columns, in the order
// the writer writes them (readers accept any order).
const (
	wPersonsFile    = "persons.csv"
	wActivityFile   = "activity.csv"
	wObjectionsFile = "gp_objections.csv"
)

var (
	wPersonColumns = []string{"nhs_number", "local_id_system", "local_id", "given_name", "family_name",
		"address", "postcode", "lsoa21", "phone", "date_of_birth", "sex", "gp_practice", "date_of_death"}
	wActivityColumns = []string{"record_id", "nhs_number", "local_id_system", "local_id", "service", "setting",
		"provider", "event_date", "event_time", "code_system", "code", "length_of_stay"}
	wObjectionColumns = []string{"nhs_number", "local_id_system", "local_id", "code_system", "code", "recorded_date"}
)

// wUnknownService is what the writer puts in the service column of an event
// whose service is canonical.ServiceUnknown: a misspelling of the kind real
// extracts carry, which no reader maps.
const wUnknownService = "ae_attendence"

// Writer writes a canonical CSV feed folder (docs/feeds.md). It implements
// transforms.Writer. Rows are built in one reused buffer with strconv's
// Append functions, so writing allocates nothing per record.
type Writer struct {
	persons, activity, objections *transforms.OutFile

	row    []byte
	starts []int // offset in row of each field's separator, for Truncated
	err    error // first write error; later writes are skipped
}

// NewWriter creates dir if needed and the feed's three files in it, each
// with its header row.
func NewWriter(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("csv feed: %w", err)
	}
	w := &Writer{row: make([]byte, 0, 512), starts: make([]int, 0, 16)}
	var err error
	for _, spec := range []struct {
		dst  **transforms.OutFile
		name string
		cols []string
	}{
		{&w.persons, wPersonsFile, wPersonColumns},
		{&w.activity, wActivityFile, wActivityColumns},
		{&w.objections, wObjectionsFile, wObjectionColumns},
	} {
		var f *transforms.OutFile
		if f, err = transforms.CreateFile(filepath.Join(dir, spec.name)); err != nil {
			err = fmt.Errorf("csv feed: %w", err)
			break
		}
		*spec.dst = f
		if _, err = f.WriteString(strings.Join(spec.cols, ",") + "\n"); err != nil {
			err = fmt.Errorf("write %s: %w", f.Path, err)
			break
		}
	}
	if err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Person writes one row of persons.csv.
func (w *Writer) Person(p *canonical.Person, d transforms.Defect) error {
	w.begin()
	w.personRef(p.Key, p.HasNHSNumber)
	given, family := p.Name, ""
	if i := strings.LastIndexByte(p.Name, ' '); i >= 0 {
		given, family = p.Name[:i], p.Name[i+1:]
	}
	w.text(given)
	w.text(family)
	if d == transforms.BadEncoding {
		w.row = append(w.row, 0xE9) // a Latin-1 "é" in the family name
	}
	w.text(p.Address)
	w.text(p.Postcode)
	w.text(p.LSOA)
	w.text(p.Phone)
	w.date(p.BirthDate, d == transforms.ImpossibleDate)
	w.sep()
	w.row = strconv.AppendUint(w.row, uint64(p.Sex), 10)
	w.text(p.Practice)
	w.date(p.DeathDate, false)
	return w.end(w.persons, d)
}

// Event writes one row of activity.csv.
func (w *Writer) Event(e *canonical.Event, d transforms.Defect) error {
	w.begin()
	w.text(e.SourceID)
	w.personRef(e.PersonKey, !strings.Contains(e.PersonKey, "|"))
	if e.Service == canonical.ServiceUnknown {
		w.text(wUnknownService)
	} else {
		w.text(e.Service.String())
	}
	if e.Setting == canonical.SettingUnknown {
		w.sep()
	} else {
		w.text(e.Setting.String())
	}
	w.text(e.Provider)
	w.date(e.Date, d == transforms.ImpossibleDate)
	w.sep()
	if e.Minute >= 0 {
		w.row = wAppend2(w.row, int(e.Minute)/60)
		w.row = append(w.row, ':')
		w.row = wAppend2(w.row, int(e.Minute)%60)
	}
	w.text(e.CodeSystem)
	w.text(e.Code)
	if d == transforms.BadEncoding {
		w.row = append(w.row, 0xE9)
	}
	w.sep()
	if e.LengthOfStay >= 0 {
		w.row = strconv.AppendInt(w.row, int64(e.LengthOfStay), 10)
	}
	return w.end(w.activity, d)
}

// Objection writes one row of gp_objections.csv.
func (w *Writer) Objection(o *canonical.Objection, d transforms.Defect) error {
	w.begin()
	w.personRef(o.PersonKey, !strings.Contains(o.PersonKey, "|"))
	w.text(o.System)
	w.text(o.Code)
	if d == transforms.BadEncoding {
		w.row = append(w.row, 0xE9)
	}
	w.date(o.Date, d == transforms.ImpossibleDate)
	return w.end(w.objections, d)
}

// Close flushes and closes the three files and returns the first error met
// while writing or closing.
func (w *Writer) Close() error {
	errs := []error{w.err}
	for _, f := range []*transforms.OutFile{w.persons, w.activity, w.objections} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	w.persons, w.activity, w.objections = nil, nil, nil
	return errors.Join(errs...)
}

func (w *Writer) begin() {
	w.row = w.row[:0]
	w.starts = w.starts[:0]
}

// sep starts a new field.
func (w *Writer) sep() {
	w.starts = append(w.starts, len(w.row))
	if len(w.starts) > 1 {
		w.row = append(w.row, ',')
	}
}

// text appends a field, quoted as RFC 4180 requires when it holds a comma,
// quote or line break (or starts with a space, which some readers trim).
func (w *Writer) text(s string) {
	w.sep()
	if !wNeedsQuotes(s) {
		w.row = append(w.row, s...)
		return
	}
	w.row = append(w.row, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			w.row = append(w.row, '"')
		}
		w.row = append(w.row, s[i])
	}
	w.row = append(w.row, '"')
}

// wNeedsQuotes reports whether a field must be quoted. A byte loop: most
// fields are short codes, where strings.ContainsAny costs more than the scan.
func wNeedsQuotes(s string) bool {
	if s != "" && s[0] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}

// personRef appends the three person-reference columns: the NHS number
// (written as it is, even when malformed, so that validation sees it), or the
// local identifier system and value of a key "<system>|<value>".
func (w *Writer) personRef(key string, nhs bool) {
	if nhs {
		w.text(key)
		w.sep()
		w.sep()
		return
	}
	w.sep()
	system, value, _ := strings.Cut(key, "|")
	w.text(system)
	w.text(value)
}

// date appends a date field: empty for NoDate, and when impossible the 30th
// of February of the date's year.
func (w *Writer) date(d canonical.Date, impossible bool) {
	w.sep()
	switch {
	case impossible:
		y := 2023
		if d.Valid() {
			y = d.Year()
		}
		w.row = strconv.AppendInt(w.row, int64(y), 10)
		w.row = append(w.row, "-02-30"...)
	case d.Valid():
		y, m, dd := d.Civil()
		if y >= 0 && y < 1000 {
			w.row = append(w.row, '0')
			if y < 100 {
				w.row = append(w.row, '0')
			}
			if y < 10 {
				w.row = append(w.row, '0')
			}
		}
		w.row = strconv.AppendInt(w.row, int64(y), 10)
		w.row = append(w.row, '-')
		w.row = wAppend2(w.row, int(m))
		w.row = append(w.row, '-')
		w.row = wAppend2(w.row, dd)
	}
}

// end finishes the row, damages it as d asks, and writes it to f.
func (w *Writer) end(f *transforms.OutFile, d transforms.Defect) error {
	if w.err != nil {
		return w.err
	}
	if d == transforms.Truncated {
		// Cut at a field boundary, never inside a quoted field, so that the
		// damage stays on this line: half the fields are lost.
		w.row = w.row[:w.starts[len(w.starts)/2]]
	}
	w.row = append(w.row, '\n')
	if _, err := f.Write(w.row); err != nil {
		w.err = fmt.Errorf("write %s: %w", f.Path, err)
	}
	return w.err
}

// wAppend2 appends n (0–99) as two digits.
func wAppend2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
