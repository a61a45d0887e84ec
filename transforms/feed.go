package transforms

import (
	"context"
	"errors"

	"github.com/yhcr/carecast/canonical"
)

// Errors that stop a run, wrapped with the file and problem.
var (
	// ErrNotFeed reports a folder or file that is not of the feed's format.
	ErrNotFeed = errors.New("not a feed of this format")
	// ErrMissingColumn reports a header without a required column.
	ErrMissingColumn = errors.New("missing required column")
)

// Feed is one partner feed, read in three passes: the pipeline reads the
// persons of every feed first (merging them by key), then GP objections,
// then events, which it validates against the merged persons.
//
// Each pass streams: the callbacks receive a value that the reader reuses for
// the next record, so a callee copies what it keeps. An error returned by a
// callback stops the pass and is returned wrapped.
type Feed interface {
	Name() string
	// Files lists every input file, for the run manifest's hashes.
	Files() ([]string, error)
	Persons(ctx context.Context, q *Quarantine, fn func(*canonical.Person) error) error
	Objections(ctx context.Context, q *Quarantine, fn func(*canonical.Objection) error) error
	Events(ctx context.Context, q *Quarantine, people PersonIndex, fn func(*canonical.Event) error) error
}

// PersonIndex finds the people read in the persons pass, so that events can
// be checked against their birth and death.
type PersonIndex interface {
	Person(key string) (birth, death canonical.Date, ok bool)
}

// Options are the settings every reader shares.
type Options struct {
	// Today is the business date: any later date is a future_date.
	Today canonical.Date
	// PersonIDSystem is the identifier system whose value keys a person who
	// has no NHS number (config feeds[].person_id); Synthea patient ids are
	// keyed "<PersonIDSystem>|<Id>".
	PersonIDSystem string
	// PostcodeLookup maps a postcode, upper case without spaces, to its LSOA
	// (as pseudonymise.LoadPostcodeLookup returns it). It fills a person's
	// LSOA when the feed gives only a postcode; nil leaves that to later
	// stages.
	PostcodeLookup map[string]string
	// Type1Codes are the GP codes, objections and withdrawals alike, that a
	// FHIR or Synthea feed records as coded entries (config
	// opt_outs.type1); empty means the national defaults.
	Type1Codes []string
}

// DefaultType1Codes are the SNOMED CT and Read v2 codes that register and
// withdraw a Type 1 objection.
var DefaultType1Codes = []string{"827241000000103", "827261000000102", "9Nu0", "9Nu1"}

// IsType1Code reports whether code is one of opts' Type 1 codes.
func (o *Options) IsType1Code(code string) bool {
	codes := o.Type1Codes
	if len(codes) == 0 {
		codes = DefaultType1Codes
	}
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// LSOA returns the LSOA of a postcode from the lookup, or "".
func (o *Options) LSOA(postcode string) string {
	if o.PostcodeLookup == nil || postcode == "" {
		return ""
	}
	b := make([]byte, 0, len(postcode))
	for i := 0; i < len(postcode); i++ {
		c := postcode[i]
		switch {
		case c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return o.PostcodeLookup[string(b)]
}
