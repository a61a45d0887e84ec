package synthea

import (
	"context"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// Events reads encounters.csv, then the diagnostic tests among
// procedures.csv and observations.csv, checking each against people. The
// *canonical.Event passed to fn is reused.
func (f *Feed) Events(ctx context.Context, q *transforms.Quarantine, people transforms.PersonIndex, fn func(*canonical.Event) error) error {
	seen := transforms.NewIDSet()
	var e canonical.Event
	// emit checks an event that has its person, date and service, then
	// passes it on.
	emit := func(reject rejectFunc, patient, when, dateField string, afterDeath bool) error {
		if patient == "" {
			reject(transforms.MissingField, "PATIENT", "")
			return nil
		}
		e.PersonKey = f.key(patient)
		var r transforms.Reason
		field := dateField
		if e.Date, e.Minute, r = f.opts.CheckDateTime(when); r == "" {
			r = transforms.CheckEventPerson(people, e.PersonKey, e.Date)
			if r == transforms.DateAfterDeath && (afterDeath || e.Date == diedOn(people, e.PersonKey)+1) {
				// Synthea writes DEATHDATE as a local date but times in UTC:
				// the encounter a patient dies in can fall on the next UTC day.
				r = ""
			}
			if r == transforms.UnknownPerson {
				field = "PATIENT"
			}
		}
		if r == "" && !seen.Add(e.SourceID) {
			r, field = transforms.DuplicateRecord, "Id"
		}
		if r != "" {
			reject(r, field, e.PersonKey)
			return nil
		}
		e.Setting = e.Service.DefaultSetting()
		return fn(&e)
	}

	var enc struct{ id, start, stop, patient, org, class, code, reason int }
	err := f.each(ctx, q, "encounters.csv", func(t *transforms.Table) {
		enc.id, enc.start, enc.stop, enc.patient = t.Index("id"), t.Index("start"), t.Index("stop"), t.Index("patient")
		enc.org, enc.class, enc.code, enc.reason = t.Index("organization"), t.Index("encounterclass"), t.Index("code"), t.Index("reasoncode")
	}, always(transforms.EntityEvent), func(t *transforms.Table, reject rejectFunc) error {
		e = canonical.Event{Feed: f.name, SourceID: t.Get(enc.id), Provider: t.Get(enc.org), Minute: -1, LengthOfStay: -1}
		if e.SourceID == "" {
			reject(transforms.MissingField, "Id", "")
			return nil
		}
		// ORGANIZATION and REASONCODE pass through to the outputs: anything
		// but an organisation id and a SNOMED CT concept may be free text.
		if r := transforms.CheckShape(e.Provider, isOrganisation); r != "" {
			reject(r, "ORGANIZATION", f.key(t.Get(enc.patient)))
			return nil
		}
		if r := transforms.CheckShape(t.Get(enc.reason), transforms.IsSNOMED); r != "" {
			reject(r, "REASONCODE", f.key(t.Get(enc.patient)))
			return nil
		}
		var known bool
		if e.Service, known = encounterService(t.Get(enc.class), t.Get(enc.code), t.Get(enc.reason)); !known {
			q.Unmapped(f.name, transforms.EntityEvent, "ENCOUNTERCLASS")
		}
		if code := t.Get(enc.reason); code != "" {
			e.CodeSystem, e.Code = transforms.SNOMED, code
		}
		if e.Service == canonical.EmergencyAdmission || e.Service == canonical.ElectiveAdmission {
			if stop, _, r := f.opts.CheckDateTime(t.Get(enc.stop)); r == "" {
				start, _, _ := f.opts.CheckDateTime(t.Get(enc.start))
				if start.Valid() && stop >= start {
					e.LengthOfStay = int32(stop - start)
				}
			}
		}
		return emit(reject, t.Get(enc.patient), t.Get(enc.start), "START", transforms.IsAfterDeathCode(t.Get(enc.code)))
	})
	if err != nil {
		return err
	}

	// Procedures and observations have no ids: a test is one per encounter
	// and code (procedures) or category (observation panels), and the
	// results of one panel are one test, not many.
	panels := transforms.NewIDSet()
	var pr struct{ date, patient, encounter, code int }
	err = f.each(ctx, q, "procedures.csv", func(t *transforms.Table) {
		pr.date, pr.patient, pr.encounter, pr.code = t.Index("start"), t.Index("patient"), t.Index("encounter"), t.Index("code")
		if pr.date < 0 {
			pr.date = t.Index("date") // Synthea before 3.0
		}
	}, func(t *transforms.Table) string {
		if t != nil && !transforms.IsDiagnosticTestCode(t.Get(pr.code)) {
			return ""
		}
		return transforms.EntityEvent
	}, func(t *transforms.Table, reject rejectFunc) error {
		id := "procedure|" + t.Get(pr.encounter) + "|" + t.Get(pr.code)
		if !panels.Add(id) {
			return nil
		}
		e = canonical.Event{Feed: f.name, SourceID: id, Service: canonical.DiagnosticTest, Minute: -1, LengthOfStay: -1,
			CodeSystem: "SNOMED", Code: t.Get(pr.code)}
		return emit(reject, t.Get(pr.patient), t.Get(pr.date), "START", false)
	})
	if err != nil {
		return err
	}

	var ob struct{ date, patient, encounter, category, code int }
	return f.each(ctx, q, "observations.csv", func(t *transforms.Table) {
		ob.date, ob.patient, ob.encounter = t.Index("date"), t.Index("patient"), t.Index("encounter")
		ob.category, ob.code = t.Index("category"), t.Index("code")
	}, func(t *transforms.Table) string {
		if t != nil && (!isTest(t.Get(ob.category)) || f.opts.IsType1Code(t.Get(ob.code))) {
			return ""
		}
		return transforms.EntityEvent
	}, func(t *transforms.Table, reject rejectFunc) error {
		id := "observation|" + t.Get(ob.encounter) + "|" + t.Get(ob.category)
		if !panels.Add(id) {
			return nil
		}
		// Observation codes are LOINC, outside the canonical code systems:
		// the test is kept without its code.
		e = canonical.Event{Feed: f.name, SourceID: id, Service: canonical.DiagnosticTest, Minute: -1, LengthOfStay: -1}
		return emit(reject, t.Get(ob.patient), t.Get(ob.date), "DATE", false)
	})
}

// isOrganisation reports whether an ORGANIZATION is an organisation's id:
// Synthea's UUIDs, or an ODS code where a partner has mapped them.
func isOrganisation(s string) bool { return transforms.IsUUID(s) || transforms.IsODSCode(s) }

func isTest(category string) bool {
	return strings.EqualFold(category, "laboratory") || strings.EqualFold(category, "imaging")
}

// encounterService maps a Synthea ENCOUNTERCLASS (docs/feeds.md, "Synthea
// ENCOUNTERCLASS") to a service; false when the class is not in the table.
func encounterService(class, code, reason string) (canonical.Service, bool) {
	switch class {
	case "emergency", "urgentcare":
		return canonical.AEAttendance, true
	case "inpatient":
		switch {
		case transforms.IsSocialCareCode(code):
			return canonical.SocialCareAssessment, true
		case transforms.IsHospiceCode(code):
			return canonical.CommunityContact, true
		case transforms.IsEmergencyAdmissionCode(code) || transforms.IsEmergencyAdmissionCode(reason):
			return canonical.EmergencyAdmission, true
		}
		return canonical.ElectiveAdmission, true
	case "outpatient", "ambulatory", "virtual":
		return canonical.OutpatientAttendance, true
	case "wellness":
		return canonical.GPAppointment, true
	case "home", "hospice":
		return canonical.CommunityContact, true
	case "snf":
		return canonical.SocialCareAssessment, true
	}
	return canonical.ServiceUnknown, false
}

func diedOn(people transforms.PersonIndex, key string) canonical.Date {
	_, death, _ := people.Person(key)
	return death
}
