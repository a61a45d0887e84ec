package csvfeed

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
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
	f, err := Open("acute", "testdata/feed", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	r, err := feedtest.Read(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return r
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
