package cli

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/leakcheck"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/fhir"
)

// Issue 15: a run commits whatever it can honestly commit. Feeds that give
// the models, forecasts or report nothing to work with — people whose
// residence is unknown, no events in a finished month, no events at all —
// and a Synthea Bundle folder written by Synthea itself all commit a run
// with exit code 0 and a report that says what is missing and how to fix
// it. Only real failures fail a run.

// thinRun writes a FHIR feed folder with write, a key, a deny list and a
// config (optOuts: more YAML for its opt_outs section), runs `carecast run`
// on it for date, and returns the exit code, stderr and the committed run's
// folder.
func thinRun(t *testing.T, date string, optOuts string, write func(w *fhir.Writer)) (code int, stderr, runDir string) {
	t.Helper()
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed")
	if write != nil {
		w, err := fhir.NewWriter(feed)
		if err != nil {
			t.Fatal(err)
		}
		write(w)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return runConfig(t, dir, feed, date, optOuts)
}

func runConfig(t *testing.T, dir, feed, date, optOuts string) (code int, stderr, runDir string) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(filepath.Join(dir, "key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	// One NHS number nobody in the feeds has.
	if err := os.WriteFile(filepath.Join(dir, "deny.txt"), []byte("9434765870\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`feeds:
  - {name: acute, format: fhir, path: %q, person_id: "https://github.com/synthetichealth/synthea"}
opt_outs:
  national_deny_list: {path: deny.txt}
%s
pseudonymise: {key_file: key}
warehouse: warehouse
work_dir: work
forecast: {horizon_months: 6, horizon_weeks: 8, backtest_origins: 1}
log: {format: json}
`, feed, optOuts)
	path := filepath.Join(dir, "carecast.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = opsRun(t, "run", "--config", path, "--date", date)
	cur, err := os.ReadFile(filepath.Join(dir, "warehouse", "CURRENT"))
	if err == nil {
		runDir = filepath.Join(dir, "warehouse", "runs", strings.TrimSpace(string(cur)))
	}
	return code, stderr, runDir
}

// people writes n people with NHS numbers, born in 1960, living at a
// postcode (and an LSOA when lsoa is set), and returns their keys.
func people(t *testing.T, w *fhir.Writer, n int, lsoa string) []string {
	t.Helper()
	var keys []string
	for i := 0; len(keys) < n; i++ {
		nine := strconv.Itoa(943476000 + i)
		d, ok := canonical.NHSNumberCheckDigit(nine)
		if !ok {
			continue
		}
		p := canonical.Person{Key: nine + string(d), HasNHSNumber: true, BirthDate: canonical.MakeDate(1960, 1, 1+i%28),
			DeathDate: canonical.NoDate, Sex: canonical.Sex(1 + i%2), Postcode: "HD1 2QX", LSOA: lsoa}
		if err := w.Person(&p, transforms.NoDefect); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, p.Key)
	}
	return keys
}

// events writes an event a week for each person from `from` for weeks.
func events(t *testing.T, w *fhir.Writer, keys []string, from canonical.Date, weeks int) {
	t.Helper()
	n := 0
	for _, k := range keys {
		for i := range weeks {
			n++
			e := canonical.Event{SourceID: "E" + strconv.Itoa(n), PersonKey: k, Date: from.AddDays(7 * i), Minute: -1,
				Service: canonical.Services()[n%7], Provider: "RR8", LengthOfStay: -1}
			if e.Service == canonical.EmergencyAdmission || e.Service == canonical.ElectiveAdmission {
				e.LengthOfStay = 1
			}
			if err := w.Event(&e, transforms.NoDefect); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// report reads the committed run's report.
func report(t *testing.T, runDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runDir, "report", "index.html"))
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	return string(b)
}

func TestThinFeedsCommit(t *testing.T) {
	tests := []struct {
		name  string
		date  string
		write func(t *testing.T, w *fhir.Writer)
		// notice is what the report must say is missing and how to fix it.
		notice []string
	}{
		{
			name: "people with postcodes and no LSOA, no postcode lookup",
			date: "2025-06-01",
			write: func(t *testing.T, w *fhir.Writer) {
				events(t, w, people(t, w, 40, ""), canonical.MakeDate(2023, 1, 2), 100)
			},
			notice: []string{"40 people", "no known residence", "geography.postcode_lookup_file"},
		},
		{
			name: "no events in a finished month",
			date: "2025-06-20",
			write: func(t *testing.T, w *fhir.Writer) {
				events(t, w, people(t, w, 20, "E01011229"), canonical.MakeDate(2025, 6, 2), 2)
			},
			notice: []string{"No place has a finished month", "June 2025"},
		},
		{
			name: "no events",
			date: "2025-06-01",
			write: func(t *testing.T, w *fhir.Writer) {
				people(t, w, 20, "E01011229")
			},
			notice: []string{"No events were written"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stderr, runDir := thinRun(t, tt.date, "", func(w *fhir.Writer) { tt.write(t, w) })
			if code != 0 {
				t.Fatalf("exit %d: %s", code, lastLines(stderr, 5))
			}
			html := report(t, runDir)
			for _, want := range append([]string{"Data quality and governance", "Skipped and unmapped records"}, tt.notice...) {
				if !strings.Contains(html, want) {
					t.Errorf("the report does not say %q", want)
				}
			}
		})
	}
}

// A Synthea Bundle folder written by Synthea itself (not by carecast's
// writer) runs end to end with under 1 % of its records rejected.
func TestSyntheaBundleFolderRuns(t *testing.T) {
	dir := t.TempDir()
	feed := filepath.Join(dir, "synthea")
	src := "../../transforms/fhir/testdata/corpus/synthea"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(feed, 0o755)
		return os.WriteFile(filepath.Join(feed, d.Name()), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	code, stderr, runDir := runConfig(t, dir, feed, "2024-01-01",
		"  include_without_nhs_number: true\n  include_reason: synthetic test patients have no NHS numbers")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, lastLines(stderr, 5))
	}
	m, err := os.ReadFile(filepath.Join(runDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct{ Counts map[string]int64 }
	if err := json.Unmarshal(m, &manifest); err != nil {
		t.Fatal(err)
	}
	c := manifest.Counts
	read := c["people_read"] + c["events_written"] + c["events_opted_out"] + c["records_quarantined"]
	if c["events_written"] == 0 || float64(c["records_quarantined"]) >= 0.01*float64(read) {
		t.Errorf("%d events written, %d of %d records rejected", c["events_written"], c["records_quarantined"], read)
	}
	// No name, identifier, phone number or address of the Bundles reaches
	// any output byte: every file of the warehouse, Parquet decoded.
	n := syntheaNeedles(t, feed)
	if n.Len() < 50 {
		t.Fatalf("%d needles: the scan would prove little", n.Len())
	}
	found, err := leakcheck.ScanDir(context.Background(), filepath.Join(dir, "warehouse"), n)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("leak: %s", f)
	}
	html := report(t, runDir)
	for _, want := range []string{"no known residence", "geography.postcode_lookup_file", "No place could be forecast"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report does not say %q:\n%s", want, section(html, "notice"))
		}
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// section returns the HTML of the report section with id.
func section(html, id string) string {
	_, after, _ := strings.Cut(html, `<section id="`+id+`"`)
	before, _, _ := strings.Cut(after, "</section>")
	return before
}

// syntheaNeedles reads the Patients of the Synthea Bundles in dir with
// encoding/json and returns what identifies them: names, identifiers
// (SSN, driver's licence, passport, record numbers), phone numbers and
// address lines.
func syntheaNeedles(t *testing.T, dir string) *leakcheck.Needles {
	t.Helper()
	n := &leakcheck.Needles{}
	files, err := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		// Each resource type has its own shapes (Organization.name is a
		// string): only Patients are decoded.
		var b struct {
			Entry []struct{ Resource json.RawMessage }
		}
		err = json.NewDecoder(zr).Decode(&b)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range b.Entry {
			var r struct {
				ResourceType string
				Name         []struct {
					Family string
					Given  []string
				}
				Identifier []struct{ Value string }
				Telecom    []struct{ Value string }
				Address    []struct{ Line []string }
			}
			if err := json.Unmarshal(e.Resource, &struct{ ResourceType *string }{&r.ResourceType}); err != nil {
				t.Fatal(err)
			}
			if r.ResourceType != "Patient" {
				continue
			}
			if err := json.Unmarshal(e.Resource, &r); err != nil {
				t.Fatal(err)
			}
			for _, nm := range r.Name {
				n.Add(leakcheck.Name, []byte(nm.Family))
				for _, g := range nm.Given {
					n.Add(leakcheck.Name, []byte(g))
				}
			}
			for _, id := range r.Identifier {
				n.Add(leakcheck.LocalID, []byte(id.Value))
			}
			for _, tc := range r.Telecom {
				n.Add(leakcheck.Phone, []byte(tc.Value))
			}
			for _, a := range r.Address {
				for _, l := range a.Line {
					n.Add(leakcheck.Address, []byte(l))
				}
			}
		}
	}
	return n
}
