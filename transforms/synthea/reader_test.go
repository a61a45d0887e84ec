package synthea

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
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
