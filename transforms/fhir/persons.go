package fhir

import (
	"context"
	"fmt"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// personOut is what decoding a Patient gives the persons pass.
type personOut struct {
	file   int
	index  int64
	reason transforms.Reason // "" when the person is good
	field  string
	person canonical.Person // Key is set whenever the Patient has one, even when rejected
	// refs are how the Patient is referred to: "Patient/<id>" and its
	// Bundle entry's fullUrl.
	refs [2]string
	// unverified marks an NHS number whose UK Core verification status
	// says it was not traced on the Spine.
	unverified bool
}

func isPatient(kind string) bool { return kind == "Patient" }

// Persons reads the Patient resources. The *canonical.Person passed to fn
// is reused. A Patient rejected for anything but its identifier still
// registers its key, so that a GP objection naming it is not lost.
func (f *Feed) Persons(ctx context.Context, q *transforms.Quarantine, fn func(*canonical.Person) error) error {
	if err := f.loadOrganizations(ctx); err != nil {
		return err
	}
	f.patients = transforms.NewPersonRefs()
	seen := transforms.NewIDSet()
	return scan(ctx, f, &pass[personOut]{
		wants: isPatient,
		decode: func(d *decoder, r *resource, out *[]personOut) {
			if r.bad != "" && r.kind != "Patient" {
				return // another pass reports it
			}
			*out = append(*out, personOut{})
			f.person(d, r, &(*out)[len(*out)-1])
		},
		consume: each(func(o *personOut) error {
			q.Read(f.name, transforms.EntityPerson)
			p := &o.person
			if p.Key != "" {
				f.register(o)
			}
			if o.reason == "" && !seen.Add(p.Key) {
				o.reason, o.field = transforms.DuplicateRecord, "identifier"
			}
			if o.reason != "" {
				f.reject(q, o.file, o.index, transforms.EntityPerson, o.reason, o.field, p.Key)
				return nil
			}
			if o.unverified {
				q.Unmapped(f.name, transforms.EntityPerson, unmappedNHSStatus)
			}
			if err := fn(p); err != nil {
				return fmt.Errorf("%s record %d: %w", f.files[o.file].path, o.index, err)
			}
			return nil
		}),
	})
}

// each makes a pass's consume of a function of one outcome.
func each[T any](fn func(*T) error) func([]T) error {
	return func(out []T) error {
		for i := range out {
			if err := fn(&out[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// register maps the references to a Patient to its person key.
func (f *Feed) register(o *personOut) {
	for _, r := range o.refs {
		f.patients.Add(r, o.person.Key)
	}
}

// loadPatients builds the Patient map when Events or Objections run
// without a Persons pass first.
func (f *Feed) loadPatients(ctx context.Context) error {
	if f.patients != nil {
		return nil
	}
	if err := f.loadOrganizations(ctx); err != nil {
		return err
	}
	f.patients = transforms.NewPersonRefs()
	return scan(ctx, f, &pass[personOut]{
		wants: isPatient,
		decode: func(d *decoder, r *resource, out *[]personOut) {
			if r.bad == "" {
				*out = append(*out, personOut{})
				f.person(d, r, &(*out)[len(*out)-1])
			}
		},
		consume: each(func(o *personOut) error {
			if o.person.Key != "" {
				f.register(o)
			}
			return nil
		}),
	})
}

// person maps a Patient to o.person (docs/feeds.md, "Patient → person").
func (f *Feed) person(d *decoder, r *resource, o *personOut) {
	o.file, o.index = r.file, r.index
	o.person = canonical.Person{Feed: f.name, DeathDate: canonical.NoDate}
	if r.bad != "" {
		o.reason = r.bad
		return
	}
	var pt patient
	if o.reason, o.field = d.patient(r.data, f.opts.PersonIDSystem, &pt); o.reason != "" {
		return
	}
	p := &o.person
	switch {
	case pt.nhs != nil:
		n, bad := transforms.NHSNumber(view(pt.nhs))
		if bad != "" {
			o.reason, o.field = bad, "identifier"
			return
		}
		p.Key, p.HasNHSNumber = strings.Clone(n), true
		o.unverified = unverifiedNHS(view(pt.nhsStatus))
	case pt.local != nil:
		p.Key = f.opts.PersonKey(f.opts.PersonIDSystem, string(pt.local))
	default:
		o.reason, o.field = transforms.MissingField, "identifier"
		return
	}
	if len(pt.id) > 0 {
		o.refs[0] = "Patient/" + string(pt.id)
	}
	o.refs[1] = fullURLKey(r.fullURL)

	var bad transforms.Reason
	if p.BirthDate, bad = f.opts.CheckDate(view(pt.birthDate)); bad != "" {
		o.reason, o.field = bad, "birthDate"
		return
	}
	if pt.deceased != nil {
		if p.DeathDate, _, bad = f.opts.CheckDateTime(view(pt.deceased)); bad == "" {
			bad = transforms.CheckLife(p.BirthDate, p.DeathDate)
		}
		if bad != "" {
			o.reason, o.field = bad, "deceasedDateTime"
			return
		}
	}
	switch string(pt.gender) {
	case "male":
		p.Sex = canonical.Male
	case "female":
		p.Sex = canonical.Female
	case "other":
		p.Sex = canonical.SexIndeterminate
	case "unknown", "":
		p.Sex = canonical.SexNotKnown
	default:
		o.reason, o.field = transforms.UnknownCode, "gender"
		return
	}
	if a := &pt.address; a.present {
		p.Postcode = string(a.postcode)
		switch {
		case a.lsoa21 != nil:
			p.LSOA = string(a.lsoa21)
		case a.lsoa11 != nil:
			p.LSOA = string(a.lsoa11)
		default:
			p.LSOA = f.opts.LSOA(p.Postcode)
		}
	}
	if pt.hasPractice {
		// The registered practice passes through to the outputs: it must
		// be a GP practice's ODS code, never free text.
		code, bad := f.organisation(d, &pt.practice)
		if bad == "" {
			bad = transforms.CheckShape(code, transforms.IsGPPractice)
		}
		if bad != "" {
			o.reason, o.field = bad, "generalPractitioner"
			return
		}
		p.Practice = strings.Clone(code)
	}
}

// unverifiedNHS reports whether a UK Core NHS number verification status
// (NHS Data Dictionary "NHS number status indicator code") says the number
// was not verified on the Spine: 01 is verified; 02 present but not
// traced, and 03 to 08 a trace needed, failed, in progress or postponed.
func unverifiedNHS(status string) bool { return status != "" && status != "01" }
