package transforms

import (
	"context"
	"errors"
	"strings"

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
//
// What every reader must do, whatever its format (docs/privacy.md):
//
//   - Rejections name the file by its path in Rejection.File; the
//     Quarantine replaces it by the input's name (Inputs), so no file name
//     is kept. Errors may name files too: the pipeline redacts them.
//   - Every pass-through value — a value copied to the outputs as it is:
//     provider, GP practice, clinical code — is checked for its shape
//     before the record is passed on (IsProvider, IsGPPractice, IsODSCode,
//     IsUUID, Options.CheckCode, CheckShape); a value that does not fit
//     rejects the record with BadValue, naming the field.
//   - Objections fail closed. Objections passes every objection-like record
//     (a GP entry that may register or withdraw a Type 1 objection) whose
//     person reference resolves to a key. A valid one is passed as it is.
//     One that fails validation (no date, a future or impossible date, a
//     misspelt code system, a code of the wrong shape) is rejected to q,
//     with its key so that it is counted by place, AND passed to fn with
//     Invalid set and whatever Code and Date could be read (NoDate
//     otherwise): the opt-out pass then excludes that person, in every
//     feed, under the reason type1_objection_invalid. Only a record whose
//     person cannot be resolved (no identifier, an invalid NHS number) is
//     merely rejected.
//   - A person reference that is not a key itself (a FHIR "Patient/<id>")
//     must resolve to the key of every person whose identifier gave one,
//     including persons rejected in the persons pass for another field (an
//     impossible birthDate): the persons pass records them in a PersonRefs
//     before validating the rest. Events still resolve only to persons
//     kept (PersonIndex), so a rejected person's events are unknown_person.
//   - A person without an NHS number is keyed "<system>|<value>" with a
//     system namespaced by feed unless it is registered as shared
//     (Options.PersonKey).
type Feed interface {
	Name() string
	// Files lists every input file, for the run manifest's hashes.
	Files() ([]string, error)
	Persons(ctx context.Context, q *Quarantine, fn func(*canonical.Person) error) error
	Objections(ctx context.Context, q *Quarantine, fn func(*canonical.Objection) error) error
	Events(ctx context.Context, q *Quarantine, people PersonIndex, fn func(*canonical.Event) error) error
}

// PersonRefs resolves a feed's own references to persons (a FHIR
// Patient's id, as "Patient/<id>" or "urn:uuid:<id>" point to it) to person
// keys. The persons pass adds every person whose identifier gave a key,
// before validating the rest of the record, so that an objection naming a
// person rejected for another field still resolves and excludes them. Not
// safe for concurrent use.
type PersonRefs struct{ keys map[string]string }

// NewPersonRefs returns an empty PersonRefs.
func NewPersonRefs() *PersonRefs { return &PersonRefs{keys: map[string]string{}} }

// Add records that ref names the person keyed key. Both are copied: values
// read from a feed share memory with the rest of their record.
func (r *PersonRefs) Add(ref, key string) {
	if ref != "" && key != "" {
		r.keys[strings.Clone(ref)] = strings.Clone(key)
	}
}

// Key returns the key of the person ref names.
func (r *PersonRefs) Key(ref string) (string, bool) {
	k, ok := r.keys[ref]
	return k, ok
}

// Len returns the number of references recorded.
func (r *PersonRefs) Len() int { return len(r.keys) }

// PersonIndex finds the people read in the persons pass, so that events can
// be checked against their birth and death.
type PersonIndex interface {
	Person(key string) (birth, death canonical.Date, ok bool)
}

// Options are the settings every reader shares.
type Options struct {
	// Feed is the feed's configured name: it namespaces the feed's local
	// identifiers (PersonKey).
	Feed string
	// SharedSystems are identifier systems (URIs) registered as shared by
	// every feed (config shared_identifier_systems): a value in one of them
	// names the same person whichever feed sends it.
	SharedSystems []string
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
	// LocalCodeSystems are the partner's own code systems, declared in
	// config (feeds[].local_code_systems), whose codes may pass through
	// besides those of the built-in systems; see CheckCode.
	LocalCodeSystems []CodeSystem
	// Checksums, when set, records the checksum of each input file the
	// feed reads whole (Options.OpenFile, Options.OpenTable), for the run's
	// manifest.
	Checksums *Checksums
}

// PersonKey returns the key of a person known by a local identifier:
// "<system>|<value>" when system is one of o.SharedSystems, else
// "<feed>|<system>|<value>", namespaced by the feed — two trusts' MRN 123
// are two people, who must not share a birth date or an objection.
func (o *Options) PersonKey(system, value string) string {
	for _, s := range o.SharedSystems {
		if s == system {
			return system + "|" + value
		}
	}
	return o.Feed + "|" + system + "|" + value
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
