package fhir

import (
	"context"
	"fmt"
	"strings"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

var _ transforms.Feed = (*Feed)(nil)

// Events reads Encounters and the diagnostic tests among Procedures,
// DiagnosticReports and Observations, checking each against people. The
// *canonical.Event passed to fn is reused.
func (f *Feed) Events(ctx context.Context, q *transforms.Quarantine, people transforms.PersonIndex, fn func(*canonical.Event) error) error {
	if err := f.loadPatients(ctx); err != nil {
		return err
	}
	if err := f.loadOrganizations(ctx); err != nil {
		return err
	}
	seen := transforms.NewIDSet()
	panels := transforms.NewIDSet() // encounter|category of tests already counted
	var ev canonical.Event
	return f.scan(ctx, []string{"Encounter", "Procedure", "DiagnosticReport", "Observation"}, func(e *entry) error {
		switch {
		case e.kind == "Patient" || e.kind == "Organization":
			return nil
		case e.bad != "":
			if f.brokenObjection(e) {
				return nil // reported by the objections pass
			}
			q.Read(f.name, transforms.EntityEvent)
			f.reject(q, e, transforms.EntityEvent, e.bad, "", "")
			return nil
		}
		ev = canonical.Event{Feed: f.name, SourceID: e.res.ID, Minute: -1, LengthOfStay: -1}
		var when string
		res := &e.res
		switch e.kind {
		case "Encounter":
			when = startOf(res.Period)
			ev.Provider = f.provider(res.ServiceProvider)
			var known bool
			if ev.Service, known = encounterService(res, ev.Provider); !known {
				q.Unmapped(f.name, transforms.EntityEvent, "Encounter.class")
			}
			for i := range res.ReasonCode {
				if ev.CodeSystem, ev.Code = res.ReasonCode[i].first(); ev.Code != "" {
					break
				}
			}
		case "Procedure":
			if !res.Code.hasCode(transforms.IsDiagnosticTestCode) {
				return nil // part of its encounter, not an activity of its own
			}
			ev.Service = canonical.DiagnosticTest
			ev.CodeSystem, ev.Code = res.Code.first()
			when = cmpOr(res.PerformedDateTime, startOf(res.PerformedPeriod))
		case "DiagnosticReport", "Observation":
			if _, _, objection := f.type1Code(res.Code); objection {
				return nil // read by the objections pass
			}
			cat := testCategory(res.Category)
			if cat == "" {
				return nil // vital signs, surveys, social history: not tests
			}
			if res.Encounter != nil && res.Encounter.Reference != "" {
				// The results of one panel, or a report and its results,
				// are one test.
				if !panels.Add(refID(res.Encounter.Reference) + "|" + cat) {
					return nil
				}
			}
			ev.Service = canonical.DiagnosticTest
			ev.CodeSystem, ev.Code = res.Code.first()
			for _, p := range res.Performer {
				if ev.Provider = f.provider(&p); ev.Provider != "" {
					break
				}
			}
			when = cmpOr(res.EffectiveDateTime, startOf(res.EffectivePeriod))
		default:
			return nil
		}
		ev.Setting = ev.Service.DefaultSetting()
		if ev.Service == canonical.GPAppointment {
			ev.Setting = canonical.GP
		}
		q.Read(f.name, transforms.EntityEvent)
		key, r := f.subjectKey(res.Subject)
		if r != "" {
			f.reject(q, e, transforms.EntityEvent, r, "subject", "")
			return nil
		}
		ev.PersonKey = key
		field := "period.start"
		if ev.Date, ev.Minute, r = f.opts.CheckDateTime(when); r == "" {
			field = "subject"
			r = transforms.CheckEventPerson(people, key, ev.Date)
			if r == transforms.DateAfterDeath && e.kind == "Encounter" && hasTypeCode(res, transforms.IsAfterDeathCode) {
				r = ""
			}
			if r == transforms.DateBeforeBirth || r == transforms.DateAfterDeath {
				field = "period.start"
			}
		}
		if r == "" && (ev.Service == canonical.EmergencyAdmission || ev.Service == canonical.ElectiveAdmission) {
			ev.LengthOfStay, r = f.stay(ev.Date, res.Period)
			field = "period.end"
		}
		if r == "" && ev.SourceID == "" {
			r, field = transforms.MissingField, "id"
		}
		if r == "" && !seen.Add(ev.SourceID) {
			r, field = transforms.DuplicateRecord, "id"
		}
		if r != "" {
			f.reject(q, e, transforms.EntityEvent, r, field, key)
			return nil
		}
		if err := fn(&ev); err != nil {
			return fmt.Errorf("%s record %d: %w", e.file, e.index, err)
		}
		return nil
	})
}

// stay returns the length of stay in days of an admission starting on
// start, from the period's end; -1 when the patient has not left.
func (f *Feed) stay(start canonical.Date, p *period) (int32, transforms.Reason) {
	if p == nil || p.End == "" {
		return -1, ""
	}
	end, _, r := f.opts.CheckDateTime(p.End)
	if r == transforms.FutureDate {
		return -1, "" // still in hospital on the business date
	}
	if r != "" {
		return -1, r
	}
	if end < start {
		return -1, transforms.BadValue
	}
	return int32(end - start), ""
}

// provider returns the provider an organisation reference names: an ODS
// identifier, else the ODS code of the Organization it names, else that
// Organization's own id (Synthea's organisations have no ODS codes). A
// reference to anything else names no provider: a performer may be the
// patient, and a patient's reference holds the patient's id or NHS number.
func (f *Feed) provider(ref *reference) string {
	if ref == nil {
		return ""
	}
	if id := ref.Identifier; id != nil && id.Value != "" {
		if id.System == ODSSystem {
			return id.Value
		}
		return ""
	}
	id := refID(ref.Reference)
	if ods, ok := f.orgs[id]; ok {
		return ods
	}
	if refType(ref.Reference) != "Organization" {
		return ""
	}
	return id
}

// refType returns the resource type a reference names — "Patient/123",
// "https://host/fhir/Patient/123" and "Patient?identifier=…" are "Patient"
// —, or "" when it names none (as "urn:uuid:…").
func refType(ref string) string {
	if i := strings.IndexByte(ref, '?'); i >= 0 {
		ref = ref[:i]
	} else if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[:i]
	} else {
		return ""
	}
	return ref[strings.LastIndexByte(ref, '/')+1:]
}

// testCategory returns "laboratory" or "imaging" when an Observation or
// DiagnosticReport category names one, else "".
func testCategory(cats []concept) string {
	for _, c := range cats {
		for _, cd := range c.Coding {
			switch {
			case cd.System == obsCatSystem && cd.Code == "laboratory",
				cd.System == v20074System && (cd.Code == "LAB" || cd.Code == "HM" || cd.Code == "CH" || cd.Code == "MB"):
				return "laboratory"
			case cd.System == obsCatSystem && cd.Code == "imaging",
				cd.System == v20074System && (cd.Code == "RAD" || cd.Code == "CT" || cd.Code == "RUS" || cd.Code == "NMR"):
				return "imaging"
			}
		}
	}
	return ""
}

// encounterService maps an Encounter to its service (docs/feeds.md, "FHIR
// Encounter.class"); false when the class is not in the table.
func encounterService(res *resource, provider string) (canonical.Service, bool) {
	class := ""
	if res.Class != nil {
		class = res.Class.Code
	}
	has := func(is func(string) bool) bool { return hasTypeCode(res, is) }
	gp := transforms.IsGPPractice(provider) || has(transforms.IsPrimaryCareCode)
	switch class {
	case "EMER":
		return canonical.AEAttendance, true
	case "IMP", "ACUTE", "NONAC":
		switch {
		case has(transforms.IsSocialCareCode):
			return canonical.SocialCareAssessment, true
		case has(transforms.IsHospiceCode):
			return canonical.CommunityContact, true
		case emergency(res) || has(transforms.IsEmergencyAdmissionCode):
			return canonical.EmergencyAdmission, true
		}
		return canonical.ElectiveAdmission, true
	case "AMB":
		switch {
		case has(transforms.IsUrgentCareCode):
			return canonical.AEAttendance, true
		case gp:
			return canonical.GPAppointment, true
		}
		return canonical.OutpatientAttendance, true
	case "VR":
		if gp {
			return canonical.GPAppointment, true
		}
		return canonical.OutpatientAttendance, true
	case "HH", "FLD":
		if has(transforms.IsSocialCareCode) {
			return canonical.SocialCareAssessment, true
		}
		return canonical.CommunityContact, true
	}
	return canonical.ServiceUnknown, false
}

// emergency reports whether an admission came through an emergency route:
// admitted from the emergency department, or with emergency priority.
func emergency(res *resource) bool {
	if h := res.Hospitalization; h != nil && h.AdmitSource != nil {
		for _, cd := range h.AdmitSource.Coding {
			if cd.Code == "emd" {
				return true
			}
		}
	}
	if res.Priority != nil {
		for _, cd := range res.Priority.Coding {
			if cd.System == prioritySystem && (cd.Code == "EM" || cd.Code == "UR") {
				return true
			}
		}
	}
	return false
}

// hasTypeCode reports whether an Encounter's type or serviceType has a code
// for which is returns true.
func hasTypeCode(res *resource, is func(string) bool) bool {
	for i := range res.Type {
		if res.Type[i].hasCode(is) {
			return true
		}
	}
	return res.ServiceType.hasCode(is)
}
