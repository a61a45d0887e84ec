package fhir

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/feedtest"
)

// The FHIR side of issue 14: what a FHIR feed passes through to the
// outputs is checked for its shape, objections fail closed, and local
// identifiers are namespaced by feed.

// ndjson joins resources into an NDJSON file.
func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func readFHIR(t *testing.T, name string, files map[string]string, opts transforms.Options) *feedtest.Result {
	t.Helper()
	dir := feedtest.WriteFeed(t, files)
	return feedtest.ReadFeed(t, dir, func(dir string) (transforms.Feed, error) { return Open(name, dir, opts) })
}

func patientJSON(id, nhs, birth, extra string) string {
	return `{"resourceType":"Patient","id":"` + id + `","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + nhs +
		`"}],"gender":"female","birthDate":"` + birth + `"` + extra + `}`
}

func encounterJSON(id, subject, extra string) string {
	return `{"resourceType":"Encounter","id":"` + id + `","status":"finished","class":{"code":"EMER"},` +
		`"subject":{"reference":"` + subject + `"},"period":{"start":"2023-01-05T10:00:00Z"}` + extra + `}`
}

// Finding 2: a provider, GP practice or code that is free text, or someone
// else's NHS number, is rejected as bad_value naming its element, and its
// value is never in a rejection; a search by name is no provider.
func TestPassThroughFieldsAreShapeChecked(t *testing.T) {
	const needleText, needleNHS = "Mrs Jane Smith HD5 8XY", "9434765919"
	ods := func(v string) string {
		return `,"serviceProvider":{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"` + v + `"}}`
	}
	reason := func(system, code string) string {
		return `,"reasonCode":[{"coding":[{"system":"` + system + `","code":"` + code + `"}]}]`
	}
	gp := func(v string) string {
		return `,"generalPractitioner":[{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"` + v + `"}}]`
	}
	r := readFHIR(t, "acute", map[string]string{
		"Patient.ndjson": ndjson(
			patientJSON("p1", "9990000018", "1950-01-01", gp("B86001")),
			patientJSON("p2", "9990000026", "1950-01-01", gp(needleText)),
			patientJSON("p3", "9990000034", "1950-01-01", gp("RR8")), // a trust, not a practice
		),
		"Encounter.ndjson": ndjson(
			encounterJSON("A1", "Patient/p1", ods("RR8")+reason("http://hl7.org/fhir/sid/icd-10", "S52.5")),
			encounterJSON("A2", "Patient/p1", ods(needleText)),
			encounterJSON("A3", "Patient/p1", ods("RR8")+reason("http://snomed.info/sct", needleNHS)),
			encounterJSON("A4", "Patient/p1", ods("RR8")+reason("http://hl7.org/fhir/sid/icd-10", "Jane Smith")),
			encounterJSON("A5", "Patient/p1", `,"serviceProvider":{"reference":"Organization?name=`+needleText+`"}`),
			encounterJSON("A6", "Patient/p1", `,"serviceProvider":{"reference":"Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|`+needleNHS+`"}`),
		),
	}, testOptions())
	if len(r.Persons) != 1 || r.Persons[0].Key != "9990000018" || r.Persons[0].Practice != "B86001" {
		t.Errorf("persons kept: %+v", r.Persons)
	}
	var kept []string
	for _, e := range r.Events {
		kept = append(kept, e.SourceID+" "+e.Provider)
	}
	if !slices.Equal(kept, []string{"Encounter/A1 RR8", "Encounter/A5 "}) {
		t.Errorf("events kept %v, want A1 (RR8) and A5 (no provider)", kept)
	}
	got := map[string]int{}
	for _, j := range r.Quarantine.Rejections() {
		got[string(j.Reason)+" "+j.Field]++
	}
	want := map[string]int{"bad_value generalPractitioner": 2, "bad_value Encounter.serviceProvider": 2,
		"bad_value reasonCode.coding.code": 2}
	if !maps.Equal(got, want) {
		t.Errorf("rejections %v, want %v", got, want)
	}
	if v, leaked := feedtest.Leaks(r.Quarantine, nil, []string{needleText, needleNHS, "Jane Smith"}); leaked {
		t.Errorf("a rejection holds %q", v)
	}
}

// Finding 3: an objection-like record that fails validation but names a
// person is passed on as Invalid (and quarantined), so the opt-out pass
// excludes that person — also when the Patient itself was rejected; a
// record naming nobody is only quarantined.
func TestInvalidObjectionsFailClosed(t *testing.T) {
	obs := func(id, subject, system, code, when string) string {
		s := `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[{"system":"` + system +
			`","code":"` + code + `"}]},"subject":{"reference":"` + subject + `"}`
		if when != "" {
			s += `,"effectiveDateTime":"` + when + `"`
		}
		return s + "}"
	}
	const sct = "http://snomed.info/sct"
	r := readFHIR(t, "gp", map[string]string{
		"Patient.ndjson": ndjson(
			patientJSON("p1", "9990000018", "1950-01-01", ""),
			patientJSON("p2", "9990000026", "1950-02-30", ""), // impossible birth date: rejected, still resolvable
			patientJSON("p3", "9990000034", "1950-01-01", ""),
			patientJSON("p4", "9990000042", "1950-01-01", ""),
			patientJSON("p5", "9990000050", "1950-01-01", ""),
			patientJSON("p6", "9990000017", "1950-01-01", ""), // invalid NHS number: nobody to exclude
		),
		"Observation.ndjson": ndjson(
			obs("o1", "Patient/p1", sct, "827241000000103", "2021-06-01"),         // valid
			obs("o2", "Patient/p2", sct, "827241000000103", "2021-06-01"),         // valid, its Patient rejected
			obs("o3", "Patient/p3", sct, "827241000000103", ""),                   // no date
			obs("o4", "Patient/p4", sct, "827241000000103", "2031-01-01"),         // future
			obs("o5", "Patient/p5", "SNOMED CT", "827241000000103", "2021-06-01"), // misspelt system
			obs("o6", "Patient/p6", sct, "827241000000103", "2021-06-01"),         // no person to exclude
			obs("o7", "Patient/nobody", sct, "827241000000103", "2021-06-01"),     // nor here
		),
		"Condition.ndjson": ndjson( // recorded on 30 February
			`{"resourceType":"Condition","id":"c1","code":{"coding":[{"system":"` + sct +
				`","code":"827241000000103"}]},"subject":{"reference":"Patient/p1"},"recordedDate":"2021-02-30"}`,
		),
	}, testOptions())
	type obj struct {
		key     string
		invalid bool
	}
	var got []obj
	for _, o := range r.Objections {
		got = append(got, obj{o.PersonKey, o.Invalid})
	}
	want := []obj{{"9990000018", false}, {"9990000026", false}, {"9990000034", true}, {"9990000042", true},
		{"9990000050", true}, {"9990000018", true}}
	if !slices.Equal(got, want) {
		t.Errorf("objections\n got %v\nwant %v", got, want)
	}
	reasons := map[string]int{}
	for _, j := range r.Quarantine.Rejections() {
		reasons[string(j.Reason)+" "+j.Field]++
	}
	wantReasons := map[string]int{"bad_date birthDate": 1, "invalid_nhs_number identifier": 1,
		"missing_field effectiveDateTime": 1, "future_date effectiveDateTime": 1, "unknown_code code.coding.system": 1,
		"unknown_person subject": 2, "bad_date recordedDate": 1}
	if !maps.Equal(reasons, wantReasons) {
		t.Errorf("rejections %v, want %v", reasons, wantReasons)
	}
}

// Finding 6: a Patient without an NHS number is keyed by its identifier in
// the feed's person_id system, namespaced by the feed unless that system is
// registered as shared, so two trusts' MRN 123 are two people; a subject
// that names the Patient by that identifier finds the same key.
func TestLocalIdentifiersNamespacedByFeed(t *testing.T) {
	const mrn, shared = "https://trust.example/Id/mrn", "https://example.nhs.uk/Id/scr"
	files := map[string]string{
		"Patient.ndjson": ndjson(
			`{"resourceType":"Patient","id":"p1","identifier":[{"system":"` + mrn + `","value":"123"}],"birthDate":"1950-01-01"}`,
		),
		"Encounter.ndjson": ndjson(
			encounterJSON("A1", "Patient?identifier="+mrn+"|123", ""),
			encounterJSON("A2", "Patient/p1", ""),
		),
	}
	opts := testOptions()
	opts.PersonIDSystem = mrn
	a := readFHIR(t, "trust-a", files, opts)
	b := readFHIR(t, "trust-b", files, opts)
	if len(a.Persons) != 1 || len(b.Persons) != 1 || len(a.Events) != 2 {
		t.Fatalf("read %d and %d persons, %d events", len(a.Persons), len(b.Persons), len(a.Events))
	}
	if a.Persons[0].Key == b.Persons[0].Key {
		t.Errorf("two trusts' MRN 123 share the key %q", a.Persons[0].Key)
	}
	for _, e := range a.Events {
		if e.PersonKey != a.Persons[0].Key {
			t.Errorf("event %s key %q, person key %q", e.SourceID, e.PersonKey, a.Persons[0].Key)
		}
	}
	opts.PersonIDSystem, opts.SharedSystems = shared, []string{shared}
	files["Patient.ndjson"] = strings.ReplaceAll(files["Patient.ndjson"], mrn, shared)
	if c := readFHIR(t, "trust-c", files, opts); len(c.Persons) != 1 || c.Persons[0].Key != shared+"|123" {
		t.Errorf("a shared system's identifier: %+v", c.Persons)
	}
}
