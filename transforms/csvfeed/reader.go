package csvfeed

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// The files of a feed folder (docs/feeds.md). gp_objections.csv is optional:
// a hospital feed has no GP record to carry objections.
const (
	personsFile    = "persons.csv"
	activityFile   = "activity.csv"
	objectionsFile = "gp_objections.csv"
)

// Columns every file must have. A person reference is nhs_number or
// local_id (with local_id_system): alternatives are separated by "|".
var (
	personRequired    = []string{"nhs_number|local_id", "date_of_birth", "sex"}
	activityRequired  = []string{"record_id", "nhs_number|local_id", "service", "provider", "event_date"}
	objectionRequired = []string{"nhs_number|local_id", "code_system", "code", "recorded_date"}
)

// Feed reads a canonical CSV feed folder. It implements transforms.Feed.
type Feed struct {
	name string
	dir  string
	opts transforms.Options
	// paths of the files present, with or without .gz; objections may be "".
	persons, activity, objections string
}

// Open checks that dir is a canonical CSV feed — its files exist and their
// headers hold every required column — and returns its reader. Errors wrap
// transforms.ErrNotFeed or transforms.ErrMissingColumn and name the file.
func Open(name, dir string, opts transforms.Options) (*Feed, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("csv feed %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("csv feed %s: not a folder: %w", dir, transforms.ErrNotFeed)
	}
	opts.Feed = name
	f := &Feed{name: name, dir: dir, opts: opts}
	for _, spec := range []struct {
		dst      *string
		file     string
		required []string
		optional bool
	}{
		{&f.persons, personsFile, personRequired, false},
		{&f.activity, activityFile, activityRequired, false},
		{&f.objections, objectionsFile, objectionRequired, true},
	} {
		path := transforms.FindFile(dir, spec.file)
		if path == "" {
			if spec.optional {
				continue
			}
			return nil, fmt.Errorf("csv feed %s: no %s: %w", dir, spec.file, transforms.ErrNotFeed)
		}
		t, err := transforms.OpenTable(path, spec.required)
		if err != nil {
			return nil, err
		}
		t.Close()
		*spec.dst = path
	}
	return f, nil
}

// Name returns the feed's configured name.
func (f *Feed) Name() string { return f.name }

// Files lists the feed's files.
func (f *Feed) Files() ([]string, error) {
	out := []string{f.persons, f.activity}
	if f.objections != "" {
		out = append(out, f.objections)
	}
	return out, nil
}

// pass reads one table for one entity, rejecting the rows that are not
// well-formed.
type pass struct {
	feed   *Feed
	q      *transforms.Quarantine
	t      *transforms.Table
	entity string
	ref    [3]int // nhs_number, local_id_system, local_id
	read   int64  // rows read, told to q by close
}

func (f *Feed) newPass(path string, required []string, q *transforms.Quarantine, entity string) (*pass, error) {
	// Hashed as it is read, for the manifest (transforms.Checksums).
	t, err := f.opts.OpenTable(path, required)
	if err != nil {
		return nil, err
	}
	p := &pass{feed: f, q: q, t: t, entity: entity}
	p.ref = [3]int{t.Index("nhs_number"), t.Index("local_id_system"), t.Index("local_id")}
	return p, nil
}

// next reads the next well-formed row; false at the end.
func (p *pass) next(ctx context.Context) (bool, error) {
	for {
		ok, bad, field, err := p.t.Next(ctx)
		if !ok || err != nil {
			return false, err
		}
		p.read++
		if bad == "" {
			return true, nil
		}
		p.reject(bad, field, "")
	}
}

// each calls row with the person reference of each well-formed row,
// rejecting the rows whose reference is not valid. An error from row, which
// only fn can cause, stops the pass and names the line.
func (p *pass) each(ctx context.Context, row func(key string, nhs bool) error) error {
	for {
		ok, err := p.next(ctx)
		if !ok {
			return err
		}
		key, nhs, r, field := p.person()
		if r != "" {
			p.reject(r, field, "")
			continue
		}
		if err := row(key, nhs); err != nil {
			return fmt.Errorf("%s line %d: %w", p.t.Path, p.t.Line, err)
		}
	}
}

// close counts the rows read in the quarantine and closes the file.
func (p *pass) close() {
	p.q.ReadN(p.feed.name, p.entity, p.read)
	p.t.Close()
}

func (p *pass) reject(r transforms.Reason, field, key string) {
	p.q.Reject(transforms.Rejection{
		Feed: p.feed.name, File: p.t.Path, Record: p.t.Line, Entity: p.entity, Reason: r, Field: field,
	}, key)
}

func (p *pass) get(i int) string { return p.t.Get(i) }

// person reads the row's person reference: the NHS number, else the local
// identifier, namespaced by the feed unless its system is shared
// (Options.PersonKey). On failure it returns the reason and the
// column at fault.
func (p *pass) person() (key string, nhs bool, r transforms.Reason, field string) {
	if v := p.get(p.ref[0]); v != "" {
		n, r := transforms.NHSNumber(v)
		return n, true, r, "nhs_number"
	}
	system, value := p.get(p.ref[1]), p.get(p.ref[2])
	switch {
	case value == "":
		return "", false, transforms.MissingField, "nhs_number"
	case system == "":
		return "", false, transforms.MissingField, "local_id_system"
	}
	return p.feed.opts.PersonKey(system, value), false, "", ""
}

// Persons reads persons.csv. The *canonical.Person passed to fn is reused.
func (f *Feed) Persons(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Person) error) error {
	p, err := f.newPass(f.persons, personRequired, q, transforms.EntityPerson)
	if err != nil {
		return err
	}
	defer p.close()
	t := p.t
	var (
		given, family, address = t.Index("given_name"), t.Index("family_name"), t.Index("address")
		postcode, lsoa, phone  = t.Index("postcode"), t.Index("lsoa21"), t.Index("phone")
		lsoa11                 = t.Index("lsoa11")
		birth, sex, practice   = t.Index("date_of_birth"), t.Index("sex"), t.Index("gp_practice")
		death                  = t.Index("date_of_death")
	)
	seen := transforms.NewIDSet()
	var person canonical.Person
	return p.each(ctx, func(key string, nhs bool) error {
		b, r := f.opts.CheckDate(p.get(birth))
		if r != "" {
			p.reject(r, "date_of_birth", key)
			return nil
		}
		d, r := f.opts.CheckDate(p.get(death))
		if r == transforms.MissingField {
			d, r = canonical.NoDate, ""
		}
		if r == "" {
			r = transforms.CheckLife(b, d)
		}
		if r != "" {
			p.reject(r, "date_of_death", key)
			return nil
		}
		s, r := parseSex(p.get(sex))
		if r != "" {
			p.reject(r, "sex", key)
			return nil
		}
		if r := transforms.CheckShape(p.get(practice), transforms.IsGPPractice); r != "" {
			p.reject(r, "gp_practice", key)
			return nil
		}
		if !seen.Add(key) {
			p.reject(transforms.DuplicateRecord, "", key)
			return nil
		}
		name := p.get(given)
		if fam := p.get(family); fam != "" {
			name = strings.TrimSpace(name + " " + fam)
		}
		person = canonical.Person{
			Feed: f.name, Key: key, HasNHSNumber: nhs, BirthDate: b, DeathDate: d, Sex: s,
			Postcode: p.get(postcode), LSOA: p.get(lsoa), Practice: p.get(practice),
			Name: name, Address: p.get(address), Phone: p.get(phone),
		}
		if person.LSOA == "" {
			// LSOA 2021 first; the geography resolves a 2011 code too.
			person.LSOA = p.get(lsoa11)
		}
		if person.LSOA == "" {
			person.LSOA = f.opts.LSOA(person.Postcode)
		}
		return fn(&person)
	})
}

func parseSex(s string) (canonical.Sex, transforms.Reason) {
	switch s {
	case "1":
		return canonical.Male, ""
	case "2":
		return canonical.Female, ""
	case "9":
		return canonical.SexIndeterminate, ""
	case "0":
		return canonical.SexNotKnown, ""
	case "":
		return 0, transforms.MissingField
	}
	return 0, transforms.UnknownCode
}

// Events reads activity.csv, checking each event against people. The
// *canonical.Event passed to fn is reused.
func (f *Feed) Events(ctx context.Context, q *transforms.Quarantine, people transforms.PersonIndex, fn func(*canonical.Event) error) error {
	p, err := f.newPass(f.activity, activityRequired, q, transforms.EntityEvent)
	if err != nil {
		return err
	}
	defer p.close()
	t := p.t
	var (
		id, service, setting = t.Index("record_id"), t.Index("service"), t.Index("setting")
		provider, date, when = t.Index("provider"), t.Index("event_date"), t.Index("event_time")
		system, code, stay   = t.Index("code_system"), t.Index("code"), t.Index("length_of_stay")
	)
	seen := transforms.NewIDSet()
	var e canonical.Event
	return p.each(ctx, func(key string, _ bool) error {
		e = canonical.Event{Feed: f.name, PersonKey: key, Minute: -1, LengthOfStay: -1}
		if e.SourceID = p.get(id); e.SourceID == "" {
			p.reject(transforms.MissingField, "record_id", key)
			return nil
		}
		r, field := p.event(&e, service, setting, provider, date, when, system, code, stay)
		if r == "" {
			field = personField(p.ref)
			r = transforms.CheckEventPerson(people, key, e.Date)
			if r == transforms.DateBeforeBirth || r == transforms.DateAfterDeath {
				field = "event_date"
			}
		}
		if r == "" && !seen.Add(e.SourceID) {
			r, field = transforms.DuplicateRecord, "record_id"
		}
		if r != "" {
			p.reject(r, field, key)
			return nil
		}
		return fn(&e)
	})
}

// personField names the person reference column an unknown_person
// rejection is about.
func personField(ref [3]int) string {
	if ref[0] >= 0 {
		return "nhs_number"
	}
	return "local_id"
}

// event parses the row's event columns into e.
func (p *pass) event(e *canonical.Event, service, setting, provider, date, when, system, code, stay int) (transforms.Reason, string) {
	v := p.get(service)
	if v == "" {
		return transforms.MissingField, "service"
	}
	var ok bool
	if e.Service, ok = canonical.ParseService(v); !ok {
		return transforms.UnknownCode, "service"
	}
	e.Setting = e.Service.DefaultSetting()
	if v := p.get(setting); v != "" {
		if e.Setting, ok = canonical.ParseSetting(v); !ok {
			return transforms.UnknownCode, "setting"
		}
	}
	if e.Provider = p.get(provider); e.Provider == "" {
		return transforms.MissingField, "provider"
	}
	if r := transforms.CheckShape(e.Provider, transforms.IsProvider); r != "" {
		return r, "provider"
	}
	var r transforms.Reason
	if e.Date, r = p.feed.opts.CheckDate(p.get(date)); r != "" {
		return r, "event_date"
	}
	if v := p.get(when); v != "" {
		if e.Minute = minute(v); e.Minute < 0 {
			return transforms.BadValue, "event_time"
		}
	}
	e.CodeSystem, e.Code = p.get(system), p.get(code)
	switch r := p.feed.opts.CheckCode(e.CodeSystem, e.Code); {
	case r == transforms.BadValue || r == transforms.MissingField && e.CodeSystem != "":
		return r, "code"
	case r != "":
		return r, "code_system"
	}
	if v := p.get(stay); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return transforms.BadValue, "length_of_stay"
		}
		e.LengthOfStay = int32(n)
	}
	return "", ""
}

// minute reads HH:MM as the minute of the day, or -1.
func minute(s string) int16 {
	if len(s) != 5 || s[2] != ':' {
		return -1
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || s[0] == '+' || s[3] == '+' {
		return -1
	}
	return int16(h*60 + m)
}

// Objections reads gp_objections.csv, when the feed has one. Every row is
// objection-like: one that fails validation but names a person is passed
// on with Invalid set, so that the person is excluded (fail closed). The
// *canonical.Objection passed to fn is reused.
func (f *Feed) Objections(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Objection) error) error {
	if f.objections == "" {
		return nil
	}
	p, err := f.newPass(f.objections, objectionRequired, q, transforms.EntityObjection)
	if err != nil {
		return err
	}
	defer p.close()
	t := p.t
	system, code, date := t.Index("code_system"), t.Index("code"), t.Index("recorded_date")
	var o canonical.Objection
	return p.each(ctx, func(key string, _ bool) error {
		o = canonical.Objection{Feed: f.name, PersonKey: key, System: p.get(system), Code: p.get(code), Date: canonical.NoDate}
		var r transforms.Reason
		var field string
		switch {
		case o.System == "":
			r, field = transforms.MissingField, "code_system"
		case o.System != transforms.SNOMED && o.System != transforms.Read:
			r, field = transforms.UnknownCode, "code_system"
		default:
			if r = f.opts.CheckCode(o.System, o.Code); r != "" {
				field = "code"
				break
			}
			o.Date, r = f.opts.CheckDate(p.get(date))
			field = "recorded_date"
		}
		if r != "" {
			p.reject(r, field, key)
			o.Invalid = true
		}
		return fn(&o)
	})
}
