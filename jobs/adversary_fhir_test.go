package jobs_test

// The adversarial suite's FHIR feeds (issue 14 findings 2 and 3, issue 15):
// what a FHIR record passes through — provider, GP practice, codes — is
// free text or another person's NHS number, and GP objections that fail
// validation. No needle may reach any output byte, and every person who
// must be excluded is absent.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/yhcr/carecast/internal/leakcheck"
)

// fhirPatient is one Patient NDJSON line.
func fhirPatient(id, nhs, birth, practice string) string {
	gp := ""
	if practice != "" {
		gp = `,"generalPractitioner":[{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"` + practice + `"}}]`
	}
	return `{"resourceType":"Patient","id":"` + id + `","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"` + nhs +
		`"}],"gender":"male","birthDate":"` + birth + `","address":[{"use":"home","postalCode":"LS1 6BE"}]` + gp + `}`
}

// fhirEncounter is one Encounter NDJSON line: an A&E attendance of the
// Patient with id pid, with extra elements.
func fhirEncounter(id, pid, day, extra string) string {
	return `{"resourceType":"Encounter","id":"` + id + `","status":"finished","class":{"code":"EMER"},"subject":{"reference":"Patient/` + pid +
		`"},"period":{"start":"` + day + `T09:00:00Z"}` + extra + `}`
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

// Finding 2, FHIR: free text where an ODS code or a clinical code belongs,
// a search by name for the provider, and another person's NHS number as a
// SNOMED CT code. None of it may be published; the records carrying it are
// quarantined, the valid ones kept.
func TestAdversaryFHIRFreeTextInPassThroughFields(t *testing.T) {
	a := newAdv(t)
	n := &leakcheck.Needles{}
	const freeText = "Mrs Ysolde Quennell HD5 8XY"
	other := nhsNumber(60) // someone else's NHS number, used as a code
	text(n, leakcheck.Name, freeText, "Ysolde Quennell")
	text(n, leakcheck.NHSNumber, other)
	ods := func(v string) string {
		return `,"serviceProvider":{"identifier":{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"` + v + `"}}`
	}
	var patients, encounters []string
	for i := range 12 {
		nhs := nhsNumber(70 + i)
		text(n, leakcheck.NHSNumber, nhs)
		practice := "B86001"
		if i == 0 {
			practice = freeText
		}
		patients = append(patients, fhirPatient(fmt.Sprint("p", i), nhs, "1970-01-0"+fmt.Sprint(1+i%9), practice))
		for j, day := range []string{"2026-02-03", "2026-05-06", "2026-08-09"} {
			extra := ods("RR8")
			switch (i + j) % 4 {
			case 1:
				extra = ods(freeText)
			case 2:
				extra = `,"serviceProvider":{"reference":"Organization?name=` + freeText + `"}`
			case 3:
				extra += `,"reasonCode":[{"coding":[{"system":"http://snomed.info/sct","code":"` + other + `"}]}]`
			}
			encounters = append(encounters, fhirEncounter(fmt.Sprintf("e%d-%d", i, j), fmt.Sprint("p", i), day, extra))
		}
	}
	a.feed("acute", "fhir", map[string]string{"Patient.ndjson": lines(patients...), "Encounter.ndjson": lines(encounters...)})
	a.cfg.MaxRejectedFraction = 0.9
	r := a.mustRun()
	a.noLeak(r, n)
	a.kept(r, nhsNumber(71), nhsNumber(72))
	db := openRun(t, r.res.RunDir)
	var providers, reasons string
	if err := db.QueryRow(`SELECT string_agg(DISTINCT coalesce(provider, ''), ',' ORDER BY coalesce(provider, '')) FROM activity`).Scan(&providers); err != nil {
		t.Fatal(err)
	}
	if providers != ",RR8" {
		t.Errorf("providers published: %q, want RR8 and none", providers)
	}
	if err := db.QueryRow(`SELECT string_agg(DISTINCT reason || ' ' || field, ',' ORDER BY reason || ' ' || field) FROM quarantine`).Scan(&reasons); err != nil {
		t.Fatal(err)
	}
	if reasons != "bad_value Encounter.serviceProvider,bad_value generalPractitioner,bad_value reasonCode.coding.code,unknown_person subject" {
		t.Errorf("quarantine reasons: %s", reasons)
	}
}

// Finding 3, FHIR: GP Type 1 objections that fail validation — an
// impossible or missing date, a misspelt code system — and a valid one
// for a Patient whose own record is invalid. Each person must be excluded
// from every feed, the acute CSV feed that sends the same NHS numbers
// included; people with valid records and no objection are kept.
func TestAdversaryFHIRObjectionsFailClosed(t *testing.T) {
	a := newAdv(t)
	n := &leakcheck.Needles{}
	obs := func(id, pid, system, when string) string {
		s := `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"coding":[{"system":"` + system +
			`","code":"827241000000103"}]},"subject":{"reference":"Patient/` + pid + `"}`
		if when != "" {
			s += `,"effectiveDateTime":"` + when + `"`
		}
		return s + "}"
	}
	const sct = "http://snomed.info/sct"
	var patients, observations []string
	var csv strings.Builder
	csv.WriteString("record_id,nhs_number,service,provider,event_date\n")
	var excluded, kept []string
	for i := range 10 {
		nhs := nhsNumber(100 + i)
		birth := "1960-03-1" + fmt.Sprint(i)
		if i == 3 {
			birth = "1960-02-30" // the Patient is rejected; its objection must still count
		}
		patients = append(patients, fhirPatient(fmt.Sprint("g", i), nhs, birth, "B86001"))
		fmt.Fprintf(&csv, "A%d,%s,ae_attendance,RR8,2026-04-0%d\n", i, nhs, 1+i%9)
		var o string
		switch i {
		case 0:
			o = obs("o0", "g0", sct, "2021-02-30") // impossible date
		case 1:
			o = obs("o1", "g1", sct, "") // no date
		case 2:
			o = obs("o2", "g2", "SNOMED CT", "2021-06-01") // misspelt system
		case 3:
			o = obs("o3", "g3", sct, "2021-06-01") // valid, its Patient invalid
		case 4:
			o = obs("o4", "g4", sct, "2031-06-01") // future
		}
		if o != "" {
			observations = append(observations, o)
			excluded = append(excluded, nhs)
			text(n, leakcheck.NHSNumber, nhs)
		} else {
			kept = append(kept, nhs)
		}
	}
	a.feed("gp", "fhir", map[string]string{"Patient.ndjson": lines(patients...), "Observation.ndjson": lines(observations...)})
	a.feed("acute", "csv", map[string]string{"activity.csv": csv.String(), "persons.csv": csvPersons(excluded, kept)})
	a.cfg.MaxRejectedFraction = 0.9
	r := a.mustRun()
	a.excluded(n, excluded...)
	a.noLeak(r, n)
	a.kept(r, kept...)
}

// csvPersons is a canonical persons.csv of people born in 1960.
func csvPersons(groups ...[]string) string {
	var b strings.Builder
	b.WriteString("nhs_number,date_of_birth,sex,postcode\n")
	for _, g := range groups {
		for _, nhs := range g {
			fmt.Fprintf(&b, "%s,1960-03-10,1,LS1 6BE\n", nhs)
		}
	}
	return b.String()
}
