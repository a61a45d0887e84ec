// Package fhir reads and writes FHIR R4 feeds: Bulk Data export folders
// (one NDJSON file per resource type) and folders of Bundle files (one
// transaction or collection Bundle per patient, as Synthea writes them).
// The mapping to the canonical model is documented in docs/feeds.md.
package fhir

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// bulkTypes are the resource types read from a Bulk Data export, in the
// order they are read: DiagnosticReport before Observation, so that a
// report and its results count as one test.
var bulkTypes = []string{"Patient", "Organization", "Encounter", "Procedure", "DiagnosticReport",
	"Observation", "Condition", "Flag"}

// Feed reads a FHIR R4 feed folder. It implements transforms.Feed. Its
// passes run one at a time: the persons pass builds the Patient.id → key
// map the other passes resolve references with.
type Feed struct {
	name string
	dir  string
	opts transforms.Options

	bulk    map[string][]string // resource type → NDJSON files, for a Bulk Data export
	bundles []string            // Bundle files, when the folder holds Bundles

	patients map[string]string // Patient.id → person key, from the persons pass
	orgs     map[string]string // Organization.id → ODS code, for bulk exports
}

// Open finds what dir holds: a Bulk Data export (a Patient NDJSON file) or
// Bundle files (*.json). It checks that the files start as JSON objects;
// errors wrap transforms.ErrNotFeed and name the file.
func Open(name, dir string, opts transforms.Options) (*Feed, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fhir feed: %w", err)
	}
	f := &Feed{name: name, dir: dir, opts: opts, bulk: map[string][]string{}}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if base, ok := transforms.TrimExt(e.Name(), ".ndjson"); ok {
			kind, _, _ := strings.Cut(base, ".")
			if slices.Contains(bulkTypes, kind) {
				f.bulk[kind] = append(f.bulk[kind], path)
			}
		} else if _, ok := transforms.TrimExt(e.Name(), ".json"); ok {
			f.bundles = append(f.bundles, path)
		}
	}
	switch {
	case len(f.bulk["Patient"]) > 0:
		f.bundles = nil
		for _, path := range f.bulk["Patient"] {
			if err := startsObject(path); err != nil {
				return nil, err
			}
		}
	case len(f.bundles) > 0:
		f.bulk = nil
		if err := startsObject(f.bundles[0]); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("fhir feed %s: no Patient NDJSON file and no Bundle JSON files: %w", dir, transforms.ErrNotFeed)
	}
	return f, nil
}

// startsObject checks that a file's first non-space byte opens a JSON
// object, as NDJSON lines and Bundles do.
func startsObject(path string) error {
	in, err := transforms.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	for {
		c, err := in.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil // an empty export file is valid
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return nil
		}
		return fmt.Errorf("read %s: not JSON: %w", path, transforms.ErrNotFeed)
	}
}

// Name returns the feed's configured name.
func (f *Feed) Name() string { return f.name }

// Files lists the files the feed reads.
func (f *Feed) Files() ([]string, error) {
	if f.bundles != nil {
		return slices.Clone(f.bundles), nil
	}
	var out []string
	for _, kind := range bulkTypes {
		out = append(out, f.bulk[kind]...)
	}
	return out, nil
}

// entry is one resource as read: an NDJSON line or a Bundle entry.
type entry struct {
	file  string
	index int64  // line number, or entry index in a Bundle (from 1)
	kind  string // resource type, from the file name or the entry itself; "" if unknown
	raw   []byte
	res   resource
	bad   transforms.Reason // set when the resource could not be decoded
}

// decode fills e.res from e.raw. Invalid UTF-8 is checked first because
// encoding/json would silently replace it.
func (e *entry) decode() {
	e.res = resource{}
	e.bad = ""
	switch {
	case !utf8.Valid(e.raw):
		e.bad = transforms.InvalidUTF8
	case json.Unmarshal(e.raw, &e.res) != nil:
		e.bad = transforms.MalformedRecord
	case e.kind != "" && e.res.ResourceType != e.kind:
		e.bad = transforms.MalformedRecord
	}
	if e.kind == "" {
		e.kind = e.res.ResourceType
		if e.bad != "" {
			e.kind = peekType(e.raw)
		}
	}
}

// peekType finds the resourceType of a resource that could not be decoded,
// so that its rejection is counted in the right pass.
func peekType(raw []byte) string {
	_, after, ok := bytes.Cut(raw, []byte(`"resourceType"`))
	if !ok {
		return ""
	}
	after = bytes.TrimLeft(after, " \t\r\n:")
	after, ok = bytes.CutPrefix(after, []byte{'"'})
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(after, '"'); i > 0 && i < 40 {
		return string(after[:i])
	}
	return ""
}

// scan calls fn for every resource of the given types: every line of their
// NDJSON files, or every entry of every Bundle whose type is one of them or
// cannot be told.
func (f *Feed) scan(ctx context.Context, kinds []string, fn func(*entry) error) error {
	var e entry
	if f.bundles != nil {
		for _, path := range f.bundles {
			if err := f.scanBundle(ctx, path, kinds, &e, fn); err != nil {
				return err
			}
		}
		return nil
	}
	for _, kind := range kinds {
		for _, path := range f.bulk[kind] {
			if err := scanNDJSON(ctx, path, kind, &e, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanNDJSON reads one NDJSON file line by line; a line may be longer than
// the read buffer, and only one line is held at a time.
func scanNDJSON(ctx context.Context, path, kind string, e *entry, fn func(*entry) error) error {
	in, err := transforms.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	var line []byte
	for n := int64(1); ; n++ {
		line = line[:0]
		var err error
		for {
			var part []byte
			part, err = in.ReadSlice('\n')
			line = append(line, part...)
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if n&1023 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			*e = entry{file: path, index: n, kind: kind, raw: t}
			e.decode()
			if err := fn(e); err != nil {
				return err
			}
		}
		if err != nil {
			return nil
		}
	}
}

// scanBundle streams the entries of one Bundle file with a token decoder, so
// that a large Bundle is never held whole. An entry that breaks the JSON
// stops the file: what follows cannot be found reliably.
func (f *Feed) scanBundle(ctx context.Context, path string, kinds []string, e *entry, fn func(*entry) error) error {
	in, err := transforms.OpenFile(path)
	if err != nil {
		return err
	}
	defer in.Close()
	notBundle := fmt.Errorf("read %s: not a FHIR Bundle: %w", path, transforms.ErrNotFeed)
	dec := json.NewDecoder(in)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return notBundle
	}
	var index int64
	broken := func() error {
		*e = entry{file: path, index: index + 1, bad: transforms.MalformedRecord}
		return fn(e)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return broken()
		}
		switch t {
		case "resourceType":
			var rt string
			if err := dec.Decode(&rt); err != nil || rt != "Bundle" {
				return notBundle
			}
		case "entry":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return broken()
			}
			for dec.More() {
				index++
				if index&255 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				var item struct {
					Resource json.RawMessage `json:"resource"`
				}
				if err := dec.Decode(&item); err != nil {
					// The decoder cannot resynchronise: reject this entry and
					// leave the rest of the file.
					*e = entry{file: path, index: index, bad: transforms.MalformedRecord}
					if !utf8.Valid(item.Resource) {
						e.bad = transforms.InvalidUTF8
					}
					return fn(e)
				}
				*e = entry{file: path, index: index, raw: item.Resource}
				e.decode()
				if e.kind != "" && !slices.Contains(kinds, e.kind) && e.bad == "" {
					continue
				}
				if err := fn(e); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return broken()
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return broken()
			}
		}
	}
	return nil
}

// reject records a rejection of e.
func (f *Feed) reject(q *transforms.Quarantine, e *entry, entity string, r transforms.Reason, field, key string) {
	q.Reject(transforms.Rejection{Feed: f.name, File: e.file, Record: e.index, Entity: entity, Reason: r, Field: field}, key)
}

// hasType1Code reports whether raw bytes hold one of the Type 1 codes: how a
// resource that cannot be decoded is told to be a GP objection entry.
func (f *Feed) hasType1Code(raw []byte) bool {
	codes := f.opts.Type1Codes
	if len(codes) == 0 {
		codes = transforms.DefaultType1Codes
	}
	for _, c := range codes {
		if bytes.Contains(raw, []byte(`"`+c+`"`)) {
			return true
		}
	}
	return false
}

// brokenObjection reports whether an entry that could not be decoded is
// reported by the objections pass — a Condition or Flag, or an Observation
// (or entry of unknown type) holding a Type 1 code — rather than by the
// events pass, so that each is rejected once.
func (f *Feed) brokenObjection(e *entry) bool {
	switch e.kind {
	case "Condition", "Flag":
		return true
	case "Observation", "":
		return f.hasType1Code(e.raw)
	}
	return false
}

// Persons reads the Patient resources. The *canonical.Person passed to fn
// is reused.
func (f *Feed) Persons(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Person) error) error {
	f.patients = map[string]string{}
	seen := transforms.NewIDSet()
	var p canonical.Person
	err := f.scan(ctx, []string{"Patient"}, func(e *entry) error {
		if e.kind != "Patient" {
			return nil
		}
		q.Read(f.name, transforms.EntityPerson)
		if e.bad != "" {
			f.reject(q, e, transforms.EntityPerson, e.bad, "", "")
			return nil
		}
		r, field := f.person(&e.res, &p)
		if r == "" && !seen.Add(p.Key) {
			r, field = transforms.DuplicateRecord, "identifier"
		}
		if r != "" {
			f.reject(q, e, transforms.EntityPerson, r, field, p.Key)
			return nil
		}
		if e.res.ID != "" {
			f.patients[e.res.ID] = p.Key
		}
		if err := fn(&p); err != nil {
			return fmt.Errorf("%s record %d: %w", e.file, e.index, err)
		}
		return nil
	})
	return err
}

// personKey returns the key of a Patient: its NHS number, else its
// identifier in the configured system.
func (f *Feed) personKey(ids []identifier) (key string, nhs bool, r transforms.Reason) {
	for _, id := range ids {
		if id.System == NHSNumberSystem && id.Value != "" {
			n, r := transforms.NHSNumber(id.Value)
			return n, true, r
		}
	}
	for _, id := range ids {
		if id.System == f.opts.PersonIDSystem && id.System != "" && id.Value != "" {
			return id.System + "|" + id.Value, false, ""
		}
	}
	return "", false, transforms.MissingField
}

// person maps a Patient to p.
func (f *Feed) person(res *resource, p *canonical.Person) (transforms.Reason, string) {
	*p = canonical.Person{Feed: f.name}
	var r transforms.Reason
	if p.Key, p.HasNHSNumber, r = f.personKey(res.Identifier); r != "" {
		p.Key = ""
		return r, "identifier"
	}
	if p.BirthDate, r = f.opts.CheckDate(res.BirthDate); r != "" {
		return r, "birthDate"
	}
	if res.DeceasedDateTime != "" {
		if p.DeathDate, _, r = f.opts.CheckDateTime(res.DeceasedDateTime); r == "" {
			r = transforms.CheckLife(p.BirthDate, p.DeathDate)
		}
		if r != "" {
			return r, "deceasedDateTime"
		}
	} else {
		p.DeathDate = canonical.NoDate
	}
	switch res.Gender {
	case "male":
		p.Sex = canonical.Male
	case "female":
		p.Sex = canonical.Female
	case "other":
		p.Sex = canonical.SexIndeterminate
	case "unknown", "":
		p.Sex = canonical.SexNotKnown
	default:
		return transforms.UnknownCode, "gender"
	}
	if a := homeAddress(res.Address); a != nil {
		p.Postcode = a.PostalCode
		p.Address = strings.Join(a.Line, ", ")
		for _, x := range a.Extension {
			if x.URL == LSOAExtension {
				p.LSOA = x.ValueString
			}
		}
		if p.LSOA == "" {
			p.LSOA = f.opts.LSOA(p.Postcode)
		}
	}
	for _, gp := range res.GeneralPractitioner {
		if gp.Identifier != nil && gp.Identifier.System == ODSSystem {
			p.Practice = gp.Identifier.Value
		}
	}
	return "", ""
}

// homeAddress returns the current home address: the first with use "home"
// and no end date, else the first.
func homeAddress(as []address) *address {
	for i := range as {
		if a := &as[i]; a.Use == "home" && (a.Period == nil || a.Period.End == "") {
			return a
		}
	}
	if len(as) > 0 {
		return &as[0]
	}
	return nil
}

// subjectKey returns the person key of a subject reference: from a logical
// reference's identifier, else from the Patient it points to.
func (f *Feed) subjectKey(ref *reference) (string, transforms.Reason) {
	if ref == nil {
		return "", transforms.MissingField
	}
	if id := ref.Identifier; id != nil {
		if key, _, r := f.personKey([]identifier{*id}); r != transforms.MissingField {
			return key, r
		}
	}
	if ref.Reference == "" {
		return "", transforms.MissingField
	}
	key, ok := f.patients[refID(ref.Reference)]
	if !ok {
		return "", transforms.UnknownPerson
	}
	return key, ""
}

// Objections reads the coded entries that record Type 1 objections:
// Observation, Condition and Flag resources with one of the configured
// codes. The *canonical.Objection passed to fn is reused.
func (f *Feed) Objections(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Objection) error) error {
	if err := f.loadPatients(ctx); err != nil {
		return err
	}
	var o canonical.Objection
	return f.scan(ctx, []string{"Observation", "Condition", "Flag"}, func(e *entry) error {
		if e.bad != "" {
			// Broken Observations count here only when they look like a
			// GP objection; the events pass reports the rest.
			if f.brokenObjection(e) {
				q.Read(f.name, transforms.EntityObjection)
				f.reject(q, e, transforms.EntityObjection, e.bad, "", "")
			}
			return nil
		}
		system, code, ok := f.type1Code(e.res.Code)
		if !ok {
			return nil
		}
		q.Read(f.name, transforms.EntityObjection)
		key, r := f.subjectKey(e.res.Subject)
		if r != "" {
			f.reject(q, e, transforms.EntityObjection, r, "subject", "")
			return nil
		}
		o = canonical.Objection{Feed: f.name, PersonKey: key, System: system, Code: code}
		when := cmpOr(e.res.EffectiveDateTime, e.res.RecordedDate, e.res.OnsetDateTime,
			startOf(e.res.EffectivePeriod), startOf(e.res.Period))
		if o.Date, _, r = f.opts.CheckDateTime(when); r != "" {
			f.reject(q, e, transforms.EntityObjection, r, "effectiveDateTime", key)
			return nil
		}
		if err := fn(&o); err != nil {
			return fmt.Errorf("%s record %d: %w", e.file, e.index, err)
		}
		return nil
	})
}

// type1Code returns the Type 1 code of c, if it has one, with its
// canonical system (SNOMED or READ).
func (f *Feed) type1Code(c *concept) (system, code string, ok bool) {
	if c == nil {
		return "", "", false
	}
	for _, cd := range c.Coding {
		if s := codeSystems[cd.System]; (s == "SNOMED" || s == "READ") && f.opts.IsType1Code(cd.Code) {
			return s, cd.Code, true
		}
	}
	return "", "", false
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func startOf(p *period) string {
	if p == nil {
		return ""
	}
	return p.Start
}

// loadPatients builds the Patient.id → key map when Events or Objections
// run without a Persons pass first.
func (f *Feed) loadPatients(ctx context.Context) error {
	if f.patients != nil {
		return nil
	}
	f.patients = map[string]string{}
	var p canonical.Person
	return f.scan(ctx, []string{"Patient"}, func(e *entry) error {
		if e.kind == "Patient" && e.bad == "" {
			if r, _ := f.person(&e.res, &p); r == "" && e.res.ID != "" {
				f.patients[e.res.ID] = p.Key
			}
		}
		return nil
	})
}

// loadOrganizations reads the ODS codes of a bulk export's Organizations,
// for serviceProvider references that name an Organization by id.
func (f *Feed) loadOrganizations(ctx context.Context) error {
	if f.orgs != nil {
		return nil
	}
	f.orgs = map[string]string{}
	return f.scan(ctx, []string{"Organization"}, func(e *entry) error {
		if e.kind == "Organization" && e.bad == "" {
			for _, id := range e.res.Identifier {
				if id.System == ODSSystem {
					f.orgs[e.res.ID] = id.Value
				}
			}
		}
		return nil
	})
}
