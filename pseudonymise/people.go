package pseudonymise

import (
	"cmp"
	"slices"
	"strings"

	"github.com/yhcr/carecast/canonical"
)

// noArea marks a residence not yet looked up; the other values below 0 say
// why one looked up matched no area (generalise.go).
const noArea = -2

// unchecked marks a person ApplyOptOuts has not seen: never kept, so that
// nobody is used without the opt-out check.
const unchecked = 0xff

// People is the run's per-person state, merged across feeds by person key:
// the only per-person memory of the run, kept compact (NHS-number keys as
// integers, one small struct per person, the feeds a person is in as the
// number of an interned set of feeds). Identifiers other than the key are
// not kept at all, and the postcode only until the residence is looked up.
// Not safe for concurrent use.
type People struct {
	idx   index[person]
	feeds feedSets
	g     *Generaliser
	stats Stats
	rows  bool // Rows has pseudonymised the kept people
	// practices interns GP practice codes: a code read from a feed is a
	// slice of its whole record, names and addresses included, which a
	// person would otherwise keep in memory for the rest of the run.
	practices map[string]string
	// The last key found and its position: a reader checks an event's
	// person (Person) and then the event is pseudonymised (Event), two
	// lookups of one key in a row. The key is copied, as a reader's
	// values may share reused memory.
	lastKey []byte
	lastPos int32
	// The year of the last event pseudonymised, and the first days of it
	// and of the next: a person's events mostly fall in one year after
	// another.
	year             int
	yearFrom, yearTo canonical.Date
}

type person struct {
	birth, death canonical.Date
	area         int32 // position in the geography's Areas; below 0 unknown (why: generalise.go), noArea not looked up
	sex          canonical.Sex
	hasNHS       bool
	excluded     uint8  // position in reasons (0 is kept), or unchecked
	feeds        uint32 // the person's feeds: a set of People.feeds
	cohort       int16  // canonical.MidYearCohort of birth, when valid
	practice     string
	lsoa, postal string // residence as read, until looked up
	id           Pseudonym
}

// Stats counts what People saw.
type Stats struct {
	People         int64 `json:"people"`          // distinct people added
	Kept           int64 `json:"kept"`            // not excluded by ApplyOptOuts
	BirthConflicts int64 `json:"birth_conflicts"` // feeds disagreeing on a birth date (the first is kept)
	SexConflicts   int64 `json:"sex_conflicts"`
	DeathConflicts int64 `json:"death_conflicts"`
	UnknownPlace   int64 `json:"unknown_place"` // kept people whose residence matched no area, of whom:
	// NoResidence have neither LSOA nor postcode; LSOAUnknown an LSOA the
	// geography does not hold; NoPostcodeTable a postcode and no postcode
	// lookup configured; PostcodeUnknown a postcode the lookup lacks.
	NoResidence, LSOAUnknown, NoPostcodeTable, PostcodeUnknown int64
}

// NewPeople returns an empty People.
func NewPeople() *People {
	return &People{idx: newIndex[person](), feeds: newFeedSets(), practices: map[string]string{}}
}

// SetGeneraliser lets People look up residence as people are added, so
// that Place can answer during feed reading and postcodes are dropped at
// once. Without it residence is looked up by Rows.
func (p *People) SetGeneraliser(g *Generaliser) { p.g = g }

// Add merges a person into the index. The same key from several feeds is
// one person: the first known birth date, sex, death date, residence and
// practice are kept, and disagreements are counted in Stats.
func (p *People) Add(in *canonical.Person) {
	feed := p.feeds.feed(in.Feed)
	i, ok := p.idx.find(in.Key)
	if !ok {
		p.stats.People++
		i = p.idx.add(in.Key, person{
			death: in.DeathDate, area: noArea, sex: in.Sex,
			hasNHS: in.HasNHSNumber, excluded: unchecked, feeds: p.feeds.with(0, feed), practice: p.practice(in.Practice),
			lsoa: in.LSOA, postal: in.Postcode,
		})
		x := p.idx.at(i)
		x.setBirth(in.BirthDate)
		p.locate(x)
		return
	}
	x := p.idx.at(i)
	x.feeds = p.feeds.with(x.feeds, feed)
	x.hasNHS = x.hasNHS || in.HasNHSNumber
	switch {
	case !x.birth.Valid():
		x.setBirth(in.BirthDate)
	case in.BirthDate.Valid() && in.BirthDate != x.birth:
		p.stats.BirthConflicts++
	}
	switch {
	case x.sex == canonical.SexNotKnown:
		x.sex = in.Sex
	case in.Sex != canonical.SexNotKnown && in.Sex != x.sex:
		p.stats.SexConflicts++
	}
	switch {
	case !x.death.Valid():
		x.death = in.DeathDate
	case in.DeathDate.Valid() && in.DeathDate != x.death:
		p.stats.DeathConflicts++
	}
	if x.practice == "" {
		x.practice = p.practice(in.Practice)
	}
	unplaced := x.area < 0 && x.area != noArea || x.area == noArea && x.lsoa == "" && x.postal == ""
	if unplaced && (in.LSOA != "" || in.Postcode != "") {
		x.area, x.lsoa, x.postal = noArea, in.LSOA, in.Postcode
		p.locate(x)
	}
}

// setBirth sets a person's birth date and its mid-year cohort.
func (x *person) setBirth(d canonical.Date) {
	x.birth, x.cohort = d, 0
	if d.Valid() {
		x.cohort = int16(canonical.MidYearCohort(d))
	}
}

// find returns the position of key, as idx.find does.
func (p *People) find(key string) (int32, bool) {
	if len(p.lastKey) > 0 && string(p.lastKey) == key {
		return p.lastPos, true
	}
	i, ok := p.idx.find(key)
	if ok {
		p.lastKey, p.lastPos = append(p.lastKey[:0], key...), i
	}
	return i, ok
}

// yearOf returns the year of a valid date.
func (p *People) yearOf(d canonical.Date) int {
	if d < p.yearFrom || d >= p.yearTo {
		p.year = d.Year()
		p.yearFrom, p.yearTo = canonical.MakeDate(p.year, 1, 1), canonical.MakeDate(p.year+1, 1, 1)
	}
	return p.year
}

// practice returns the interned copy of a practice code.
func (p *People) practice(code string) string {
	if code == "" {
		return ""
	}
	if c, ok := p.practices[code]; ok {
		return c
	}
	c := strings.Clone(code)
	p.practices[c] = c
	return c
}

// locate looks up a person's residence when a Generaliser is known, and
// forgets the residence as read.
func (p *People) locate(x *person) {
	if p.g == nil {
		// Kept until Rows: copies, as values read from a feed share memory.
		x.lsoa, x.postal = strings.Clone(x.lsoa), strings.Clone(x.postal)
		return
	}
	if x.area != noArea {
		return
	}
	x.area = p.g.area(x.lsoa, x.postal)
	x.lsoa, x.postal = "", ""
}

// Person returns the birth and death dates of a person; it satisfies
// transforms.PersonIndex.
func (p *People) Person(key string) (birth, death canonical.Date, ok bool) {
	i, ok := p.find(key)
	if !ok {
		return canonical.NoDate, canonical.NoDate, false
	}
	x := p.idx.at(i)
	return x.birth, x.death, true
}

// Place returns the local authority code of a person's residence, or
// "unknown" (also for unknown people, and before SetGeneraliser).
func (p *People) Place(key string) string {
	i, ok := p.find(key)
	if !ok {
		return Unknown
	}
	x := p.idx.at(i)
	p.locate(x)
	return p.g.place(x.area).lad
}

// Len returns the number of distinct people added.
func (p *People) Len() int { return p.idx.len() }

// Stats returns the counts so far.
func (p *People) Stats() Stats { return p.stats }

// OptOutCount is the number of people removed for one reason from one feed
// in one place. A person in two feeds counts once in each.
type OptOutCount struct {
	Reason OptOutReason
	Feed   string
	LAD    string
	People int64
}

// ApplyOptOuts marks who is excluded, and returns how many people each
// reason removed, by feed and place, sorted. In order: the national deny
// list, absence from the Check service response, a GP Type 1 objection (or
// an objection-like record that failed validation: fail closed), no NHS
// number (unless configured to include such people). With enabled false
// (a run with a legal basis instead) the lists and Type 1 remove nobody;
// people without an NHS number are still excluded unless configured in.
// Calling it again starts afresh.
func (p *People) ApplyOptOuts(o *OptOuts, enabled bool) []OptOutCount {
	type group struct {
		reason uint8
		feed   uint32
		lad    string
	}
	if o == nil {
		o = &OptOuts{}
	}
	counts := map[group]int64{}
	p.stats.Kept = 0
	mark := func(x *person, r uint8) {
		x.excluded = r
		if r == 0 {
			p.stats.Kept++
			return
		}
		p.locate(x)
		lad := p.g.place(x.area).lad
		for _, f := range p.feeds.members(x.feeds) {
			counts[group{r, f, lad}]++
		}
	}
	for n, i := range p.idx.nhs {
		x := p.idx.at(i)
		var r uint8
		t1 := uint8(0)
		if enabled {
			t1 = o.type1Exclusion(lookup(o.type1.nhs, n))
		}
		switch {
		case enabled && o.deny != nil && has(o.deny, n):
			r = exNational
		case enabled && o.allow != nil && !has(o.allow, n):
			r = exNotInResponse
		case t1 != 0:
			r = t1
		case !x.hasNHS && !o.includeWithoutNHS:
			r = exNoNHSNumber
		}
		mark(x, r)
	}
	for key, i := range p.idx.other {
		x := p.idx.at(i)
		var r uint8
		t1 := uint8(0)
		if enabled {
			t1 = o.type1Exclusion(lookup(o.type1.other, key))
		}
		switch {
		case t1 != 0:
			r = t1
		case !x.hasNHS && !o.includeWithoutNHS:
			r = exNoNHSNumber
		case x.hasNHS && enabled && (o.deny != nil || o.allow != nil):
			// Marked as an NHS number, yet not of its form: the lists
			// cannot be checked, so fail closed.
			r = exNoNHSNumber
		}
		mark(x, r)
	}
	out := make([]OptOutCount, 0, len(counts))
	for g, n := range counts {
		out = append(out, OptOutCount{Reason: reasons[g.reason], Feed: p.feeds.names[g.feed], LAD: g.lad, People: n})
	}
	slices.SortFunc(out, func(a, b OptOutCount) int {
		return cmp.Or(cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Feed, b.Feed), cmp.Compare(a.LAD, b.LAD))
	})
	return out
}

func has[K comparable](m map[K]struct{}, k K) bool {
	_, ok := m[k]
	return ok
}

func lookup[K comparable](m map[K]int32, k K) (int32, bool) {
	i, ok := m[k]
	return i, ok
}

// Rows pseudonymises every person kept by ApplyOptOuts, in the order they
// were first added, and passes each row to fn, stopping at fn's first
// error; the row is reused, so fn must copy what it keeps. Ages are at asOf, or at death when earlier. It must run before
// Event, which uses the pseudonyms and places it records.
func (p *People) Rows(ps *Pseudonymiser, g *Generaliser, asOf canonical.Date, fn func(*PersonRow) error) error {
	if p.g == nil {
		p.g = g
	}
	for n, i := range p.idx.nhs {
		if x := p.idx.at(i); x.excluded == 0 {
			x.id = ps.nhsPseudonym(n)
		}
	}
	for key, i := range p.idx.other {
		if x := p.idx.at(i); x.excluded == 0 {
			x.id = ps.Pseudonym(key)
		}
	}
	p.rows = true
	p.stats.UnknownPlace, p.stats.NoResidence, p.stats.LSOAUnknown, p.stats.NoPostcodeTable, p.stats.PostcodeUnknown = 0, 0, 0, 0, 0
	var row PersonRow
	for i := range int32(p.idx.len()) {
		x := p.idx.at(i)
		if x.excluded != 0 {
			continue
		}
		p.locate(x)
		if x.area < 0 {
			p.stats.UnknownPlace++
			switch x.area {
			case lsoaUnknown:
				p.stats.LSOAUnknown++
			case noPostcodeTable:
				p.stats.NoPostcodeTable++
			case postcodeUnknown:
				p.stats.PostcodeUnknown++
			default:
				p.stats.NoResidence++
			}
		}
		at := asOf
		if x.death.Valid() && x.death < at {
			at = x.death
		}
		pl := p.g.place(x.area)
		age := canonical.MidYearAge(x.birth, at)
		row = PersonRow{
			ID: x.id, Sex: x.sex.String(), Age: int16(age), AgeBand: AgeBand(age),
			LSOA: pl.lsoa, SubICB: pl.subICB, SubICBName: pl.subICBName, LAD: pl.lad, LADName: pl.ladName,
			ICB: pl.icb, ICBName: pl.icbName,
			Practice: x.practice, DeathMonth: canonical.NoDate, Feeds: p.feeds.joined(x.feeds),
		}
		if x.death.Valid() {
			row.DeathMonth = x.death.MonthStart()
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
	return nil
}

// Event fills row with the pseudonymised, generalised form of e, without
// allocating. kept is false when e's person is excluded (reason says why)
// or unknown (reason is empty), and for every event before Rows has run
// (or of a person added after ApplyOptOuts).
func (p *People) Event(e *canonical.Event, row *ActivityRow) (kept bool, reason OptOutReason) {
	i, ok := p.find(e.PersonKey)
	if !ok || !p.rows {
		return false, ""
	}
	x := p.idx.at(i)
	switch x.excluded {
	case 0:
	case unchecked:
		return false, ""
	default:
		return false, reasons[x.excluded]
	}
	pl := p.g.place(x.area)
	age := -1
	if e.Date.Valid() {
		age = canonical.MidYearAgeOf(x.birth, int(x.cohort), e.Date, p.yearOf(e.Date))
	}
	*row = ActivityRow{
		PersonID: x.id, Date: e.Date, Service: e.Service, Setting: e.Setting,
		Provider: e.Provider, Feed: e.Feed, Age: int16(age), AgeBand: AgeBand(age),
		Sex: x.sex.String(), LSOA: pl.lsoa, SubICB: pl.subICB, LAD: pl.lad, ICB: pl.icb,
		CodeSystem: e.CodeSystem, Code: e.Code, LengthOfStay: e.LengthOfStay,
	}
	return true, ""
}
