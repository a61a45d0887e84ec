package fhir

import (
	"context"
	"fmt"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

var _ transforms.Feed = (*Feed)(nil)

// Why a resource of a type carecast reads is not activity: counted per
// feed and resource type (transforms.Quarantine.Ignore), never dropped
// unseen.
const (
	ignoredType       = "resource type not read"
	ignoredStatus     = "status: not activity (planned, cancelled, not done or entered in error)"
	ignoredProcedure  = "procedure that is not a diagnostic test: part of its encounter"
	ignoredCategory   = "not a laboratory or imaging test"
	ignoredPanel      = "result of a test already counted (same encounter and category)"
	ignoredMalformed  = "malformed resource of a type not read as activity"
	ignoredNoType1    = "not a Type 1 objection code"
	unmappedClass     = "Encounter.class"
	unmappedNHSStatus = "Patient.identifier (NHS number not verified)"
	unmappedProvider  = " (an organisation without an ODS code)"
)

// eventOut is what decoding a resource gives the events pass.
type eventOut struct {
	file   int
	index  int64
	kind   string
	reason transforms.Reason
	field  string
	key    string
	ev     canonical.Event
	// panel is "<encounter>|<category>" for a test with an encounter: the
	// results of one panel, or a report and its results, are one test.
	panel      string
	afterDeath bool      // an Encounter that follows a death by nature
	stayEnd    []byte    // period.end of an admission, kept
	unmapped   [2]string // the elements whose codes are unmapped
	// ignored, when set, counts n resources that are not activity.
	ignored string
	n       int64
}

// wantsEvent reports whether the events pass reads a resource type: the
// activity types, and Conditions and Flags, to count those that are not
// objections.
func wantsEvent(kind string) bool {
	switch kind {
	case "Encounter", "Procedure", "DiagnosticReport", "Observation", "Condition", "Flag":
		return true
	}
	return false
}

// Events reads Encounters and the diagnostic tests among Procedures,
// DiagnosticReports and Observations, checking each against people, and
// counts the resources of types it does not read. The *canonical.Event
// passed to fn is reused.
func (f *Feed) Events(ctx context.Context, q *transforms.Quarantine, people transforms.PersonIndex, fn func(*canonical.Event) error) error {
	if err := f.loadPatients(ctx); err != nil {
		return err
	}
	consume := f.eventConsumer(q, people, fn)
	return scan(ctx, f, &pass[eventOut]{
		wants: wantsEvent,
		ignored: func(kind string, n int64) eventOut {
			return eventOut{kind: kind, ignored: ignoredType, n: n}
		},
		decode: func(d *decoder, r *resource, out *[]eventOut) {
			o := eventOut{file: r.file, index: r.index, kind: r.kind}
			if f.event(d, r, &o) {
				*out = append(*out, o)
			}
		},
		consume: func(out []eventOut) error {
			// Reads are counted once a unit: the quarantine takes a lock.
			read := int64(0)
			defer func() { q.ReadN(f.name, transforms.EntityEvent, read) }()
			for i := range out {
				if err := consume(&out[i], &read); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// eventConsumer returns the events pass's consume of one outcome: the
// checks that need the pass's state, in the order of the input.
func (f *Feed) eventConsumer(q *transforms.Quarantine, people transforms.PersonIndex, fn func(*canonical.Event) error) func(o *eventOut, read *int64) error {
	seen := transforms.NewIDSet()
	panels := transforms.NewIDSet()
	return func(o *eventOut, read *int64) error {
		if o.ignored != "" {
			q.Ignore(f.name, o.kind, o.ignored, o.n)
			return nil
		}
		if o.panel != "" && o.reason == "" && !panels.Add(o.panel) {
			q.Ignore(f.name, o.kind, ignoredPanel, 1)
			return nil
		}
		*read++
		if o.reason == "" {
			o.reason, o.field = f.checkEvent(people, o)
		}
		if o.reason == "" && !seen.Add(o.ev.SourceID) {
			o.reason, o.field = transforms.DuplicateRecord, "id"
		}
		if o.reason != "" {
			f.reject(q, o.file, o.index, transforms.EntityEvent, o.reason, o.field, o.key)
			return nil
		}
		for _, u := range o.unmapped {
			if u != "" {
				q.Unmapped(f.name, transforms.EntityEvent, u)
			}
		}
		if err := fn(&o.ev); err != nil {
			return fmt.Errorf("%s record %d: %w", f.files[o.file].path, o.index, err)
		}
		return nil
	}
}

// checkEvent checks an event against its person's life and works out an
// admission's length of stay.
func (f *Feed) checkEvent(people transforms.PersonIndex, o *eventOut) (transforms.Reason, string) {
	e := &o.ev
	r := transforms.CheckEventPerson(people, e.PersonKey, e.Date)
	switch {
	case r == transforms.DateAfterDeath && o.afterDeath:
		r = ""
	case r == transforms.UnknownPerson:
		return r, "subject"
	case r != "":
		return r, dateField(o.kind)
	}
	if e.Service == canonical.EmergencyAdmission || e.Service == canonical.ElectiveAdmission {
		if e.LengthOfStay, r = f.stay(e.Date, o.stayEnd); r != "" {
			return r, "period.end"
		}
	}
	return "", ""
}

// dateField names the element an event of each type is dated by.
func dateField(kind string) string {
	switch kind {
	case "Encounter":
		return "period.start"
	case "Procedure":
		return "performedDateTime"
	}
	return "effectiveDateTime"
}

// event maps a resource to o; false when the events pass has nothing to
// say about it (it belongs to another pass).
func (f *Feed) event(d *decoder, r *resource, o *eventOut) bool {
	if r.bad != "" {
		switch {
		case r.kind == "Patient" || f.brokenObjection(r.kind, r.data):
			return false // the persons or objections pass reports it
		case r.kind != "" && !isActivity(r.kind):
			o.ignored, o.n = ignoredMalformed, 1
			return true
		}
		o.reason = r.bad
		return true
	}
	o.ev = canonical.Event{Feed: f.name, Minute: -1, LengthOfStay: -1}
	var (
		id, when []byte
		subject  reference
		bad      transforms.Reason
	)
	switch r.kind {
	case "Encounter":
		var e encounter
		if bad, o.field = d.encounter(r.data, &e); bad != "" {
			break
		}
		if ignoredEncounterStatus(view(e.status)) {
			o.ignored, o.n = ignoredStatus, 1
			return true
		}
		id, when, subject = e.id, e.start, e.subject
		var ok bool
		if o.ev.Provider, ok = f.provider(d, &e.serviceProvider, "Encounter.serviceProvider", o); !ok {
			return true
		}
		var known bool
		if o.ev.Service, known = encounterService(&e, o.ev.Provider); !known {
			o.unmapped[0] = unmappedClass
		}
		if !o.code(d, &e.reason, "reasonCode") {
			return true
		}
		o.afterDeath = e.kinds&transforms.AfterDeathCode != 0
		if o.ev.Service == canonical.EmergencyAdmission || o.ev.Service == canonical.ElectiveAdmission {
			o.stayEnd = d.keepBytes(e.end)
		}
	case "Procedure":
		var p procedure
		if bad, o.field = d.procedure(r.data, &p); bad != "" {
			break
		}
		switch {
		case string(p.status) == "not-done" || string(p.status) == "entered-in-error":
			o.ignored, o.n = ignoredStatus, 1
			return true
		case p.code.kinds&transforms.DiagnosticTestCode == 0:
			o.ignored, o.n = ignoredProcedure, 1
			return true
		}
		id, when, subject = p.id, p.performed, p.subject
		o.ev.Service = canonical.DiagnosticTest
		var ok bool
		if !o.code(d, &p.code, "code") {
			return true
		}
		if o.ev.Provider, ok = f.provider(d, &p.performer, "Procedure.performer", o); !ok {
			return true
		}
	case "DiagnosticReport", "Observation":
		var t test
		if bad, o.field = d.test(r.data, r.kind, &f.opts, &t); bad != "" {
			break
		}
		switch {
		case t.type1.found():
			return false // read by the objections pass
		case string(t.status) == "cancelled" || string(t.status) == "entered-in-error":
			o.ignored, o.n = ignoredStatus, 1
			return true
		case t.category == "" || t.document:
			o.ignored, o.n = ignoredCategory, 1
			return true
		}
		id, when, subject = t.id, t.effective, t.subject
		if when == nil {
			when = t.issued
		}
		if e := t.encounter.ref; len(e) > 0 {
			o.panel = d.keepJoin(view(e), "|", t.category)
		}
		o.ev.Service = canonical.DiagnosticTest
		var ok bool
		if !o.code(d, &t.code, "code") {
			return true
		}
		if o.ev.Provider, ok = f.provider(d, &t.performer, r.kind+".performer", o); !ok {
			return true
		}
	case "Condition", "Flag":
		var e entry
		if bad, o.field = d.codedEntry(r.data, r.kind, &f.opts, &e); bad != "" || e.type1.found() {
			return false // the objections pass reads it, or reports it
		}
		o.ignored, o.n = ignoredNoType1, 1
		return true
	default:
		return false
	}
	if bad != "" {
		if r.kind == "Observation" && f.brokenObjection(r.kind, r.data) {
			return false
		}
		o.reason = bad
		return true
	}
	o.ev.Setting = o.ev.Service.DefaultSetting()
	if o.key, o.reason = f.subjectKey(d, &subject); o.reason != "" {
		o.field = "subject"
		return true
	}
	o.ev.PersonKey = o.key
	if o.ev.Date, o.ev.Minute, o.reason = f.opts.CheckDateTime(view(when)); o.reason != "" {
		o.field = dateField(r.kind)
		return true
	}
	if len(id) == 0 {
		o.reason, o.field = transforms.MissingField, "id"
		return true
	}
	// Ids are unique within a resource type: an Encounter and a
	// Procedure may share one.
	o.ev.SourceID = d.keepJoin(r.kind, "/", view(id))
	return true
}

// provider returns the code of an event's provider, kept (see
// organisation); a reference to an organisation without one is counted as
// unmapped. false rejects the event: an ODS identifier that is not an ODS
// code may be free text.
func (f *Feed) provider(d *decoder, r *reference, field string, o *eventOut) (string, bool) {
	code, bad := f.organisation(d, r)
	if bad != "" {
		o.reason, o.field = bad, field
		return "", false
	}
	if code == "" && (len(r.ref) > 0 || len(r.value) > 0) {
		o.unmapped[1] = providerFields[field]
	}
	return d.keepJoin(code, "", ""), true
}

// code sets the event's code from c, kept; false rejects the event when the
// code does not have its system's shape.
func (o *eventOut) code(d *decoder, c *code, field string) bool {
	if bad := c.check(); bad != "" {
		o.reason, o.field = bad, field+".coding.code"
		return false
	}
	o.ev.CodeSystem, o.ev.Code = c.name(), d.keep(c.code)
	return true
}

// providerFields are the unmapped-count labels of the provider elements,
// made once.
var providerFields = map[string]string{}

func init() {
	for _, f := range []string{"Encounter.serviceProvider", "Procedure.performer", "DiagnosticReport.performer", "Observation.performer"} {
		providerFields[f] = f + unmappedProvider
	}
}

// isActivity reports whether resources of a type may be activity.
func isActivity(kind string) bool {
	switch kind {
	case "Encounter", "Procedure", "DiagnosticReport", "Observation":
		return true
	}
	return false
}

// ignoredEncounterStatus reports whether an Encounter's status says it did
// not happen: planned, cancelled, or entered in error.
func ignoredEncounterStatus(s string) bool {
	return s == "planned" || s == "cancelled" || s == "entered-in-error"
}

// stay returns the length of stay in days of an admission starting on
// start, from the period's end; -1 when the patient has not left.
func (f *Feed) stay(start canonical.Date, end []byte) (int32, transforms.Reason) {
	if len(end) == 0 {
		return -1, ""
	}
	e, _, r := f.opts.CheckDateTime(view(end))
	if r == transforms.FutureDate {
		return -1, "" // still in hospital on the business date
	}
	if r != "" {
		return -1, r
	}
	if e < start {
		return -1, transforms.BadValue
	}
	return int32(e - start), ""
}

// encounterService maps an Encounter to its service (docs/feeds.md, "FHIR
// Encounter.class"); false when the class is not in the table.
func encounterService(e *encounter, provider string) (canonical.Service, bool) {
	has := func(k transforms.CodeKind) bool { return e.kinds&k != 0 }
	gp := transforms.IsGPPractice(provider) || has(transforms.PrimaryCareCode)
	switch string(e.class) {
	case "EMER":
		return canonical.AEAttendance, true
	case "IMP", "ACUTE", "NONAC":
		switch {
		case has(transforms.SocialCareCode):
			return canonical.SocialCareAssessment, true
		case has(transforms.HospiceCode):
			return canonical.CommunityContact, true
		case e.admission == '2':
			return canonical.EmergencyAdmission, true
		case e.admission == '1':
			return canonical.ElectiveAdmission, true
		case e.emergency || has(transforms.EmergencyAdmissionCode):
			return canonical.EmergencyAdmission, true
		}
		return canonical.ElectiveAdmission, true
	case "AMB":
		switch {
		case has(transforms.UrgentCareCode):
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
		if has(transforms.SocialCareCode) {
			return canonical.SocialCareAssessment, true
		}
		return canonical.CommunityContact, true
	}
	return canonical.ServiceUnknown, false
}
