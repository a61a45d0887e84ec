package csvfeed

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/transforms"
)

// wReadAll reads one of the feed's files back with encoding/csv, allowing
// rows of any length (truncated rows are short).
func wReadAll(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s is not valid CSV: %v", path, err)
	}
	return rows
}

func TestWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	dob := canonical.MakeDate(1948, time.July, 5)
	people := []canonical.Person{
		{Key: "9990000018", HasNHSNumber: true, Name: "Ada O'Brien", Address: `12 Mill Lane, "The Fold", Hebden Bridge`,
			Postcode: "HX7 8AB", LSOA: "E01010987", Phone: "07700 900123", BirthDate: dob, Sex: canonical.Female,
			Practice: "B84001", DeathDate: canonical.MakeDate(2024, time.February, 29)},
		{Key: "https://fhir.leedsth.nhs.uk/Id/local-patient-id|L12345", BirthDate: canonical.MakeDate(2003, time.January, 9),
			Sex: canonical.Male, Name: "Mohammed Ali", DeathDate: canonical.NoDate},
		{Key: "9990000026", HasNHSNumber: true, Name: "Cher", Address: " leading space", BirthDate: canonical.MakeDate(1, time.January, 1),
			Sex: canonical.SexNotKnown, DeathDate: canonical.NoDate},
	}
	for i := range people {
		if err := w.Person(&people[i], transforms.NoDefect); err != nil {
			t.Fatal(err)
		}
	}
	events := []canonical.Event{
		{SourceID: "A1", PersonKey: "9990000018", Date: canonical.MakeDate(2023, time.January, 2), Minute: 9*60 + 5,
			Service: canonical.EmergencyAdmission, Setting: canonical.Hospital, Provider: "RWY", CodeSystem: "ICD-10",
			Code: "J18.9", LengthOfStay: 4},
		{SourceID: "A2", PersonKey: "https://fhir.leedsth.nhs.uk/Id/local-patient-id|L12345",
			Date: canonical.MakeDate(2023, time.December, 31), Minute: -1, Service: canonical.SocialCareAssessment,
			Provider: "E08000035", LengthOfStay: -1},
		{SourceID: "A3", PersonKey: "9990000018", Date: canonical.MakeDate(2023, time.March, 1), Minute: 0,
			Service: canonical.ServiceUnknown, Setting: canonical.Hospital, Provider: "RWY", LengthOfStay: 0},
	}
	for i := range events {
		if err := w.Event(&events[i], transforms.NoDefect); err != nil {
			t.Fatal(err)
		}
	}
	obj := canonical.Objection{PersonKey: "9990000018", Date: canonical.MakeDate(2022, time.May, 3), System: "READ", Code: "9Nu0"}
	if err := w.Objection(&obj, transforms.NoDefect); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		file string
		want [][]string
	}{
		{wPersonsFile, [][]string{
			wPersonColumns,
			{"9990000018", "", "", "Ada", "O'Brien", `12 Mill Lane, "The Fold", Hebden Bridge`, "HX7 8AB", "E01010987",
				"07700 900123", "1948-07-05", "2", "B84001", "2024-02-29"},
			{"", "https://fhir.leedsth.nhs.uk/Id/local-patient-id", "L12345", "Mohammed", "Ali", "", "", "", "",
				"2003-01-09", "1", "", ""},
			{"9990000026", "", "", "Cher", "", " leading space", "", "", "", "0001-01-01", "0", "", ""},
		}},
		{wActivityFile, [][]string{
			wActivityColumns,
			{"A1", "9990000018", "", "", "emergency_admission", "hospital", "RWY", "2023-01-02", "09:05", "ICD-10", "J18.9", "4"},
			{"A2", "", "https://fhir.leedsth.nhs.uk/Id/local-patient-id", "L12345", "social_care_assessment", "",
				"E08000035", "2023-12-31", "", "", "", ""},
			{"A3", "9990000018", "", "", wUnknownService, "hospital", "RWY", "2023-03-01", "00:00", "", "", "0"},
		}},
		{wObjectionsFile, [][]string{
			wObjectionColumns,
			{"9990000018", "", "", "READ", "9Nu0", "2022-05-03"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got := wReadAll(t, filepath.Join(dir, tt.file))
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("read back\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	// Every date written must parse back to the value written.
	for _, row := range wReadAll(t, filepath.Join(dir, wPersonsFile))[1:] {
		if _, err := canonical.ParseDate(row[9]); err != nil {
			t.Errorf("date_of_birth %q: %v", row[9], err)
		}
	}
}

func TestWriterDefects(t *testing.T) {
	person := canonical.Person{Key: "9990000018", HasNHSNumber: true, Name: "Zoe Firth", Address: "3 Park Road, Halifax",
		BirthDate: canonical.MakeDate(1990, time.March, 3), Sex: canonical.Female, DeathDate: canonical.NoDate}
	event := canonical.Event{SourceID: "A7", PersonKey: "9990000018", Date: canonical.MakeDate(2023, time.June, 6),
		Minute: 600, Service: canonical.DiagnosticTest, Setting: canonical.Hospital, Provider: "RR8",
		CodeSystem: "SNOMED", Code: "77477000", LengthOfStay: -1}
	obj := canonical.Objection{PersonKey: "9990000018", Date: canonical.MakeDate(2021, time.April, 1), System: "SNOMED",
		Code: "827241000000103"}

	tests := []struct {
		name   string
		defect transforms.Defect
		file   string
		check  func(t *testing.T, row []string, raw string)
	}{
		{"person truncated", transforms.Truncated, wPersonsFile, func(t *testing.T, row []string, _ string) {
			if len(row) >= len(wPersonColumns) {
				t.Errorf("%d fields, want fewer than %d", len(row), len(wPersonColumns))
			}
		}},
		{"event truncated", transforms.Truncated, wActivityFile, func(t *testing.T, row []string, _ string) {
			if len(row) >= len(wActivityColumns) {
				t.Errorf("%d fields, want fewer than %d", len(row), len(wActivityColumns))
			}
		}},
		{"objection truncated", transforms.Truncated, wObjectionsFile, func(t *testing.T, row []string, _ string) {
			if len(row) >= len(wObjectionColumns) {
				t.Errorf("%d fields, want fewer than %d", len(row), len(wObjectionColumns))
			}
		}},
		{"person bad encoding", transforms.BadEncoding, wPersonsFile, func(t *testing.T, row []string, raw string) {
			if utf8.ValidString(raw) || len(row) != len(wPersonColumns) {
				t.Errorf("row %q: want invalid UTF-8 and every field", raw)
			}
		}},
		{"event bad encoding", transforms.BadEncoding, wActivityFile, func(t *testing.T, row []string, raw string) {
			if utf8.ValidString(raw) || len(row) != len(wActivityColumns) {
				t.Errorf("row %q: want invalid UTF-8 and every field", raw)
			}
		}},
		{"person impossible date", transforms.ImpossibleDate, wPersonsFile, func(t *testing.T, row []string, _ string) {
			if row[9] != "1990-02-30" {
				t.Errorf("date_of_birth %q, want 1990-02-30", row[9])
			}
		}},
		{"event impossible date", transforms.ImpossibleDate, wActivityFile, func(t *testing.T, row []string, _ string) {
			if row[7] != "2023-02-30" {
				t.Errorf("event_date %q, want 2023-02-30", row[7])
			}
		}},
		{"objection impossible date", transforms.ImpossibleDate, wObjectionsFile, func(t *testing.T, row []string, _ string) {
			if row[5] != "2021-02-30" {
				t.Errorf("recorded_date %q, want 2021-02-30", row[5])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := NewWriter(dir)
			if err != nil {
				t.Fatal(err)
			}
			switch tt.file {
			case wPersonsFile:
				err = w.Person(&person, tt.defect)
			case wActivityFile:
				err = w.Event(&event, tt.defect)
			default:
				err = w.Objection(&obj, tt.defect)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rows := wReadAll(t, filepath.Join(dir, tt.file))
			raw, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want the header and one record", len(rows))
			}
			lines := strings.SplitAfter(string(raw), "\n")
			tt.check(t, rows[1], lines[1])
		})
	}
}

// FuzzWriterText checks that any text written to a field reads back
// unchanged through encoding/csv, and that one record stays one row.
func FuzzWriterText(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "\r\n", " lead", `"`, "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, '\r') {
			t.Skip() // encoding/csv normalises \r\n to \n inside quoted fields
		}
		dir := t.TempDir()
		w, err := NewWriter(dir)
		if err != nil {
			t.Fatal(err)
		}
		p := canonical.Person{Key: "9990000018", HasNHSNumber: true, Address: s, Name: "A B",
			BirthDate: canonical.MakeDate(2000, 1, 1), DeathDate: canonical.NoDate}
		if err := w.Person(&p, transforms.NoDefect); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows := wReadAll(t, filepath.Join(dir, wPersonsFile))
		if len(rows) != 2 || len(rows[1]) != len(wPersonColumns) || rows[1][5] != s {
			t.Fatalf("address %q read back as %q", s, rows)
		}
	})
}

// BenchmarkWriterEvent measures activity rows written a second.
func BenchmarkWriterEvent(b *testing.B) {
	w, err := NewWriter(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	e := canonical.Event{SourceID: "A1234567", PersonKey: "9991234560", Date: canonical.MakeDate(2024, time.March, 7),
		Minute: 615, Service: canonical.GPAppointment, Setting: canonical.GP, Provider: "B85012", CodeSystem: "SNOMED",
		Code: "185317003", LengthOfStay: -1}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := w.Event(&e, transforms.NoDefect); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
