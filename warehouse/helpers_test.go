package warehouse

import (
	"crypto/sha256"
	dbsql "database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the independent Parquet reader of the tests

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/pseudonymise"
)

// Pools of realistic values for generated rows: a region's places,
// providers and codes, small enough to be dictionary-encoded.
var (
	genSexes     = []string{"female", "male", "indeterminate", "not_known"}
	genBands     = []string{"0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+", "unknown"}
	genFeeds     = []string{"acute_trust", "gp_extract", "community", "social_care"}
	genSystems   = []string{"", "ICD-10", "SNOMED", "OPCS-4", "READ"}
	genLADs      = pool("E0800%04d", 15)
	genLSOAs     = pool("E0101%04d", 3300)
	genProviders = pool("R%03d", 60)
	genCodes     = pool("C%04d", 2000)
	genServices  = canonical.Services()
)

func pool(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

// pseudonym returns a deterministic pseudonym for person i.
func pseudonym(i uint64) pseudonymise.Pseudonym {
	sum := sha256.Sum256(fmt.Appendf(nil, "person %d", i))
	return pseudonymise.Pseudonym(sum[:16])
}

// genActivity fills a with a generated event of one of the people ids,
// dated 2019 to 2026.
func genActivity(r *rand.Rand, ids []pseudonymise.Pseudonym, a *pseudonymise.ActivityRow) {
	p := r.IntN(len(ids))
	svc := genServices[r.IntN(len(genServices))]
	lsoa := p % len(genLSOAs)
	sys := genSystems[r.IntN(len(genSystems))]
	*a = pseudonymise.ActivityRow{
		PersonID:     ids[p],
		Date:         canonical.MakeDate(2019, 1, 1) + canonical.Date(r.IntN(8*365)),
		Service:      svc,
		Setting:      svc.DefaultSetting(),
		Provider:     genProviders[r.IntN(len(genProviders))],
		Feed:         genFeeds[r.IntN(len(genFeeds))],
		Age:          int16(p % 100),
		AgeBand:      genBands[p%len(genBands)],
		Sex:          genSexes[p%len(genSexes)],
		LSOA:         genLSOAs[lsoa],
		LAD:          genLADs[lsoa%len(genLADs)],
		SubICB:       "E38000254",
		ICB:          "E54000054",
		CodeSystem:   sys,
		LengthOfStay: -1,
	}
	if sys != "" {
		a.Code = genCodes[r.IntN(len(genCodes))]
	}
	if svc == canonical.EmergencyAdmission || svc == canonical.ElectiveAdmission {
		a.LengthOfStay = int32(r.IntN(30))
	}
}

func genIDs(n int) []pseudonymise.Pseudonym {
	ids := make([]pseudonymise.Pseudonym, n)
	for i := range ids {
		ids[i] = pseudonym(uint64(i))
	}
	return ids
}

func genPersons(n int) []pseudonymise.PersonRow {
	out := make([]pseudonymise.PersonRow, n)
	for i := range out {
		out[i] = pseudonymise.PersonRow{
			ID: pseudonym(uint64(i)), Sex: genSexes[i%4], Age: int16(i % 101), AgeBand: genBands[i%len(genBands)],
			LSOA: genLSOAs[i%len(genLSOAs)], LAD: genLADs[i%len(genLADs)], LADName: "Place " + genLADs[i%len(genLADs)],
			SubICB: "E38000254", SubICBName: "NHS West Yorkshire ICB - X2C4Y", ICB: "E54000054", ICBName: "West Yorkshire", Practice: fmt.Sprintf("B%05d", i%40),
			DeathMonth: canonical.NoDate, Feeds: genFeeds[i%len(genFeeds)],
		}
		if i%7 == 3 {
			out[i].DeathMonth = canonical.MakeDate(2020+i%5, time.Month(1+i%12), 1)
		}
	}
	return out
}

// writeRun stages a run of people persons and events events, without
// committing it.
func writeRun(t testing.TB, w *Warehouse, id string, people, events int, seed uint64) *Run {
	t.Helper()
	run, err := w.Begin(id)
	if err != nil {
		t.Fatal(err)
	}
	pw, err := run.Persons()
	if err != nil {
		t.Fatal(err)
	}
	ps := genPersons(people)
	for i := range ps {
		if err := pw.Write(&ps[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	aw, err := run.Activity()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	ids := genIDs(people)
	var a pseudonymise.ActivityRow
	for range events {
		genActivity(r, ids, &a)
		if err := aw.Write(&a); err != nil {
			t.Fatal(err)
		}
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	return run
}

// commitRun writes and commits a small run.
func commitRun(t testing.TB, w *Warehouse, id string) {
	t.Helper()
	run := writeRun(t, w, id, 50, 300, 7)
	if err := run.Commit(&Manifest{Job: "nightly"}); err != nil {
		t.Fatal(err)
	}
}

func runID(t testing.TB, start string, date string) string {
	t.Helper()
	s, err := time.Parse(time.RFC3339, start)
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		t.Fatal(err)
	}
	return NewRunID(s, d)
}

// hashTree returns the SHA-256 of every file under root, by relative path.
func hashTree(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		sum := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func openDuckDB(t testing.TB) *dbsql.DB {
	t.Helper()
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sqlString(s string) string { return "'" + s + "'" }

// uuidString formats a pseudonym as DuckDB prints a UUID.
func uuidString(p pseudonymise.Pseudonym) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", p[0:4], p[4:6], p[6:8], p[8:10], p[10:16])
}
