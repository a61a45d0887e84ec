package csvfeed

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/internal/feedtest"
)

func testOptions() transforms.Options {
	return transforms.Options{Today: canonical.MakeDate(2024, 1, 1)}
}

// readFixture reads testdata/feed, which has a valid record of every kind
// and one record for every rejection reason.
func readFixture(t *testing.T) *feedtest.Result {
	t.Helper()
	return readDir(t, "acute", "testdata/feed", testOptions())
}

func TestGolden(t *testing.T) {
	r := readFixture(t)
	feedtest.Golden(t, "testdata/feed.golden", r.String())
	reasons := map[transforms.Reason]bool{}
	for _, c := range r.Quarantine.Counts() {
		reasons[c.Reason] = true
	}
	for _, want := range []transforms.Reason{transforms.InvalidNHSNumber, transforms.MissingField, transforms.BadDate,
		transforms.FutureDate, transforms.DateBeforeBirth, transforms.DateAfterDeath, transforms.ImplausibleDate,
		transforms.UnknownCode, transforms.UnknownPerson, transforms.DuplicateRecord, transforms.WrongFieldCount,
		transforms.InvalidUTF8, transforms.BadValue, transforms.MalformedRecord} {
		if !reasons[want] {
			t.Errorf("the fixture exercises no %s", want)
		}
	}
}

// No rejection holds any value of the input: every field of every row of
// the fixture is looked for in every rejection.
func TestNoValueInQuarantine(t *testing.T) {
	r := readFixture(t)
	var values []string
	for _, name := range []string{"persons.csv", "activity.csv", "gp_objections.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata/feed", name))
		if err != nil {
			t.Fatal(err)
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		header, _ := cr.Read()
		isHeader := map[string]bool{}
		for _, h := range header {
			isHeader[h] = true
		}
		for {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			for _, v := range rec {
				if !isHeader[v] {
					values = append(values, v)
				}
			}
		}
	}
	if len(values) < 100 {
		t.Fatalf("only %d values read from the fixture", len(values))
	}
	if v, leaked := feedtest.Leaks(r.Quarantine, nil, values); leaked {
		t.Errorf("a rejection holds the input value %q", v)
	}
}

func TestOpenErrors(t *testing.T) {
	mk := func(files map[string]string) string {
		dir := t.TempDir()
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	persons := "nhs_number,date_of_birth,sex\n"
	tests := []struct {
		name string
		dir  string
		want error
	}{
		{"missing folder", filepath.Join(t.TempDir(), "nope"), os.ErrNotExist},
		{"empty folder", mk(nil), transforms.ErrNotFeed},
		{"no activity", mk(map[string]string{"persons.csv": persons}), transforms.ErrNotFeed},
		{"no sex column", mk(map[string]string{"persons.csv": "nhs_number,date_of_birth\n", "activity.csv": ""}), transforms.ErrMissingColumn},
		{"no person reference", mk(map[string]string{"persons.csv": persons,
			"activity.csv": "record_id,service,provider,event_date\n"}), transforms.ErrMissingColumn},
		{"empty activity", mk(map[string]string{"persons.csv": persons, "activity.csv": ""}), transforms.ErrNotFeed},
		{"objections without code", mk(map[string]string{"persons.csv": persons,
			"activity.csv": "record_id,local_id,service,provider,event_date\n", "gp_objections.csv": "nhs_number,code_system,recorded_date\n"}), transforms.ErrMissingColumn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open("f", tt.dir, testOptions())
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestLSOAVintages reads the LSOA of either census: lsoa21, else lsoa11,
// else the postcode through the lookup.
func TestLSOAVintages(t *testing.T) {
	opts := testOptions()
	opts.PostcodeLookup = map[string]string{"HD12QQ": "E01034588"}
	for _, c := range []struct{ name, header, row, want string }{
		{"lsoa21", "lsoa21", "E01034588", "E01034588"},
		{"lsoa11", "lsoa11", "E01011171", "E01011171"},
		{"both: 2021 wins", "lsoa11,lsoa21", "E01011171,E01034588", "E01034588"},
		{"2021 empty: 2011", "lsoa11,lsoa21", "E01011171,", "E01011171"},
		{"neither: postcode", "lsoa11,lsoa21", ",", "E01034588"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			persons := "nhs_number,date_of_birth,sex,postcode," + c.header + "\n9990000018,1948-02-11,2,HD1 2QQ," + c.row + "\n"
			activity := "record_id,nhs_number,service,provider,event_date\nA1,9990000018,ae_attendance,RWY,2023-01-05\n"
			for name, text := range map[string]string{"persons.csv": persons, "activity.csv": activity} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := Open("f", dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			r, err := feedtest.Read(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Persons) != 1 || r.Persons[0].LSOA != c.want {
				t.Errorf("persons %+v, want LSOA %s", r.Persons, c.want)
			}
		})
	}
}

// The writer's output, defects and all, reads back as the records written.
func TestReadWriterOutput(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := canonical.Person{Key: "9990000018", HasNHSNumber: true, BirthDate: canonical.MakeDate(1948, 2, 11),
		DeathDate: canonical.NoDate, Sex: canonical.Female, Name: "Alys Brookfield", Postcode: "LS1 6BE", LSOA: "E01033015"}
	w.Person(&p, transforms.NoDefect)
	e := canonical.Event{SourceID: "A1", PersonKey: p.Key, Date: canonical.MakeDate(2023, 1, 5), Minute: 872,
		Service: canonical.EmergencyAdmission, Setting: canonical.Hospital, Provider: "RR8", CodeSystem: "ICD-10", Code: "S72.0", LengthOfStay: 4}
	w.Event(&e, transforms.NoDefect)
	bad := e
	bad.SourceID = "A2"
	w.Event(&bad, transforms.Truncated)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := Open("f", dir, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	r, err := feedtest.Read(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Persons) != 1 || r.Persons[0].Key != p.Key || r.Persons[0].BirthDate != p.BirthDate || r.Persons[0].LSOA != p.LSOA {
		t.Errorf("persons %+v", r.Persons)
	}
	if len(r.Events) != 1 || r.Events[0].Feed != "f" {
		t.Fatalf("events %+v", r.Events)
	}
	got := r.Events[0]
	got.Feed = ""
	if got != e {
		t.Errorf("got %+v\nwant %+v", got, e)
	}
	if n := len(r.Quarantine.Rejections()); n != 1 {
		t.Errorf("%d rejections, want 1 (the truncated row)", n)
	}
}

func fuzzRead(t *testing.T, persons, activity []byte) {
	feedtest.FuzzRead(t, map[string][]byte{"persons.csv": persons, "activity.csv": activity},
		func(dir string) (transforms.Feed, error) { return Open("fuzz", dir, testOptions()) })
}

func FuzzCSVPersons(f *testing.F) {
	persons, _ := os.ReadFile("testdata/feed/persons.csv")
	f.Add(persons)
	f.Add([]byte("nhs_number,date_of_birth,sex\nQZXMARKER,QZXMARKER,QZXMARKER\n\"QZXMARKER\n"))
	f.Add([]byte("local_id,local_id_system,date_of_birth,sex\nQZXMARKER,QZXMARKER,1970-01-01,1\nQZXMARKER\xe9,x,1970-01-01,1\n"))
	activity := []byte("record_id,nhs_number,service,provider,event_date\n")
	f.Fuzz(func(t *testing.T, persons []byte) { fuzzRead(t, persons, activity) })
}

func FuzzCSVActivity(f *testing.F) {
	persons, _ := os.ReadFile("testdata/feed/persons.csv")
	activity, _ := os.ReadFile("testdata/feed/activity.csv")
	f.Add(activity)
	f.Add([]byte("record_id,nhs_number,service,provider,event_date,event_time,length_of_stay\nQZXMARKER,QZXMARKER,QZXMARKER,QZXMARKER,QZXMARKER,QZXMARKER,QZXMARKER\n"))
	f.Fuzz(func(t *testing.T, activity []byte) { fuzzRead(t, persons, activity) })
}

func writeFeed(t *testing.T, files map[string]string) string { return feedtest.WriteFeed(t, files) }

func readDir(t *testing.T, name, dir string, opts transforms.Options) *feedtest.Result {
	t.Helper()
	return feedtest.ReadFeed(t, dir, func(dir string) (transforms.Feed, error) { return Open(name, dir, opts) })
}

// Finding 2 of issue 14: free text in a pass-through field (provider,
// code, gp_practice) is rejected as bad_value, naming the field, and never
// reaches a record passed on.
func TestPassThroughFieldsAreShapeChecked(t *testing.T) {
	const needleText, needleNHS = "Mrs Jane Smith HD5 8XY", "9434765919"
	dir := writeFeed(t, map[string]string{
		"persons.csv": "nhs_number,date_of_birth,sex,gp_practice\n" +
			"9990000018,1950-01-01,2,B86001\n" +
			"9990000026,1950-01-01,2," + needleText + "\n" +
			"9990000034,1950-01-01,2,HD58XY\n",
		"activity.csv": "record_id,nhs_number,service,provider,event_date,code_system,code\n" +
			"A1,9990000018,ae_attendance,RR8,2023-01-05,ICD-10,S52.5\n" +
			"A2,9990000018,ae_attendance," + needleText + ",2023-01-05,,\n" +
			"A3,9990000018,ae_attendance,RR8,2023-01-05,SNOMED," + needleNHS + "\n" +
			"A4,9990000018,ae_attendance,RR8,2023-01-05,ICD-10,Jane Smith\n" +
			"A5,9990000018,social_care_assessment,E08000035,2023-01-05,,\n" +
			"A6,9990000018,ae_attendance,RR8,2023-01-05,,S52.5\n",
	})
	r := readDir(t, "acute", dir, testOptions())
	if len(r.Persons) != 1 || r.Persons[0].Key != "9990000018" {
		t.Errorf("persons kept: %+v", r.Persons)
	}
	var kept []string
	for _, e := range r.Events {
		kept = append(kept, e.SourceID)
	}
	if !slices.Equal(kept, []string{"A1", "A5"}) {
		t.Errorf("events kept %v, want A1 and A5", kept)
	}
	got := map[string]int{}
	for _, j := range r.Quarantine.Rejections() {
		got[string(j.Reason)+" "+j.Field]++
	}
	want := map[string]int{"bad_value gp_practice": 2, "bad_value provider": 1, "bad_value code": 2, "missing_field code_system": 1}
	if !maps.Equal(got, want) {
		t.Errorf("rejections %v, want %v", got, want)
	}
	if v, leaked := feedtest.Leaks(r.Quarantine, nil, []string{needleText, needleNHS, "Jane Smith", "HD58XY"}); leaked {
		t.Errorf("a rejection holds %q", v)
	}
}

// Finding 3 of issue 14: an objection row that fails validation but names
// a person is passed on as Invalid (and quarantined), so the opt-out pass
// excludes that person; a row naming nobody is only quarantined.
func TestInvalidObjectionsFailClosed(t *testing.T) {
	dir := writeFeed(t, map[string]string{
		"persons.csv":  "nhs_number,date_of_birth,sex\n9990000018,1950-01-01,2\n",
		"activity.csv": "record_id,nhs_number,service,provider,event_date\n",
		"gp_objections.csv": "nhs_number,code_system,code,recorded_date\n" +
			"9990000018,SNOMED,827241000000103,2021-06-01\n" + // valid
			"9990000026,SNOMED,827241000000103,\n" + // no date
			"9990000034,SNOMED,827241000000103,2031-01-01\n" + // future
			"9990000042,READ,9Nu0,2021-02-30\n" + // impossible
			"9990000050,SNOMED CT,827241000000103,2021-06-01\n" + // misspelt system
			"9990000069,SNOMED,827241000000104,2021-06-01\n" + // not a SNOMED CT id
			"9990000077,,,2021-06-01\n" + // no code at all
			"9990000017,SNOMED,827241000000103,\n", // invalid NHS number: nobody to exclude
	})
	r := readDir(t, "gp", dir, testOptions())
	type obj struct {
		key     string
		invalid bool
	}
	var got []obj
	for _, o := range r.Objections {
		got = append(got, obj{o.PersonKey, o.Invalid})
	}
	want := []obj{{"9990000018", false}, {"9990000026", true}, {"9990000034", true}, {"9990000042", true},
		{"9990000050", true}, {"9990000069", true}, {"9990000077", true}}
	if !slices.Equal(got, want) {
		t.Errorf("objections\n got %v\nwant %v", got, want)
	}
	reasons := map[string]int{}
	for _, j := range r.Quarantine.Rejections() {
		reasons[string(j.Reason)+" "+j.Field]++
	}
	wantReasons := map[string]int{"missing_field recorded_date": 1, "future_date recorded_date": 1, "bad_date recorded_date": 1,
		"unknown_code code_system": 1, "bad_value code": 1, "missing_field code_system": 1, "invalid_nhs_number nhs_number": 1}
	if !maps.Equal(reasons, wantReasons) {
		t.Errorf("rejections %v, want %v", reasons, wantReasons)
	}
}

// Finding 6 of issue 14: a local identifier is namespaced by its feed
// unless its system is registered as shared, so two trusts' MRN 123 are
// two people.
func TestLocalIdentifiersNamespacedByFeed(t *testing.T) {
	files := map[string]string{
		"persons.csv":  "local_id_system,local_id,date_of_birth,sex\nMRN,123,1950-01-01,2\nhttps://example.nhs.uk/Id/scr,77,1960-01-01,1\n",
		"activity.csv": "record_id,local_id_system,local_id,service,provider,event_date\nA1,MRN,123,ae_attendance,RR8,2023-01-05\n",
	}
	opts := testOptions()
	opts.SharedSystems = []string{"https://example.nhs.uk/Id/scr"}
	a := readDir(t, "trust-a", writeFeed(t, files), opts)
	b := readDir(t, "trust-b", writeFeed(t, files), opts)
	if len(a.Persons) != 2 || len(b.Persons) != 2 || len(a.Events) != 1 {
		t.Fatalf("read %d and %d persons, %d events", len(a.Persons), len(b.Persons), len(a.Events))
	}
	if a.Persons[0].Key == b.Persons[0].Key {
		t.Errorf("two trusts' MRN 123 share the key %q", a.Persons[0].Key)
	}
	if a.Events[0].PersonKey != a.Persons[0].Key {
		t.Errorf("event key %q, person key %q", a.Events[0].PersonKey, a.Persons[0].Key)
	}
	if a.Persons[1].Key != b.Persons[1].Key || a.Persons[1].Key != "https://example.nhs.uk/Id/scr|77" {
		t.Errorf("a shared system's identifier: %q and %q", a.Persons[1].Key, b.Persons[1].Key)
	}
}
