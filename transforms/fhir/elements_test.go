package fhir

import (
	"testing"

	"github.com/yhcr/carecast/canonical"
)

// What a Patient's elements become: the LSOA of either census (2021 when
// both are given), the postcode's LSOA when there is neither, the UK Core
// NHS number verification status (kept, and counted when not verified), a
// death without a date, the registered practice by reference.
func TestPatientElements(t *testing.T) {
	ext := func(url, kind, v string) string {
		return `{"url":"https://carecast.nhs.uk/fhir/StructureDefinition/` + url + `","value` + kind + `":"` + v + `"}`
	}
	status := func(code string) string {
		return `,"extension":[{"url":"` + nhsVerificationExtension + `","valueCodeableConcept":{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland","code":"` + code + `"}]}}]`
	}
	pat := func(nhs, idExt, extra string) string {
		return `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + nhs + `"` + idExt +
			`}],"birthDate":"1950-01-01"` + extra + `}`
	}
	tests := []struct {
		name       string
		patient    string
		lsoa, gp   string
		died       canonical.Date
		unverified bool
	}{
		{name: "LSOA 2011", patient: pat("9990000018", "", `,"address":[{"extension":[`+ext("lsoa11", "String", "E01011229")+`]}]`), lsoa: "E01011229"},
		{name: "LSOA 2021, as a code", patient: pat("9990000018", "", `,"address":[{"extension":[`+ext("lsoa21", "Code", "E01035000")+`]}]`), lsoa: "E01035000"},
		{name: "both: 2021 wins", patient: pat("9990000018", "", `,"address":[{"extension":[`+ext("lsoa11", "String", "E01011229")+`,`+ext("lsoa21", "String", "E01035000")+`]}]`), lsoa: "E01035000"},
		{name: "the current home address", patient: pat("9990000018", "", `,"address":[{"use":"home","period":{"end":"2010-01-01"},"extension":[`+ext("lsoa11", "String", "E01000001")+`]},{"use":"home","extension":[`+ext("lsoa11", "String", "E01011229")+`]}]`), lsoa: "E01011229"},
		{name: "a postcode only", patient: pat("9990000018", "", `,"address":[{"postalCode":"hd1 2qx"}]`), lsoa: "E01011107"},
		{name: "verified", patient: pat("9990000018", status("01"), "")},
		{name: "trace required", patient: pat("9990000018", status("03"), ""), unverified: true},
		{name: "dead, the date unknown", patient: pat("9990000018", "", `,"deceasedBoolean":true`)},
		{name: "dead", patient: pat("9990000018", "", `,"deceasedDateTime":"2020-05-06T10:00:00+01:00"`), died: canonical.MakeDate(2020, 5, 6)},
		{name: "practice by a contained Organization", patient: pat("9990000018", "", `,"generalPractitioner":[{"reference":"#gp"}],"contained":[{"resourceType":"Organization","id":"gp","identifier":[{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"B86001"}]}]`), gp: "B86001"},
		{name: "practice by a conditional reference", patient: pat("9990000018", "", `,"generalPractitioner":[{"reference":"Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|B86002"}]`), gp: "B86002"},
		{name: "a Practitioner is not a practice", patient: pat("9990000018", "", `,"generalPractitioner":[{"reference":"Practitioner/dr-1"},{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"B86003"}}]`), gp: "B86003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := testOptions()
			opts.PostcodeLookup = map[string]string{"HD12QX": "E01011107"}
			r := readFHIR(t, "gp", map[string]string{"Patient.ndjson": ndjson(tt.patient)}, opts)
			if len(r.Persons) != 1 {
				t.Fatalf("persons %+v, rejections %+v", r.Persons, r.Quarantine.Rejections())
			}
			p := r.Persons[0]
			died := tt.died
			if died == 0 {
				died = canonical.NoDate
			}
			if p.LSOA != tt.lsoa || p.Practice != tt.gp || p.DeathDate != died {
				t.Errorf("LSOA %q practice %q died %s; want %q, %q, %s", p.LSOA, p.Practice, p.DeathDate, tt.lsoa, tt.gp, died)
			}
			unverified := false
			for _, u := range r.Quarantine.UnmappedCounts() {
				unverified = unverified || u.Field == unmappedNHSStatus
			}
			if unverified != tt.unverified {
				t.Errorf("counted as unverified: %v", unverified)
			}
		})
	}
}

// What an Encounter's elements make of it: the UK Core admission method
// decides between emergency and elective; an Encounter that did not happen
// is skipped and counted, never rejected.
func TestEncounterElements(t *testing.T) {
	method := func(code string) string {
		return `,"hospitalization":{"extension":[{"url":"` + admissionMethodExtension + `","valueCodeableConcept":{"coding":[{"system":"https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland","code":"` + code + `"}]}}]}`
	}
	enc := func(class, status, extra string) string {
		return `{"resourceType":"Encounter","id":"e","status":"` + status + `","class":{"code":"` + class +
			`"},"subject":{"reference":"Patient/p1"},"period":{"start":"2023-01-05T10:00:00Z","end":"2023-01-07T10:00:00Z"}` + extra + `}`
	}
	tests := []struct {
		name    string
		line    string
		service canonical.Service
		skipped string
	}{
		{"emergency admission method", enc("IMP", "finished", method("21")), canonical.EmergencyAdmission, ""},
		{"elective admission method, emergency priority", enc("IMP", "finished", method("11")+`,"priority":{"coding":[{"system":"`+prioritySystem+`","code":"EM"}]}`), canonical.ElectiveAdmission, ""},
		{"emergency priority", enc("IMP", "finished", `,"priority":{"coding":[{"system":"`+prioritySystem+`","code":"EM"}]}`), canonical.EmergencyAdmission, ""},
		{"unknown class", enc("XYZ", "finished", ""), canonical.ServiceUnknown, ""},
		{"cancelled", enc("EMER", "cancelled", ""), 0, ignoredStatus},
		{"planned", enc("AMB", "planned", ""), 0, ignoredStatus},
		{"entered in error", enc("EMER", "entered-in-error", ""), 0, ignoredStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readFHIR(t, "acute", map[string]string{
				"Patient.ndjson":   ndjson(patientJSON("p1", "9990000018", "1950-01-01", "")),
				"Encounter.ndjson": ndjson(tt.line),
			}, testOptions())
			if len(r.Quarantine.Rejections()) > 0 {
				t.Fatalf("rejected: %+v", r.Quarantine.Rejections())
			}
			if tt.skipped != "" {
				ig := r.Quarantine.IgnoredCounts()
				if len(r.Events) != 0 || len(ig) != 1 || ig[0].Reason != tt.skipped || ig[0].Kind != "Encounter" {
					t.Errorf("events %+v, skipped %+v", r.Events, ig)
				}
				return
			}
			if len(r.Events) != 1 || r.Events[0].Service != tt.service {
				t.Fatalf("events %+v, want one %s", r.Events, tt.service)
			}
			if s := r.Events[0].Service; (s == canonical.EmergencyAdmission || s == canonical.ElectiveAdmission) && r.Events[0].LengthOfStay != 2 {
				t.Errorf("length of stay %d, want 2", r.Events[0].LengthOfStay)
			}
		})
	}
}
