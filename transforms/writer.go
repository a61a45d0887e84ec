package transforms

import (
	"fmt"

	"github.com/yhcr/carecast/canonical"
)

// Defect asks a feed writer to damage a record the way real feeds arrive
// damaged, so that every quarantine path is exercised. Semantic defects
// (invalid NHS numbers, impossible dates, unknown codes, missing values,
// duplicates) are made in the canonical values themselves; these are the
// defects that exist only in a file's bytes.
type Defect uint8

const (
	// NoDefect writes the record as it is.
	NoDefect Defect = iota
	// Truncated cuts the record short (a CSV line missing its last fields,
	// a JSON line cut mid-object).
	Truncated
	// BadEncoding puts bytes that are not UTF-8 (e.g. Latin-1 0xE9) into a
	// text field.
	BadEncoding
	// ImpossibleDate writes the record's main date as a day its month
	// lacks (e.g. 2023-02-30), which no canonical Date can hold.
	ImpossibleDate
)

// Writer writes canonical records in one feed format. The generator uses it
// to produce the synthetic region in every format the readers accept.
// ServiceUnknown is written as a code the format's readers do not know.
type Writer interface {
	Person(p *canonical.Person, d Defect) error
	Objection(o *canonical.Objection, d Defect) error
	Event(e *canonical.Event, d Defect) error
	// Close flushes and closes every file; the feed is complete only after it.
	Close() error
}

// FormatDate formats d as YYYY-MM-DD ("" for NoDate) or, when impossible,
// as the 30th of February of its year (2023 for NoDate): the one spelling
// of ImpossibleDate every writer uses.
func FormatDate(d canonical.Date, impossible bool) string {
	if impossible {
		y := 2023
		if d.Valid() {
			y = d.Year()
		}
		return fmt.Sprintf("%04d-02-30", y)
	}
	return d.String()
}
