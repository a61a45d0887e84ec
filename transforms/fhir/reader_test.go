package fhir

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/feedtest"
)

const syntheaSystem = "https://github.com/synthetichealth/synthea"

func testOptions() transforms.Options {
	return transforms.Options{Today: canonical.MakeDate(2024, 1, 1), PersonIDSystem: syntheaSystem}
}

func TestGolden(t *testing.T) {
	for _, dir := range []string{"bulk2", "bundles"} {
		t.Run(dir, func(t *testing.T) {
			f, err := Open("synthea-fhir", filepath.Join("testdata", dir), testOptions())
			if err != nil {
				t.Fatal(err)
			}
			r, err := feedtest.Read(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			feedtest.Golden(t, filepath.Join("testdata", dir+".golden"), r.String())
		})
	}
}

// The Bundle holds the first patient's resources from the bulk fixture:
// read either way, that patient's events must agree.
func TestBundleAgreesWithBulk(t *testing.T) {
	read := func(dir string) map[string]int {
		f, err := Open("f", filepath.Join("testdata", dir), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		r, err := feedtest.Read(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, e := range r.Events {
			if e.PersonKey == "f|"+syntheaSystem+"|3af3708d-41f1-cd80-f3dd-ec5ac76072bf" {
				n[e.Service.String()]++
			}
		}
		return n
	}
	bulk, bundle := read("bulk2"), read("bundles")
	if len(bulk) == 0 {
		t.Fatal("no events for the patient")
	}
	for s, n := range bulk {
		if bundle[s] != n {
			t.Errorf("%s: bundle %d, bulk %d", s, bundle[s], n)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		d := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(d), 0o755)
		if err := os.WriteFile(d, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(d)
	}
	tests := []struct {
		name string
		dir  string
		want error
	}{
		{"missing", filepath.Join(dir, "nope"), os.ErrNotExist},
		{"empty", write("empty/README", "x"), transforms.ErrNotFeed},
		{"csv as ndjson", write("csv/Patient.ndjson", "id,name\n1,x\n"), transforms.ErrNotFeed},
		{"garbage gz", write("gz/Patient.ndjson.gz", "not gzip"), transforms.ErrNotFeed},
		{"array bundle", write("arr/b.json", "[1,2]"), transforms.ErrNotFeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open("f", tt.dir, testOptions())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	// A JSON object that is not a FHIR resource is found when read.
	f, err := Open("f", write("obs/o.json", `{"id":"1","status":"final"}`), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	err = f.Persons(context.Background(), transforms.NewQuarantine(nil), func(*canonical.Person) error { return nil })
	if !errors.Is(err, transforms.ErrNotFeed) || !strings.Contains(err.Error(), "o.json") {
		t.Errorf("got %v, want ErrNotFeed naming o.json", err)
	}
}

// Every defect the generator makes is read back as its named reason, and
// no rejection names a value.
func TestDefects(t *testing.T) {
	const nhs = "9434765919"
	person := canonical.Person{Key: nhs, HasNHSNumber: true, BirthDate: canonical.MakeDate(1950, 3, 1),
		DeathDate: canonical.NoDate, Sex: canonical.Female, Name: "Olwen Marchbanks", Postcode: "LS1 4AP",
		LSOA: "E01033010", Phone: "0113 496 0000", Address: "1 Quarry Hill", Practice: "B86001"}
	event := canonical.Event{SourceID: "enc-1", PersonKey: nhs, Date: canonical.MakeDate(2023, 5, 4), Minute: 600,
		Service: canonical.EmergencyAdmission, Provider: "RR8", CodeSystem: "ICD-10", Code: "J18.9", LengthOfStay: 3}
	tests := []struct {
		d      transforms.Defect
		entity string
		want   transforms.Reason
	}{
		{transforms.Truncated, transforms.EntityEvent, transforms.MalformedRecord},
		{transforms.BadEncoding, transforms.EntityEvent, transforms.InvalidUTF8},
		{transforms.ImpossibleDate, transforms.EntityEvent, transforms.BadDate},
		{transforms.Truncated, transforms.EntityPerson, transforms.MalformedRecord},
		{transforms.BadEncoding, transforms.EntityPerson, transforms.InvalidUTF8},
		{transforms.ImpossibleDate, transforms.EntityPerson, transforms.BadDate},
		{transforms.Truncated, transforms.EntityObjection, transforms.MalformedRecord},
		{transforms.BadEncoding, transforms.EntityObjection, transforms.InvalidUTF8},
		{transforms.ImpossibleDate, transforms.EntityObjection, transforms.BadDate},
	}
	for _, tt := range tests {
		t.Run(tt.entity+"/"+string(tt.want), func(t *testing.T) {
			dir := t.TempDir()
			w, err := NewWriter(dir)
			if err != nil {
				t.Fatal(err)
			}
			pd, ed, od := transforms.NoDefect, transforms.NoDefect, transforms.NoDefect
			switch tt.entity {
			case transforms.EntityPerson:
				pd = tt.d
			case transforms.EntityEvent:
				ed = tt.d
			default:
				od = tt.d
			}
			w.Person(&person, pd)
			w.Event(&event, ed)
			w.Objection(&canonical.Objection{PersonKey: nhs, Date: canonical.MakeDate(2020, 1, 2), System: "SNOMED", Code: "827241000000103"}, od)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := Open("acute", dir, testOptions())
			if err != nil {
				t.Fatal(err)
			}
			r, err := feedtest.Read(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			rej := r.Quarantine.Rejections()
			if len(rej) == 0 || rej[0].Entity != tt.entity || rej[0].Reason != tt.want {
				t.Fatalf("rejections %+v, want first %s %s", rej, tt.entity, tt.want)
			}
			values := []string{nhs, person.Name, "Marchbanks", person.Postcode, person.Phone, person.Address,
				"1950-03-01", "1950-02-30", "2023-05-04", "J18.9", "E01033010"}
			if v, leaked := feedtest.Leaks(r.Quarantine, nil, values); leaked {
				t.Errorf("a rejection holds the value %q", v)
			}
		})
	}
}

// fuzzFeed reads files as a FHIR feed (see feedtest.FuzzRead).
func fuzzFeed(t *testing.T, files map[string][]byte) {
	feedtest.FuzzRead(t, files, func(dir string) (transforms.Feed, error) { return Open("fuzz", dir, testOptions()) })
}

func FuzzNDJSON(f *testing.F) {
	patient, _ := os.ReadFile("testdata/bulk2/Patient.000.ndjson")
	enc, _ := os.ReadFile("testdata/bulk2/Encounter.000.ndjson")
	first := func(b []byte) []byte { l, _, _ := strings.Cut(string(b), "\n"); return []byte(l) }
	f.Add(first(patient), first(enc))
	f.Add([]byte(`{"resourceType":"Patient","id":"QZXMARKER","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"QZXMARKER"}],"birthDate":"QZXMARKER"}`),
		[]byte(`{"resourceType":"Encounter","id":"e","class":{"code":"QZXMARKER"},"subject":{"reference":"Patient/QZXMARKER"},"period":{"start":"QZXMARKER"}}`))
	f.Add([]byte(`{"resourceType":"Patient","identifier":[{"system":"`+syntheaSystem+`","value":"QZXMARKER"}],"birthDate":"1970-01-01","gender":"QZXMARKER"}`),
		[]byte("{\"resourceType\":\"Encounter\",\"id\":\"QZXMARKER\xe9\"}\n{\"resourceType\":"))
	f.Fuzz(func(t *testing.T, patients, encounters []byte) {
		fuzzFeed(t, map[string][]byte{"Patient.ndjson": patients, "Encounter.000.ndjson": encounters, "Observation.ndjson": encounters})
	})
}

// FuzzBundle reads a folder of two JSON files: a Bundle and a resource.
func FuzzBundle(f *testing.F) {
	b, _ := os.ReadFile("testdata/bundles/3af3708d-41f1-cd80-f3dd-ec5ac76072bf.json")
	patient, _ := os.ReadFile("testdata/corpus/uk-core/UKCore-Patient-RichardSmith-Example.json")
	encounter, _ := os.ReadFile("testdata/corpus/uk-core/UKCore-Encounter-InpatientEncounter-Example.json")
	cut := b
	if len(cut) > 4000 {
		cut = append(cut[:4000:4000], []byte("]}")...) // a cut Bundle: broken JSON is a seed too
	}
	f.Add(cut, patient)
	f.Add(b, encounter)
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"QZXMARKER","birthDate":"QZXMARKER"}},{"resource":{"resourceType":"Encounter","subject":{"reference":"urn:uuid:QZXMARKER"}}}]}`),
		[]byte(`{"resourceType":"Observation","id":"o","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"subject":{"reference":"Patient/QZXMARKER"},"effectiveDateTime":"QZXMARKER","performer":[{"reference":"#QZXMARKER"}],"contained":[{"resourceType":"Organization","id":"QZXMARKER","identifier":[{"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"QZXMARKER"}]}]}`))
	f.Add([]byte(`{"entry":[{"resource":{"resourceType":"QZXMARKER"}}],"resourceType":"QZXMARKER"}`),
		[]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:QZXMARKER","resource":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"QZXMARKER","extension":[{"url":"https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus","valueCodeableConcept":{"coding":[{"code":"QZXMARKER"}]}}]}]}}]}}]}`))
	f.Add([]byte(`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Encounter","id":"e","class":{"code":"IMP"},"subject":{"reference":"Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|QZXMARKER"},"serviceProvider":{"reference":"Organization?name=QZXMARKER"},"period":{"start":"2020-01-01"}}}]}`),
		[]byte(`{"resourceType":"Patient","id":"p","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}],"birthDate":"1950-01-01","address":[{"extension":[{"url":"https://carecast.nhs.uk/fhir/StructureDefinition/lsoa21","valueCode":"QZXMARKER"}]}]}`))
	f.Fuzz(func(t *testing.T, bundle, resource []byte) {
		fuzzFeed(t, map[string][]byte{"bundle.json": bundle, "resource.json": resource})
	})
}

// The same feed read on one worker and on several gives the same records,
// rejections and counts, in the same order.
func TestWorkersAgree(t *testing.T) {
	for _, dir := range []string{"bulk2", "bundles", "corpus/synthea", "corpus/hl7"} {
		t.Run(dir, func(t *testing.T) {
			read := func(workers int) string {
				f, err := Open("f", filepath.Join("testdata", dir), testOptions())
				if err != nil {
					t.Fatal(err)
				}
				f.workers = workers
				r, err := feedtest.Read(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				return r.String()
			}
			if one, many := read(1), read(5); one != many {
				t.Errorf("one worker and five differ")
			}
		})
	}
}

// NDJSON read in chunks of any size gives the same records, rejections and
// counts: lines cut by a chunk's end are carried into the next, and a line
// longer than a chunk grows it.
func TestChunksAgree(t *testing.T) {
	read := func(size, workers int) string {
		f, err := Open("f", filepath.Join("testdata", "bulk2"), testOptions())
		if err != nil {
			t.Fatal(err)
		}
		f.chunkSize, f.workers = size, workers
		r, err := feedtest.Read(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		return r.String()
	}
	want := read(chunkSize, 1)
	for _, size := range []int{1, 7, 100, 1000, 4096} {
		if got := read(size, 3); got != want {
			t.Errorf("chunks of %d bytes: the read differs", size)
		}
	}
}

// A gzip-compressed export reads as the plain one.
func TestGzip(t *testing.T) {
	dir := t.TempDir()
	ents, err := os.ReadDir("testdata/bulk2")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/bulk2", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, e.Name()+".gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(dir string) string {
		f, err := Open("synthea-fhir", dir, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		r, err := feedtest.Read(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		return r.Counts()
	}
	if plain, gz := read("testdata/bulk2"), read(dir); plain != gz {
		t.Errorf("gzip reads\n%s\nplain\n%s", gz, plain)
	}
}

// Issue 15: Synthea's own transaction Bundles (Organization, Location,
// Practitioner, Claim, ExplanationOfBenefit, … entries) were rejected as
// malformed_record, 761 of 933 records. Read as a feed, none may be
// malformed, and under 1 % may be rejected at all.
func TestSyntheaBundlesRead(t *testing.T) {
	f, err := Open("synthea", "testdata/corpus/synthea", transforms.Options{Today: canonical.MakeDate(2024, 1, 1), PersonIDSystem: syntheaSystem})
	if err != nil {
		t.Fatal(err)
	}
	r, err := feedtest.Read(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	var rejected int64
	for _, c := range r.Quarantine.Counts() {
		rejected += c.N
		if c.Reason == transforms.MalformedRecord {
			t.Errorf("%d %s records rejected as malformed", c.N, c.Entity)
		}
	}
	read := r.Quarantine.ReadCount("synthea", "")
	if len(r.Persons) != 10 || len(r.Events) == 0 || float64(rejected) >= 0.01*float64(read) {
		t.Errorf("%d persons, %d events, %d of %d records rejected", len(r.Persons), len(r.Events), rejected, read)
	}
}
