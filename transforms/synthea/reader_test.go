package synthea

import (
	"bytes"
	"context"
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
	return transforms.Options{Today: canonical.MakeDate(2024, 1, 1), PersonIDSystem: "synthea-id"}
}

func TestGolden(t *testing.T) {
	f, err := Open("synthea", "testdata/csv4", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	r, err := feedtest.Read(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	feedtest.Golden(t, "testdata/csv4.golden", r.String())
}

func TestEncounterService(t *testing.T) {
	tests := []struct {
		class, code string
		want        canonical.Service
		known       bool
	}{
		{"emergency", "50849002", canonical.AEAttendance, true},
		{"urgentcare", "702927004", canonical.AEAttendance, true},
		{"inpatient", "183452005", canonical.ElectiveAdmission, true},
		{"inpatient", "183478001", canonical.EmergencyAdmission, true},
		{"inpatient", "305336008", canonical.CommunityContact, true},
		{"inpatient", "449411000124106", canonical.SocialCareAssessment, true},
		{"outpatient", "185347001", canonical.OutpatientAttendance, true},
		{"ambulatory", "185345009", canonical.OutpatientAttendance, true},
		{"wellness", "162673000", canonical.GPAppointment, true},
		{"home", "439708006", canonical.CommunityContact, true},
		{"hospice", "305336008", canonical.CommunityContact, true},
		{"snf", "449411000124106", canonical.SocialCareAssessment, true},
		{"spaceflight", "1", canonical.ServiceUnknown, false},
	}
	for _, tt := range tests {
		got, known := encounterService(tt.class, tt.code, "")
		if got != tt.want || known != tt.known {
			t.Errorf("%s %s: got %v %v, want %v %v", tt.class, tt.code, got, known, tt.want, tt.known)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "patients.csv"), []byte("Id,BIRTHDATE,GENDER\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "encounters.csv"), []byte("Id,START,PATIENT,CODE\n"), 0o644)
	tests := []struct {
		name string
		dir  string
		opts transforms.Options
		want error
	}{
		{"missing", filepath.Join(dir, "nope"), testOptions(), os.ErrNotExist},
		{"no person_id", dir, transforms.Options{}, ErrNoPersonIDSystem},
		{"no ENCOUNTERCLASS", dir, testOptions(), transforms.ErrMissingColumn},
		{"not an export", t.TempDir(), testOptions(), transforms.ErrNotFeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open("s", tt.dir, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzSyntheaCSV(f *testing.F) {
	head := func(path string, n int) []byte {
		b, _ := os.ReadFile(path)
		lines := bytes.SplitAfterN(b, []byte("\n"), n+1)
		return bytes.Join(lines[:min(n, len(lines))], nil)
	}
	f.Add(head("testdata/csv4/patients.csv", 3), head("testdata/csv4/encounters.csv", 6), head("testdata/csv4/observations.csv", 6))
	f.Add([]byte("Id,BIRTHDATE,DEATHDATE,GENDER\nQZXMARKER,QZXMARKER,QZXMARKER,QZXMARKER\n"),
		[]byte("Id,START,STOP,PATIENT,ENCOUNTERCLASS,CODE\nQZXMARKER,QZXMARKER,,QZXMARKER,QZXMARKER,QZXMARKER\n\"QZX"),
		[]byte("DATE,PATIENT,ENCOUNTER,CATEGORY,CODE\n2020-01-01,QZXMARKER\xe9,e,laboratory,827241000000103\n"))
	f.Fuzz(func(t *testing.T, patients, encounters, observations []byte) {
		files := map[string][]byte{"patients.csv": patients, "encounters.csv": encounters, "observations.csv": observations}
		feedtest.FuzzRead(t, files, func(dir string) (transforms.Feed, error) { return Open("fuzz", dir, testOptions()) })
	})
}

func readExport(t *testing.T, name string, files map[string]string) *feedtest.Result {
	t.Helper()
	return feedtest.ReadFeed(t, feedtest.WriteFeed(t, files), func(dir string) (transforms.Feed, error) {
		return Open(name, dir, testOptions())
	})
}

const (
	patient1   = "53a96042-62b9-534a-5e14-107d89e3efdb"
	patient2   = "4c436da0-38b3-ea7e-223a-536da95e51fe"
	org        = "b1b5d282-8c7b-330c-8d8d-8549cdc7ab46"
	patients   = "Id,BIRTHDATE,GENDER\n" + patient1 + ",1938-05-28,F\n" + patient2 + ",1980-06-26,M\n"
	encHeader  = "Id,START,STOP,PATIENT,ORGANIZATION,ENCOUNTERCLASS,CODE,REASONCODE\n"
	needleText = "Mrs Jane Smith HD5 8XY"
	needleNHS  = "9434765919"
)

// Finding 2 of issue 14: ORGANIZATION and REASONCODE pass through to the
// outputs, so a value of the wrong shape rejects the encounter as
// bad_value.
func TestPassThroughFieldsAreShapeChecked(t *testing.T) {
	r := readExport(t, "synthea", map[string]string{
		"patients.csv": patients,
		"encounters.csv": encHeader +
			"e1,2020-01-01T10:00:00Z,," + patient1 + "," + org + ",emergency,50849002,\n" +
			"e2,2020-01-02T10:00:00Z,," + patient1 + "," + needleText + ",emergency,50849002,\n" +
			"e3,2020-01-03T10:00:00Z,," + patient1 + "," + org + ",emergency,50849002," + needleNHS + "\n" +
			"e4,2020-01-04T10:00:00Z,," + patient1 + ",RR8,inpatient,183452005,25876001\n",
	})
	var kept []string
	for _, e := range r.Events {
		kept = append(kept, e.SourceID)
	}
	if !slices.Equal(kept, []string{"e1", "e4"}) {
		t.Errorf("events kept %v, want e1 and e4", kept)
	}
	got := map[string]int{}
	for _, j := range r.Quarantine.Rejections() {
		got[string(j.Reason)+" "+j.Field]++
	}
	if want := map[string]int{"bad_value ORGANIZATION": 1, "bad_value REASONCODE": 1}; !maps.Equal(got, want) {
		t.Errorf("rejections %v, want %v", got, want)
	}
}

// Finding 3 of issue 14: a Type 1 entry that fails validation excludes its
// patient (passed on as Invalid); one naming no patient is only rejected.
func TestInvalidObjectionsFailClosed(t *testing.T) {
	r := readExport(t, "synthea", map[string]string{
		"patients.csv":   patients,
		"encounters.csv": encHeader,
		"conditions.csv": "START,STOP,PATIENT,ENCOUNTER,CODE\n" +
			"2020-01-01,," + patient1 + ",e1,827241000000103\n" +
			"2031-01-01,," + patient2 + ",e1,827241000000103\n" +
			"2020-02-30,,someone,e1,9Nu0\n" +
			",,,e1,827241000000103\n",
	})
	type obj struct {
		key     string
		invalid bool
	}
	var got []obj
	for _, o := range r.Objections {
		got = append(got, obj{o.PersonKey, o.Invalid})
	}
	want := []obj{{"synthea|synthea-id|" + patient1, false}, {"synthea|synthea-id|" + patient2, true}, {"synthea|synthea-id|someone", true}}
	if !slices.Equal(got, want) {
		t.Errorf("objections\n got %v\nwant %v", got, want)
	}
	if n := len(r.Quarantine.Rejections()); n != 3 {
		t.Errorf("%d rejections, want 3", n)
	}
}

// Finding 6 of issue 14: Synthea ids are namespaced by the feed.
func TestKeysNamespacedByFeed(t *testing.T) {
	files := map[string]string{"patients.csv": patients, "encounters.csv": encHeader}
	a, b := readExport(t, "a", files), readExport(t, "b", files)
	if a.Persons[0].Key == b.Persons[0].Key {
		t.Errorf("two feeds' patients share the key %q", a.Persons[0].Key)
	}
}
