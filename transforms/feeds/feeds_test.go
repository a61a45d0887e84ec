package feeds

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/csvfeed"
	"github.com/yhcr/carecast/transforms/fhir"
	"github.com/yhcr/carecast/transforms/internal/feedtest"
	"github.com/yhcr/carecast/transforms/synthea"
)

var today = canonical.MakeDate(2024, 1, 1)

// writers open a feed writer of each format.
var writers = map[string]func(dir string) (transforms.Writer, error){
	"csv":     func(dir string) (transforms.Writer, error) { return csvfeed.NewWriter(dir) },
	"fhir":    func(dir string) (transforms.Writer, error) { return fhir.NewWriter(dir) },
	"synthea": func(dir string) (transforms.Writer, error) { return synthea.NewWriter(dir) },
}

// region writes a small deterministic region to w: persons with valid NHS
// numbers, events of every service (and some of an unknown one) within
// their lives, GP objection codes, and, when defects, every byte-level
// defect on about one record in fifty.
func region(w transforms.Writer, persons, events int, defects bool) error {
	rng := rand.New(rand.NewPCG(1, 2))
	defect := func() transforms.Defect {
		if !defects || rng.IntN(50) != 0 {
			return transforms.NoDefect
		}
		return transforms.Defect(1 + rng.IntN(3))
	}
	type life struct{ birth, death canonical.Date }
	keys := make([]string, 0, persons)
	lives := make([]life, 0, persons)
	start := canonical.MakeDate(2015, 1, 1)
	for i := 0; len(keys) < persons; i++ {
		nine := strconv.Itoa(400000000 + i*7919)
		d, ok := canonical.NHSNumberCheckDigit(nine)
		if !ok {
			continue
		}
		p := canonical.Person{Key: nine + string(d), HasNHSNumber: true,
			BirthDate: canonical.MakeDate(1930, 1, 1).AddDays(rng.IntN(90 * 365)), DeathDate: canonical.NoDate,
			Sex: canonical.Sex(1 + rng.IntN(2)), Name: "Given" + nine + " Family", Postcode: "LS1 4AP", LSOA: "E01033010",
			Practice: "B86001"}
		if rng.IntN(20) == 0 {
			p.DeathDate = canonical.MakeDate(2023, 6, 1)
		}
		if err := w.Person(&p, defect()); err != nil {
			return err
		}
		keys = append(keys, p.Key)
		lives = append(lives, life{p.BirthDate, p.DeathDate})
		if rng.IntN(20) == 0 {
			o := canonical.Objection{PersonKey: p.Key, Date: canonical.MakeDate(2021, 1, 1), System: "SNOMED", Code: "827241000000103"}
			if err := w.Objection(&o, defect()); err != nil {
				return err
			}
		}
	}
	services := append(canonical.Services(), canonical.ServiceUnknown)
	for i := range events {
		j := rng.IntN(len(keys))
		from, to := max(start, lives[j].birth), canonical.MakeDate(2023, 12, 31)
		if lives[j].death.Valid() {
			to = lives[j].death
		}
		e := canonical.Event{SourceID: "ev" + strconv.Itoa(i), PersonKey: keys[j], Date: from.AddDays(rng.IntN(int(to-from) + 1)),
			Minute: int16(rng.IntN(1440)), Service: services[rng.IntN(len(services))], Provider: "RR8",
			CodeSystem: "SNOMED", Code: "22298006", LengthOfStay: -1}
		if i%200 == 0 {
			e.Service = canonical.ServiceUnknown
		}
		if e.Service == canonical.ServiceUnknown && i%200 != 0 {
			e.Service = canonical.GPAppointment
		}
		if e.Service == canonical.GPAppointment {
			e.Provider = "B86001"
		}
		if e.Service == canonical.EmergencyAdmission || e.Service == canonical.ElectiveAdmission {
			e.LengthOfStay = int32(rng.IntN(10))
		}
		e.Setting = e.Service.DefaultSetting()
		if err := w.Event(&e, defect()); err != nil {
			return err
		}
	}
	return w.Close()
}

func writeRegion(t testing.TB, format string, persons, events int, defects bool) string {
	dir := filepath.Join(t.TempDir(), format)
	w, err := writers[format](dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := region(w, persons, events, defects); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The same region written in each format reads back as the same canonical
// counts. The one difference is by design: the canonical CSV's service
// vocabulary is closed, so an unknown service is rejected there
// (unknown_code) but kept as "unknown" and counted by FHIR and Synthea.
func TestFormatsAgree(t *testing.T) {
	counts := map[string]string{}
	for _, format := range []string{"csv", "fhir", "synthea"} {
		dir := writeRegion(t, format, 300, 3000, true)
		f, err := Open(config.Feed{Name: "region", Format: format, Path: dir, PersonID: "synthea-id"}, transforms.Options{Today: today})
		if err != nil {
			t.Fatal(err)
		}
		r, err := feedtest.Read(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		counts[format] = agreeing(r)
	}
	t.Logf("csv:\n%s", counts["csv"])
	for _, format := range []string{"fhir", "synthea"} {
		if counts[format] != counts["csv"] {
			t.Errorf("%s reads differently from csv:\n%s\ncsv:\n%s", format, counts[format], counts["csv"])
		}
	}
}

// Every format hashes the files it reads in the pass that reads them: once
// a feed has been read through, each of its files has its checksum, as
// sha256sum gives it, and the manifest reads none of them again.
func TestChecksumsInTheReadingPass(t *testing.T) {
	for _, format := range []string{"csv", "fhir", "synthea"} {
		t.Run(format, func(t *testing.T) {
			dir := writeRegion(t, format, 50, 500, true)
			opts := transforms.Options{Today: today, Checksums: transforms.NewChecksums()}
			f, err := Open(config.Feed{Name: "region", Format: format, Path: dir, PersonID: "synthea-id"}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := feedtest.Read(context.Background(), f); err != nil {
				t.Fatal(err)
			}
			files, err := f.Files()
			if err != nil || len(files) == 0 {
				t.Fatalf("files %v, %v", files, err)
			}
			for _, path := range files {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				want := transforms.Checksum{Size: int64(len(b)), SHA256: sha256.Sum256(b)}
				got, ok := opts.Checksums.Get(path)
				switch {
				case !ok:
					t.Errorf("%s: no checksum recorded while reading", filepath.Base(path))
				case got != want:
					t.Errorf("%s: checksum %x (%d bytes), want %x (%d bytes)", filepath.Base(path), got.SHA256, got.Size, want.SHA256, want.Size)
				}
			}
		})
	}
}

func TestOpen(t *testing.T) {
	dir := writeRegion(t, "fhir", 2, 2, false)
	tests := []struct {
		name string
		cfg  config.Feed
		want error
	}{
		{"fhir", config.Feed{Name: "a", Format: "fhir", Path: dir}, nil},
		{"fhir as csv", config.Feed{Name: "a", Format: "csv", Path: dir}, transforms.ErrNotFeed},
		{"fhir as synthea", config.Feed{Name: "a", Format: "synthea", Path: dir, PersonID: "x"}, transforms.ErrNotFeed},
		{"missing", config.Feed{Name: "a", Format: "csv", Path: filepath.Join(dir, "nope")}, os.ErrNotExist},
		{"unknown format", config.Feed{Name: "a", Format: "hl7v2", Path: dir}, ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(tt.cfg, transforms.Options{Today: today})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err == nil && f.Name() != tt.cfg.Name {
				t.Errorf("name %q", f.Name())
			}
		})
	}
}

// The Synthea samples in the shared data folder ingest with no rejections
// (run where the folder exists; the project does not need it).
func TestSharedSyntheaSamples(t *testing.T) {
	for _, cfg := range []config.Feed{
		{Name: "synthea-csv", Format: "synthea", Path: "/work/shared/data/synthea/csv_50patients", PersonID: "synthea-id"},
		{Name: "synthea-fhir", Format: "fhir", Path: "/work/shared/data/synthea/fhir_bulk_ndjson_10patients", PersonID: "https://github.com/synthetichealth/synthea"},
	} {
		t.Run(cfg.Name, func(t *testing.T) {
			if _, err := os.Stat(cfg.Path); err != nil {
				t.Skip("shared sample not present")
			}
			f, err := Open(cfg, transforms.Options{Today: today})
			if err != nil {
				t.Fatal(err)
			}
			r, err := feedtest.Read(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", r.Counts())
			if n := len(r.Quarantine.Rejections()); n != 0 {
				t.Errorf("%d rejections: %+v", n, r.Quarantine.Counts())
			}
		})
	}
}

// agreeing summarises what must agree between formats: records kept by
// kind and service, and rejections by entity, with the canonical CSV's
// unknown_code rejections of unknown services counted as kept "unknown"
// events, as the other formats keep them.
func agreeing(r *feedtest.Result) string {
	by := map[string]int64{
		"persons": int64(len(r.Persons)), "objections": int64(len(r.Objections)),
	}
	for _, e := range r.Events {
		by["event "+e.Service.String()]++
	}
	for _, c := range r.Quarantine.Counts() {
		if c.Entity == transforms.EntityEvent && c.Reason == transforms.UnknownCode {
			by["event unknown"] += c.N
			continue
		}
		by["rejected "+c.Entity] += c.N
	}
	var out string
	for _, k := range slices.Sorted(maps.Keys(by)) {
		out += fmt.Sprintf("%s %d\n", k, by[k])
	}
	return out
}

// benchmarkReader reads a region of 1 M events (written once, in setup, by
// the format's writer) and reports rows per second, persons and events.
func benchmarkReader(b *testing.B, format string) {
	dir := writeRegion(b, format, 20000, 1_000_000, false)
	cfg := config.Feed{Name: "bench", Format: format, Path: dir, PersonID: "synthea-id"}
	b.ResetTimer()
	var rows int64
	for b.Loop() {
		f, err := Open(cfg, transforms.Options{Today: today})
		if err != nil {
			b.Fatal(err)
		}
		q := transforms.NewQuarantine(nil)
		people := feedtest.People{}
		ctx := context.Background()
		if err := f.Persons(ctx, q, func(p *canonical.Person) error {
			people[p.Key] = [2]canonical.Date{p.BirthDate, p.DeathDate}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := f.Events(ctx, q, people, func(*canonical.Event) error { return nil }); err != nil {
			b.Fatal(err)
		}
		rows += q.ReadCount("bench", "")
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSV(b *testing.B)     { benchmarkReader(b, "csv") }
func BenchmarkReadFHIR(b *testing.B)    { benchmarkReader(b, "fhir") }
func BenchmarkReadSynthea(b *testing.B) { benchmarkReader(b, "synthea") }
