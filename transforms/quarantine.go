package transforms

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// ErrTooManyRejected reports a feed whose rejected share exceeds its limit.
var ErrTooManyRejected = errors.New("too many records rejected")

// Rejection is one rejected record. It names where the record is and why it
// was rejected, never what it held: its values may identify someone.
type Rejection struct {
	Feed string
	// File is the input the record is in. A reader sets it to the file's
	// path; Reject replaces that by the input's name (Inputs: feed and
	// ordinal), so that a rejection never holds a file name.
	File   string
	Record int64  // line number in CSV and NDJSON files, entry index in a Bundle
	Entity string // EntityPerson, EntityEvent or EntityObjection
	Reason Reason
	Field  string // the column or element at fault; "" for the whole record
	LAD    string // local authority of the person's residence, or "unknown"
}

// Count is a number of records of one feed, entity, reason and place.
type Count struct {
	Feed, Entity string
	Reason       Reason
	LAD          string
	N            int64
}

type countKey struct {
	feed, entity string
	reason       Reason
	lad          string
}

type readKey struct{ feed, entity string }

// Quarantine collects the rejected records of a run and counts the records
// read, so that each feed's rejected share can be checked. It is safe for
// concurrent use.
type Quarantine struct {
	place  func(string) string
	inputs *Inputs

	mu         sync.Mutex
	rejections []Rejection
	counts     map[countKey]int64
	unmapped   map[UnmappedCount]int64
	ignored    map[IgnoredCount]int64
	read       map[readKey]int64
}

// NewQuarantine returns an empty quarantine. place maps a person key to the
// code of the local authority where the person lives, so that rejections can
// be counted by place without keeping the key; it may be nil.
func NewQuarantine(place func(personKey string) string) *Quarantine {
	return &Quarantine{
		place:    place,
		inputs:   NewInputs(),
		counts:   map[countKey]int64{},
		unmapped: map[UnmappedCount]int64{},
		ignored:  map[IgnoredCount]int64{},
		read:     map[readKey]int64{},
	}
}

// SetInputs makes q name files by in (the run's inputs, named before any
// feed is read) rather than by its own Inputs, which names files in the
// order they are first rejected.
func (q *Quarantine) SetInputs(in *Inputs) {
	q.mu.Lock()
	q.inputs = in
	q.mu.Unlock()
}

// Inputs returns the inputs q names files by.
func (q *Quarantine) Inputs() *Inputs {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.inputs
}

// Reject records r, filling r.LAD from personKey ("" when the record names
// no usable person) and replacing r.File, a path, by the input's name. The
// key itself is not stored.
func (q *Quarantine) Reject(r Rejection, personKey string) {
	r.LAD = q.lad(personKey)
	r.File = q.Inputs().Name(r.Feed, r.File)
	q.mu.Lock()
	q.rejections = append(q.rejections, r)
	q.counts[countKey{r.Feed, r.Entity, r.Reason, r.LAD}]++
	q.mu.Unlock()
}

func (q *Quarantine) lad(personKey string) string {
	lad := ""
	if q.place != nil && personKey != "" {
		lad = q.place(personKey)
	}
	if lad == "" {
		lad = "unknown"
	}
	return lad
}

// Read counts one record read from feed, rejected or not.
func (q *Quarantine) Read(feed, entity string) { q.ReadN(feed, entity, 1) }

// ReadN counts n records read from feed, rejected or not, for a reader that
// counts its records itself.
func (q *Quarantine) ReadN(feed, entity string, n int64) {
	q.mu.Lock()
	q.read[readKey{feed, entity}] += n
	q.mu.Unlock()
}

// ReadCount returns the records of entity read from feed; entity "" counts
// every entity.
func (q *Quarantine) ReadCount(feed, entity string) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	var n int64
	for k, v := range q.read {
		if k.feed == feed && (entity == "" || k.entity == entity) {
			n += v
		}
	}
	return n
}

// Unmapped counts a record that was kept although one of its codes is
// outside the reader's mapping tables (its service became
// canonical.ServiceUnknown), so that unmapped codes are counted, never
// silently dropped. field names the element holding the code.
func (q *Quarantine) Unmapped(feed, entity, field string) {
	q.mu.Lock()
	q.unmapped[UnmappedCount{Feed: feed, Entity: entity, Field: field}]++
	q.mu.Unlock()
}

// UnmappedCount is a number of kept records of one feed and entity whose
// field held an unmapped code.
type UnmappedCount struct {
	Feed, Entity, Field string
	N                   int64
}

// UnmappedCounts returns the kept records with unmapped codes, sorted by
// feed, entity and field.
func (q *Quarantine) UnmappedCounts() []UnmappedCount {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]UnmappedCount, 0, len(q.unmapped))
	for k, n := range q.unmapped {
		k.N = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b UnmappedCount) int {
		return cmp.Or(cmp.Compare(a.Feed, b.Feed), cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Field, b.Field))
	})
	return out
}

// Rejections returns a copy of the rejections, in the order they were made.
func (q *Quarantine) Rejections() []Rejection {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.rejections)
}

// Counts returns the rejections counted by feed, entity, reason and place,
// sorted in that order.
func (q *Quarantine) Counts() []Count {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Count, 0, len(q.counts))
	for k, n := range q.counts {
		out = append(out, Count{Feed: k.feed, Entity: k.entity, Reason: k.reason, LAD: k.lad, N: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.Feed, b.Feed), cmp.Compare(a.Entity, b.Entity),
			cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.LAD, b.LAD))
	})
	return out
}

// Check returns an error wrapping ErrTooManyRejected when more than
// maxFraction of the records read from feed were rejected, naming the feed,
// the share and the three commonest reasons.
func (q *Quarantine) Check(feed string, maxFraction float64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var read, rejected int64
	for k, n := range q.read {
		if k.feed == feed {
			read += n
		}
	}
	byReason := map[Reason]int64{}
	for k, n := range q.counts {
		if k.feed == feed {
			rejected += n
			byReason[k.reason] += n
		}
	}
	if read == 0 || float64(rejected) <= maxFraction*float64(read) {
		return nil
	}
	reasons := make([]Reason, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(byReason[b], byReason[a]), cmp.Compare(a, b))
	})
	var top []string
	for _, r := range reasons[:min(3, len(reasons))] {
		top = append(top, fmt.Sprintf("%s %d", r, byReason[r]))
	}
	return fmt.Errorf("feed %s: %d of %d records rejected (%.1f%%, limit %.1f%%; top reasons: %s): %w",
		feed, rejected, read, 100*float64(rejected)/float64(read), 100*maxFraction,
		strings.Join(top, ", "), ErrTooManyRejected)
}

// IgnoredCount is a number of records of one feed and kind (a FHIR
// resource type, a file) that a reader skipped on purpose, and why:
// resources of types it does not read, and resources of a type it reads
// that are not activity. They are neither read nor rejected.
type IgnoredCount struct {
	Feed, Kind, Reason string
	N                  int64
}

// Ignore counts n records of kind that feed's reader skipped for reason.
func (q *Quarantine) Ignore(feed, kind, reason string, n int64) {
	q.mu.Lock()
	q.ignored[IgnoredCount{Feed: feed, Kind: kind, Reason: reason}] += n
	q.mu.Unlock()
}

// IgnoredCounts returns the records skipped on purpose, sorted by feed,
// kind and reason.
func (q *Quarantine) IgnoredCounts() []IgnoredCount {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]IgnoredCount, 0, len(q.ignored))
	for k, n := range q.ignored {
		k.N = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b IgnoredCount) int {
		return cmp.Or(cmp.Compare(a.Feed, b.Feed), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}
