package synth

import "math/rand/v2"

// defectKind is a way a record arrives damaged. Each exercises one
// quarantine path of the readers.
type defectKind uint8

const (
	noDefect         defectKind = iota
	invalidNHSNumber            // check digit wrong under modulus 11
	impossibleDate              // e.g. 2023-02-30
	futureDate                  // after the period's end
	dateBeforeBirth             // an event before the person was born
	unknownService              // a service code no reader knows
	missingField                // a required field left empty
	truncatedLine               // the record cut short
	duplicateRecord             // the same record written twice
	badEncoding                 // bytes that are not UTF-8
)

// defectNames are the names generation.json counts defects by: the reason
// a reader is expected to give when it quarantines the record (the reasons
// of package transforms), so that a run's quarantine counts can be checked
// against them.
var defectNames = [...]string{
	noDefect:         "none",
	invalidNHSNumber: "invalid_nhs_number",
	impossibleDate:   "bad_date",
	futureDate:       "future_date",
	dateBeforeBirth:  "date_before_birth",
	unknownService:   "unknown_code",
	missingField:     "missing_field",
	truncatedLine:    "wrong_field_count",
	duplicateRecord:  "duplicate_record",
	badEncoding:      "bad_encoding",
}

func (k defectKind) String() string { return defectNames[k] }

// defectKinds are the defects each kind of record can carry.
var defectKinds = map[string][]defectKind{
	RecordPersons: {invalidNHSNumber, impossibleDate, futureDate, missingField, truncatedLine,
		duplicateRecord, badEncoding},
	RecordActivity: {invalidNHSNumber, impossibleDate, futureDate, dateBeforeBirth, unknownService,
		missingField, truncatedLine, duplicateRecord, badEncoding},
	RecordObjections: {invalidNHSNumber, impossibleDate, missingField, truncatedLine, duplicateRecord,
		badEncoding},
}

// defect decides whether the next record of a kind is damaged, and how: at
// the defect rate, each applicable defect equally likely.
func (g *generator) defect(r *rand.Rand, record string) defectKind {
	if g.opts.DefectRate == 0 || r.Float64() >= g.opts.DefectRate {
		return noDefect
	}
	return pick(r, defectKinds[record])
}

// count records one written record of a kind and its defect.
func (g *generator) count(record string, k defectKind) {
	g.records[record]++
	if k == noDefect {
		return
	}
	m := g.defects[record]
	if m == nil {
		m = map[string]int64{}
		g.defects[record] = m
	}
	m[k.String()]++
}
