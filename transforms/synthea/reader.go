// Package synthea reads and writes Synthea CSV exports (patients.csv,
// encounters.csv, observations.csv, …). Synthea's patients have no NHS
// numbers: a patient is keyed by its Id in the feed's configured identifier
// system. The mapping is documented in docs/feeds.md.
package synthea

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// ErrNoPersonIDSystem reports a feed opened without the identifier system
// that keys its patients.
var ErrNoPersonIDSystem = errors.New("synthea feed needs a person_id identifier system")

// The files read, their required columns, and whether the export must
// have them.
var files = []struct {
	name     string
	required []string
	optional bool
}{
	{"patients.csv", []string{"id", "birthdate", "gender"}, false},
	{"encounters.csv", []string{"id", "start", "patient", "encounterclass", "code"}, false},
	{"procedures.csv", []string{"start|date", "patient", "encounter", "code"}, true},
	{"observations.csv", []string{"date", "patient", "encounter", "category", "code"}, true},
	{"conditions.csv", []string{"start", "patient", "code"}, true},
}

// Feed reads a Synthea CSV export folder. It implements transforms.Feed.
type Feed struct {
	name  string
	opts  transforms.Options
	paths map[string]string // file name → path (with .gz when compressed)
}

var _ transforms.Feed = (*Feed)(nil)

// Open checks that dir is a Synthea CSV export — patients.csv and
// encounters.csv present, every file's header holding its required columns.
func Open(name, dir string, opts transforms.Options) (*Feed, error) {
	if opts.PersonIDSystem == "" {
		return nil, fmt.Errorf("synthea feed %s: %w", dir, ErrNoPersonIDSystem)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("synthea feed: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("synthea feed %s: not a folder: %w", dir, transforms.ErrNotFeed)
	}
	opts.Feed = name
	f := &Feed{name: name, opts: opts, paths: map[string]string{}}
	for _, spec := range files {
		path := transforms.FindFile(dir, spec.name)
		if path == "" {
			if spec.optional {
				continue
			}
			return nil, fmt.Errorf("synthea feed %s: no %s: %w", dir, spec.name, transforms.ErrNotFeed)
		}
		t, err := transforms.OpenTable(path, spec.required)
		if err != nil {
			return nil, err
		}
		t.Close()
		f.paths[spec.name] = path
	}
	return f, nil
}

// Name returns the feed's configured name.
func (f *Feed) Name() string { return f.name }

// Files lists the files the feed reads.
func (f *Feed) Files() ([]string, error) {
	var out []string
	for _, spec := range files {
		if p, ok := f.paths[spec.name]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// rejectFunc rejects the current row.
type rejectFunc func(r transforms.Reason, field, key string)

// each reads file: columns finds the columns once the header is read;
// entity says what a row is ("" for rows of no interest to this pass, and
// called with nil for a row that is not well-formed); row handles each
// well-formed row of interest.
func (f *Feed) each(ctx context.Context, q *transforms.Quarantine, file string, columns func(t *transforms.Table),
	entity func(t *transforms.Table) string, row func(t *transforms.Table, reject rejectFunc) error) error {
	path, ok := f.paths[file]
	if !ok {
		return nil
	}
	// Hashed as it is read, for the manifest (transforms.Checksums).
	t, err := f.opts.OpenTable(path, nil)
	if err != nil {
		return err
	}
	defer t.Close()
	columns(t)
	for {
		ok, bad, field, err := t.Next(ctx)
		if !ok || err != nil {
			return err
		}
		if bad != "" {
			if ent := entity(nil); ent != "" {
				q.Read(f.name, ent)
				q.Reject(transforms.Rejection{Feed: f.name, File: path, Record: t.Line, Entity: ent, Reason: bad, Field: field}, "")
			}
			continue
		}
		ent := entity(t)
		if ent == "" {
			continue
		}
		q.Read(f.name, ent)
		reject := func(r transforms.Reason, field, key string) {
			q.Reject(transforms.Rejection{Feed: f.name, File: path, Record: t.Line, Entity: ent, Reason: r, Field: field}, key)
		}
		if err := row(t, reject); err != nil {
			return fmt.Errorf("%s line %d: %w", path, t.Line, err)
		}
	}
}

func always(entity string) func(*transforms.Table) string {
	return func(*transforms.Table) string { return entity }
}

// key returns the person key of a Synthea patient id, namespaced by the
// feed unless person_id is a shared system.
func (f *Feed) key(id string) string { return f.opts.PersonKey(f.opts.PersonIDSystem, id) }

// Persons reads patients.csv. The *canonical.Person passed to fn is reused.
func (f *Feed) Persons(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Person) error) error {
	seen := transforms.NewIDSet()
	var p canonical.Person
	var c struct{ id, birth, death, gender, first, last, address, zip int }
	columns := func(t *transforms.Table) {
		c.id, c.birth, c.death, c.gender = t.Index("id"), t.Index("birthdate"), t.Index("deathdate"), t.Index("gender")
		c.first, c.last, c.address, c.zip = t.Index("first"), t.Index("last"), t.Index("address"), t.Index("zip")
	}
	return f.each(ctx, q, "patients.csv", columns, always(transforms.EntityPerson), func(t *transforms.Table, reject rejectFunc) error {
		id := t.Get(c.id)
		if id == "" {
			reject(transforms.MissingField, "Id", "")
			return nil
		}
		p = canonical.Person{Feed: f.name, Key: f.key(id), DeathDate: canonical.NoDate}
		var r transforms.Reason
		if p.BirthDate, r = f.opts.CheckDate(t.Get(c.birth)); r != "" {
			reject(r, "BIRTHDATE", p.Key)
			return nil
		}
		if v := t.Get(c.death); v != "" {
			if p.DeathDate, _, r = f.opts.CheckDateTime(v); r == "" {
				r = transforms.CheckLife(p.BirthDate, p.DeathDate)
			}
			if r != "" {
				reject(r, "DEATHDATE", p.Key)
				return nil
			}
		}
		switch t.Get(c.gender) {
		case "M":
			p.Sex = canonical.Male
		case "F":
			p.Sex = canonical.Female
		case "":
			p.Sex = canonical.SexNotKnown
		default:
			reject(transforms.UnknownCode, "GENDER", p.Key)
			return nil
		}
		if !seen.Add(p.Key) {
			reject(transforms.DuplicateRecord, "Id", p.Key)
			return nil
		}
		p.Name = t.Get(c.first) + " " + t.Get(c.last)
		p.Address, p.Postcode = t.Get(c.address), t.Get(c.zip)
		p.LSOA = f.opts.LSOA(p.Postcode)
		return fn(&p)
	})
}

// Objections reads the conditions and observations coded with a Type 1
// objection code. One that fails validation but names a patient is passed
// on with Invalid set, so that the patient is excluded (fail closed). The
// *canonical.Objection passed to fn is reused.
func (f *Feed) Objections(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Objection) error) error {
	var o canonical.Objection
	for _, spec := range []struct{ file, date string }{{"conditions.csv", "start"}, {"observations.csv", "date"}} {
		var code, patient, date int
		columns := func(t *transforms.Table) {
			code, patient, date = t.Index("code"), t.Index("patient"), t.Index(spec.date)
		}
		entity := func(t *transforms.Table) string {
			if t == nil {
				// A broken conditions row may be an objection; broken
				// observations are reported by the events pass.
				if spec.file == "conditions.csv" {
					return transforms.EntityObjection
				}
				return ""
			}
			if f.opts.IsType1Code(t.Get(code)) {
				return transforms.EntityObjection
			}
			return ""
		}
		err := f.each(ctx, q, spec.file, columns, entity, func(t *transforms.Table, reject rejectFunc) error {
			id := t.Get(patient)
			if id == "" {
				reject(transforms.MissingField, "PATIENT", "")
				return nil
			}
			o = canonical.Objection{Feed: f.name, PersonKey: f.key(id), Code: t.Get(code), System: transforms.SNOMED}
			if !isDigits(o.Code) {
				o.System = transforms.Read
			}
			var r transforms.Reason
			if o.Date, _, r = f.opts.CheckDateTime(t.Get(date)); r != "" {
				reject(r, strings.ToUpper(spec.date), o.PersonKey)
				o.Date, o.Invalid = canonical.NoDate, true
			}
			return fn(&o)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
