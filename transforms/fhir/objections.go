package fhir

import (
	"bytes"
	"context"
	"fmt"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// objectionOut is what decoding a coded entry gives the objections pass.
type objectionOut struct {
	file   int
	index  int64
	reason transforms.Reason // "" when the objection is good
	field  string
	key    string // the person, when known
	obj    canonical.Objection
}

func isCodedEntry(kind string) bool {
	return kind == "Observation" || kind == "Condition" || kind == "Flag"
}

// Objections reads the coded entries that record Type 1 objections:
// Observation, Condition and Flag resources with one of the configured
// codes. The *canonical.Objection passed to fn is reused.
func (f *Feed) Objections(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Objection) error) error {
	if err := f.loadPatients(ctx); err != nil {
		return err
	}
	return scan(ctx, f, &pass[objectionOut]{
		wants: isCodedEntry,
		decode: func(d *decoder, r *resource, out *[]objectionOut) {
			o := objectionOut{file: r.file, index: r.index}
			if f.objection(d, r, &o) {
				*out = append(*out, o)
			}
		},
		consume: each(func(o *objectionOut) error {
			q.Read(f.name, transforms.EntityObjection)
			if o.reason != "" {
				f.reject(q, o.file, o.index, transforms.EntityObjection, o.reason, o.field, o.key)
				if !o.obj.Invalid {
					return nil // no person to exclude
				}
			}
			if err := fn(&o.obj); err != nil {
				return fmt.Errorf("%s record %d: %w", f.files[o.file].path, o.index, err)
			}
			return nil
		}),
	})
}

// objection maps a coded entry to o; false when it records no Type 1 code
// (and is not a broken resource this pass reports).
func (f *Feed) objection(d *decoder, r *resource, o *objectionOut) bool {
	if r.bad != "" {
		if !f.brokenObjection(r.kind, r.data) {
			return false // the events pass reports it
		}
		o.reason = r.bad
		return true
	}
	var (
		subject       reference
		code          type1
		when, issued  []byte
		bad           transforms.Reason
		field, whenAt string
	)
	switch r.kind {
	case "Observation":
		var t test
		bad, field = d.test(r.data, r.kind, &f.opts, &t)
		subject, code, when, issued = t.subject, t.type1, t.effective, t.issued
		whenAt = "effectiveDateTime"
	default:
		var e entry
		bad, field = d.codedEntry(r.data, r.kind, &f.opts, &e)
		subject, code, when = e.subject, e.type1, e.when
		whenAt = "recordedDate"
		if r.kind == "Flag" {
			whenAt = "period.start"
		}
	}
	if bad != "" {
		if !f.brokenObjection(r.kind, r.data) {
			return false
		}
		o.reason, o.field = bad, field
		return true
	}
	if !code.found() {
		return false
	}
	key, bad := f.subjectKey(d, &subject)
	if bad != "" {
		o.reason, o.field = bad, "subject"
		return true
	}
	// From here the person is known: a record that fails validation is
	// rejected and still passed on, Invalid, so that its person is
	// excluded (fail closed).
	o.key = key
	o.obj = canonical.Objection{Feed: f.name, PersonKey: key, System: code.system, Code: d.keep(code.code), Date: canonical.NoDate}
	if code.system == "" {
		o.reason, o.field, o.obj.Invalid = transforms.UnknownCode, "code.coding.system", true
		return true
	}
	if when == nil {
		when = issued
	}
	if o.obj.Date, _, bad = f.opts.CheckDateTime(view(when)); bad != "" {
		o.reason, o.field, o.obj.Invalid = bad, whenAt, true
		o.obj.Date = canonical.NoDate
	}
	return true
}

// brokenObjection reports whether a resource that could not be decoded is
// reported by the objections pass — a Condition or Flag, or an Observation
// (or resource of unknown type) holding a Type 1 code — rather than by the
// events pass, so that each is rejected once.
func (f *Feed) brokenObjection(kind string, raw []byte) bool {
	switch kind {
	case "Condition", "Flag":
		return true
	case "Observation", "":
		codes := f.opts.Type1Codes
		if len(codes) == 0 {
			codes = transforms.DefaultType1Codes
		}
		for _, c := range codes {
			if bytes.Contains(raw, []byte(`"`+c+`"`)) {
				return true
			}
		}
	}
	return false
}

// subjectKey returns the person key of a reference to a Patient: from its
// identifier when that is an NHS number or in the feed's person_id system
// (as a logical or conditional reference), else from the Patient it points
// to. The key stays valid after the resource.
func (f *Feed) subjectKey(d *decoder, r *reference) (string, transforms.Reason) {
	system, value := view(r.system), view(r.value)
	var p ref
	if value == "" && len(r.ref) > 0 {
		p = parseRef(view(r.ref))
		if p.kind != "" && p.kind != "Patient" {
			return "", transforms.UnknownPerson
		}
		system, value = p.system, p.value
	}
	switch {
	case value == "":
	case system == NHSNumberSystem:
		n, bad := transforms.NHSNumber(value)
		if bad != "" {
			return "", bad
		}
		return d.keepJoin(n, "", ""), ""
	case system == f.opts.PersonIDSystem && system != "":
		return d.keepJoin(f.opts.PersonKey(system, value), "", ""), ""
	}
	if len(r.ref) == 0 {
		if len(r.value) > 0 {
			return "", transforms.UnknownPerson
		}
		return "", transforms.MissingField
	}
	if p.id == "" || isContained(r.ref) {
		return "", transforms.UnknownPerson
	}
	if key, ok := f.patients.Key(view(r.ref)); ok {
		return key, ""
	}
	var buf [256]byte
	if key, ok := f.patients.Key(view(append(append(buf[:0], "Patient/"...), p.id...))); ok {
		return key, ""
	}
	return "", transforms.UnknownPerson
}
