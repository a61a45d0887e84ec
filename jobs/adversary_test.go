package jobs_test

// The adversarial suite of issue 14: feeds an information-governance lead
// would try, which the generator never makes. Each test runs the real
// pipeline (feeds, opt-outs, pseudonyms, Parquet, DuckDB models, report)
// through jobs.Execute, then searches every output byte — decoded Parquet
// values, every file of the warehouse (the run ledger included), the logs
// and the error — for the identifiers of the input, and checks that every
// person who must be excluded is absent. docs/privacy.md maps each attack
// to its test.

import (
	"bytes"
	"context"
	"crypto/sha256"
	dbsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/leakcheck"
	"github.com/yhcr/carecast/jobs"
	"github.com/yhcr/carecast/pseudonymise"
	cwsql "github.com/yhcr/carecast/sql"
	"github.com/yhcr/carecast/warehouse"
)

// advDate is the business date of the adversarial runs.
var advDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// advKey is the key of the adversarial runs: 32 bytes, not secret.
const advKey = "adversarial suite key, not a secret, 32+ bytes long"

// nhsNumber returns the i-th valid NHS number (from 0) of the range 999
// 1xx xxx x, which NHS England reserves for testing.
func nhsNumber(i int) string {
	for nine := 999100000; ; nine++ {
		c, ok := canonical.NHSNumberCheckDigit(fmt.Sprint(nine))
		if !ok {
			continue
		}
		if i == 0 {
			return fmt.Sprint(nine) + string(c)
		}
		i--
	}
}

// advPostcodes places the feeds' postcodes in Kirklees and Leeds (LSOA
// 2011 codes of the embedded geography).
const advPostcodes = "pcds,lsoa11\nHD5 8XY,E01011092\nHD1 2QQ,E01011107\nLS1 6BE,E01033015\nLS1 5HD,E01033016\n"

// advenv is one adversarial partnership: its folder, config and key.
type advenv struct {
	t   *testing.T
	dir string
	cfg *config.Config
	ps  *pseudonymise.Pseudonymiser
}

// newAdv returns a partnership with real feeds (none yet), its own key and
// a national deny list of unrelated numbers.
func newAdv(t *testing.T) *advenv {
	t.Helper()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secure", "key")
	deny := filepath.Join(dir, "secure", "deny.txt")
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	if err := os.WriteFile(keyFile, []byte(advKey), 0o600); err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for i := 900; i < 950; i++ {
		list.WriteString(nhsNumber(i) + "\n")
	}
	if err := os.WriteFile(deny, []byte(list.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.WorkDir = filepath.Join(dir, "work")
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	cfg.Pseudonymise.KeyFile = keyFile
	cfg.OptOuts.NationalDenyList = &config.ListFile{Path: deny}
	// Feeds give postcodes; the partnership's lookup places them.
	cfg.Geography.PostcodeLookupFile = filepath.Join(dir, "secure", "postcodes.csv")
	if err := os.WriteFile(cfg.Geography.PostcodeLookupFile, []byte(advPostcodes), 0o600); err != nil {
		t.Fatal(err)
	}
	off := false
	cfg.Forecast.Enabled = &off
	key, err := pseudonymise.LoadKey(cfg.Pseudonymise, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return &advenv{t: t, dir: dir, cfg: cfg, ps: pseudonymise.NewPseudonymiser(key)}
}

// feed writes a feed folder of files (name → content) and adds it to the
// config.
func (a *advenv) feed(name, format string, files map[string]string) string {
	a.t.Helper()
	dir := filepath.Join(a.dir, "feeds", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		a.t.Fatal(err)
	}
	for file, text := range files {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			a.t.Fatal(err)
		}
	}
	fc := config.Feed{Name: name, Format: format, Path: dir}
	if format == "synthea" {
		fc.PersonID = "synthea-id"
	}
	a.cfg.Feeds = append(a.cfg.Feeds, fc)
	return dir
}

// advrun is what one run left.
type advrun struct {
	res  jobs.Result
	err  error
	logs bytes.Buffer
}

// run runs the pipeline for the business date through jobs.Execute, which
// records the run (and any error) in the ledger.
func (a *advenv) run() *advrun {
	a.t.Helper()
	if err := a.cfg.Validate(); err != nil {
		a.t.Fatalf("config: %v", err)
	}
	r := &advrun{}
	log := slog.New(slog.NewJSONHandler(&r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.res, r.err = jobs.Execute(context.Background(), log, jobs.RunPipeline, jobs.Request{
		Config: a.cfg, Job: "nightly", Kind: "pipeline", BusinessDate: advDate, Trigger: jobs.TriggerManual, Attempt: 1,
	})
	return r
}

// mustRun runs and fails the test unless the run committed.
func (a *advenv) mustRun() *advrun {
	a.t.Helper()
	r := a.run()
	if r.err != nil {
		a.t.Fatalf("run failed: %v", r.err)
	}
	return r
}

// noLeak fails the test for every needle found in the warehouse (every
// file, Parquet decoded), the logs or the run's error.
func (a *advenv) noLeak(r *advrun, n *leakcheck.Needles) {
	a.t.Helper()
	if n.Len() == 0 {
		a.t.Fatal("no needles: the test would prove nothing")
	}
	found, err := leakcheck.ScanDir(context.Background(), a.cfg.Warehouse, n)
	if err != nil {
		a.t.Fatal(err)
	}
	found = append(found, leakcheck.ScanBytes("logs", r.logs.Bytes(), n)...)
	if r.err != nil {
		found = append(found, leakcheck.ScanBytes("error", []byte(r.err.Error()), n)...)
	}
	for i, f := range found {
		if i == 20 {
			a.t.Errorf("… and %d more", len(found)-20)
			break
		}
		a.t.Errorf("leak: %s", f)
	}
}

// excluded adds the pseudonyms of people who must not appear to n.
func (a *advenv) excluded(n *leakcheck.Needles, keys ...string) {
	for _, k := range keys {
		n.AddPseudonym(a.ps.Pseudonym(k))
	}
}

// kept fails the test unless the person keyed key is in persons.
func (a *advenv) kept(r *advrun, keys ...string) {
	a.t.Helper()
	db := openRun(a.t, r.res.RunDir)
	for _, k := range keys {
		var n int
		id := uuidOf(a.ps.Pseudonym(k))
		if err := db.QueryRow(`SELECT count(*) FROM persons WHERE person_id = ?::UUID`, id).Scan(&n); err != nil {
			a.t.Fatal(err)
		}
		if n != 1 {
			a.t.Errorf("person %d of the feed is not in persons", len(k))
		}
	}
}

// text adds every string as a needle of kind.
func text(n *leakcheck.Needles, kind string, s ...string) {
	for _, v := range s {
		n.Add(kind, []byte(v))
	}
}

// fhirBundle is a transaction Bundle of one patient and their A&E
// attendances, as Synthea and record systems write them.
func fhirBundle(nhs, given, family, birth, postcode string, attendances ...string) string {
	pid := "urn:uuid:" + strings.Repeat("0", 24) + nhs[:10] + "00"
	entries := []any{map[string]any{"fullUrl": pid, "resource": map[string]any{
		"resourceType": "Patient", "id": pid[9:],
		"identifier": []any{map[string]any{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}},
		"name":       []any{map[string]any{"given": []string{given}, "family": family}},
		"gender":     "female", "birthDate": birth,
		"address": []any{map[string]any{"use": "home", "line": []string{"1 " + family + " Street"}, "postalCode": postcode}},
	}}}
	for i, day := range attendances {
		entries = append(entries, map[string]any{"resource": map[string]any{
			"resourceType": "Encounter", "id": fmt.Sprintf("%s-e%d", nhs, i), "status": "finished",
			"class":   map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
			"subject": map[string]any{"reference": pid},
			"period":  map[string]any{"start": day + "T10:00:00Z", "end": day + "T14:00:00Z"},
			"serviceProvider": map[string]any{"identifier": map[string]any{
				"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RR8"}},
		}})
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	return string(b)
}

// Finding 1: FHIR Bundles named after their patients, as Synthea names
// them (Given_Family_<NHS number>.json). No name, NHS number or file name
// may reach the manifest, the quarantine, the report or the logs; inputs
// are named by feed and ordinal, with their SHA-256 and size kept. A run
// that fails on such a file names neither in its error, logs nor ledger.
func TestAdversaryIdentifiersInFileNames(t *testing.T) {
	a := newAdv(t)
	n := &leakcheck.Needles{}
	files := map[string]string{}
	for i := range 20 {
		nhs := nhsNumber(i + 1)
		given, family := fmt.Sprintf("Ysolde%02d", i), fmt.Sprintf("Quennell%02d", i)
		name := given + "_" + family + "_" + nhs + ".json"
		bundle := fhirBundle(nhs, given, family, "1961-04-0"+fmt.Sprint(1+i%9), "HD5 8XY", "2026-03-02", "2026-05-11")
		if i == 3 {
			// An entry that is not a resource: quarantined, naming its input.
			bundle = strings.Replace(bundle, `"entry":[`, `"entry":[{"resource":42},`, 1)
		}
		files[name] = bundle
		text(n, leakcheck.NHSNumber, nhs)
		text(n, leakcheck.Name, given, family, name, strings.TrimSuffix(name, ".json"))
	}
	dir := a.feed("acute", "fhir", files)
	r := a.mustRun()
	a.noLeak(r, n)

	m := readManifest(t, r.res.RunDir)
	if len(m.Inputs) != 20 {
		t.Fatalf("manifest has %d inputs, want 20", len(m.Inputs))
	}
	// The checksums (computed beside the extract) are those of the files.
	sums := map[string]int64{}
	for _, b := range files {
		sums[fmt.Sprintf("%x", sha256.Sum256([]byte(b)))] = int64(len(b))
	}
	for i, in := range m.Inputs {
		if in.Input != fmt.Sprintf("acute#%d", i+1) || in.Feed != "acute" || in.Ordinal != i+1 || in.Size != sums[in.SHA256] || in.Size == 0 {
			t.Errorf("input %d: %+v is not one of the files", i, in)
		}
		delete(sums, in.SHA256)
	}
	var quarantined []string
	db := openRun(t, r.res.RunDir)
	rows, err := db.Query(`SELECT DISTINCT input FROM quarantine`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		quarantined = append(quarantined, s)
	}
	rows.Close()
	if len(quarantined) != 1 || !strings.HasPrefix(quarantined[0], "acute#") {
		t.Errorf("quarantine names inputs %v, want one acute#n", quarantined)
	}

	// A file that is not gzip although named .gz stops the run (or, as a
	// reader may choose, is quarantined): either way its name reaches
	// neither the error, the logs nor the ledger.
	broken := filepath.Join(dir, "Zebedee_Quennell_"+nhsNumber(40)+".json.gz")
	os.WriteFile(broken, []byte(`{"resourceType":"Bundle","type":"collection","entry":[]}`), 0o644)
	text(n, leakcheck.Name, "Zebedee", filepath.Base(broken))
	a.cfg.Warehouse = filepath.Join(a.dir, "warehouse-failed")
	failed := a.run()
	if failed.err != nil && !strings.Contains(failed.err.Error(), "acute#") {
		t.Errorf("the error does not name the input: %v", failed.err)
	}
	a.noLeak(failed, n)
}

func openRun(t *testing.T, runDir string) *dbsql.DB {
	t.Helper()
	db, err := cwsql.OpenRun(context.Background(), runDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func readManifest(t *testing.T, runDir string) *warehouse.Manifest {
	t.Helper()
	m, err := warehouse.ReadManifest(runDir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// uuidOf is a pseudonym as DuckDB prints a UUID.
func uuidOf(p pseudonymise.Pseudonym) string {
	h := p.String()
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// bounds is what published ages say of a birth date: it lies in [lo, hi].
type bounds struct{ lo, hi canonical.Date }

const (
	minDate = canonical.Date(-1 << 30)
	maxDate = canonical.Date(1 << 30)
)

// cohortBounds returns the birth dates consistent with ages from lo to hi
// at 30 June of year y, the documented rule (docs/data.md): age 0 also
// stands for a child born after that day, age 90 for 90 and over.
func cohortBounds(y, lo, hi int) bounds {
	b := bounds{lo: minDate, hi: maxDate}
	if hi < canonical.MaxAge {
		b.lo = canonical.MakeDate(y-hi-1, time.July, 1)
	}
	if lo > 0 {
		b.hi = canonical.MakeDate(y-lo, time.June, 30)
	}
	return b
}

// bandAges returns the ages of a five-year band ("0-4" … "90+").
func bandAges(band string) (lo, hi int, ok bool) {
	if band == "90+" {
		return 90, canonical.MaxAge, true
	}
	_, err := fmt.Sscanf(band, "%d-%d", &lo, &hi)
	return lo, hi, err == nil
}

// Finding 5: every published (date, age) and (date, age band) pair of
// every person — activity at each event, persons at the business date or
// death — is intersected under the documented rule; no window may be
// under 365 days, and every window holds the true birth date.
func TestAdversaryBirthDateReconstruction(t *testing.T) {
	runDemo(t)
	ps := pseudonymise.NewPseudonymiser(pseudonymise.DemoKey())
	truth := map[string]canonical.Date{}
	forEachRow(t, filepath.Join(demo.region, "persons.csv"), func(r map[string]string) {
		if b, err := canonical.ParseDate(r["date_of_birth"]); err == nil && canonical.ValidNHSNumber(r["nhs_number"]) {
			truth[uuidOf(ps.Pseudonym(r["nhs_number"]))] = b
		}
	})
	db := openRun(t, demo.res.RunDir)
	windows := map[string]*bounds{}
	first := map[string]canonical.Date{} // first event: the person was born by then
	add := func(id string, b bounds) {
		w, ok := windows[id]
		if !ok {
			w = &bounds{lo: minDate, hi: maxDate}
			windows[id] = w
		}
		w.lo, w.hi = max(w.lo, b.lo), min(w.hi, b.hi)
	}
	pairs := 0
	rows, err := db.Query(`SELECT person_id::VARCHAR, event_date, age, age_band FROM activity
		UNION ALL
		SELECT person_id::VARCHAR, coalesce(death_month, ?::DATE), age, age_band FROM persons`, advDate.AddDate(0, 0, -1).Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, band string
		var when time.Time
		var age int
		if err := rows.Scan(&id, &when, &age, &band); err != nil {
			t.Fatal(err)
		}
		pairs++
		d := canonical.DateOf(when)
		y := d.Year()
		add(id, cohortBounds(y, age, age))
		if lo, hi, ok := bandAges(band); ok {
			add(id, cohortBounds(y, lo, hi))
		}
		if f, ok := first[id]; !ok || d < f {
			first[id] = d
		}
	}
	rows.Close()
	if pairs < 10000 || len(windows) < 1000 {
		t.Fatalf("only %d pairs of %d people: the test would prove little", pairs, len(windows))
	}
	narrow, wrong, infants := 0, 0, 0
	for id, w := range windows {
		if int(w.hi-w.lo)+1 < 365 {
			narrow++
		}
		b, ok := truth[id]
		if !ok {
			t.Fatalf("a person_id of the run is no input person's pseudonym")
		}
		if b < w.lo || b > w.hi {
			wrong++
		}
		// Existence: an event shows the person was born by its date. For a
		// child whose first event falls in its birth year (mid-year to
		// mid-year) this narrows the window; event dates are published,
		// so that is measured here and stated in docs/privacy.md, not
		// asserted away.
		if hi := min(w.hi, first[id]); int(hi-w.lo)+1 < 365 {
			infants++
		}
	}
	t.Logf("%d people, %d (date, age) pairs: %d windows under 365 days, %d not holding the birth date; "+
		"with event dates as upper bounds, %d people (children in their birth year) have a window under 365 days",
		len(windows), pairs, narrow, wrong, infants)
	if narrow > 0 {
		t.Errorf("%d of %d people's birth dates are narrowed to under 365 days", narrow, len(windows))
	}
	if wrong > 0 {
		t.Errorf("%d of %d people's published ages do not follow the documented rule", wrong, len(windows))
	}
}

// csvFeed is a canonical CSV feed of people (nhs_number, birth date) each
// with one A&E attendance a month of 2026, living in Kirklees.
func csvFeed(people ...[2]string) map[string]string {
	var persons, activity strings.Builder
	persons.WriteString("nhs_number,given_name,family_name,postcode,date_of_birth,sex,gp_practice\n")
	activity.WriteString("record_id,nhs_number,service,provider,event_date,code_system,code\n")
	for i, p := range people {
		fmt.Fprintf(&persons, "%s,Ysolde,Quennell%d,HD5 8XY,%s,2,B85001\n", p[0], i, p[1])
		for m := 1; m <= 9; m++ {
			fmt.Fprintf(&activity, "A%d-%d,%s,ae_attendance,RWY,2026-%02d-10,SNOMED,50849002\n", i, m, p[0], m)
		}
	}
	return map[string]string{"persons.csv": persons.String(), "activity.csv": activity.String()}
}

// Finding 4: with real feeds and opt-outs on, a national source is
// required; an empty list, one below min_entries, and one whose own date
// is old although copying reset its mtime are refused before anything is
// written.
func TestAdversaryNationalOptOutsRequired(t *testing.T) {
	a := newAdv(t)
	a.feed("gp", "csv", csvFeed([2]string{nhsNumber(1), "1960-01-01"}))
	a.mustRun()
	before := treeHash(t, a.cfg.Warehouse)

	noList := *a.cfg
	noList.OptOuts.NationalDenyList = nil
	if err := noList.Validate(); err == nil || !strings.Contains(err.Error(), "opt_outs.national_deny_list") {
		t.Errorf("a config with real feeds and no national list: %v", err)
	}
	// RunPipeline refuses it too, for configs made without Validate.
	if _, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
		Config: &noList, Job: "nightly", Kind: "pipeline", BusinessDate: advDate, Trigger: jobs.TriggerManual, Attempt: 1,
	}); err == nil || !jobs.IsPermanent(err) {
		t.Errorf("RunPipeline with no national list: %v", err)
	}

	dir := filepath.Join(a.dir, "secure")
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o600)
	dated := filepath.Join(dir, "ndop_deny_20260901.txt") // two months old, copied just now
	b, _ := os.ReadFile(a.cfg.OptOuts.NationalDenyList.Path)
	os.WriteFile(dated, b, 0o600)
	for _, tt := range []struct {
		name string
		list config.ListFile
	}{
		{"empty list", config.ListFile{Path: empty, MinEntries: 1}},
		{"below min_entries", config.ListFile{Path: a.cfg.OptOuts.NationalDenyList.Path, MinEntries: 100000}},
		{"stale by its dated name", config.ListFile{Path: dated, MinEntries: 1, MaxAge: config.Duration(7 * 24 * time.Hour), DatedName: "ndop_deny_YYYYMMDD.txt"}},
		{"stale by as_of", config.ListFile{Path: dated, MinEntries: 1, MaxAge: config.Duration(7 * 24 * time.Hour), AsOf: "2026-09-01"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := *a.cfg
			list := tt.list
			cfg.OptOuts.NationalDenyList = &list
			_, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
				Config: &cfg, Job: "nightly", Kind: "pipeline", BusinessDate: advDate, Trigger: jobs.TriggerManual, Attempt: 1,
			})
			if !errors.Is(err, pseudonymise.ErrOptOutList) || !jobs.IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent opt-out list error", err)
			}
			if treeHash(t, a.cfg.Warehouse) != before {
				t.Error("the refused run changed the warehouse")
			}
		})
	}
}

// Finding 2: free text and other people's identifiers in pass-through
// fields (CSV provider, code, gp_practice; Synthea ORGANIZATION,
// REASONCODE) never reach an output; the records are quarantined as
// bad_value.
func TestAdversaryFreeTextInPassThroughFields(t *testing.T) {
	a := newAdv(t)
	victim := nhsNumber(99) // someone else's NHS number, typed into a code field
	const free = "Mrs Jane Smith HD5 8XY"
	files := csvFeed([2]string{nhsNumber(1), "1960-01-01"}, [2]string{nhsNumber(2), "1970-01-01"})
	files["persons.csv"] += nhsNumber(3) + ",Ysolde,Quennell3,HD5 8XY,1980-01-01,2,Dr Smith's surgery\n"
	files["activity.csv"] += "X1," + nhsNumber(1) + ",ae_attendance," + free + ",2026-03-11,,\n" +
		"X2," + nhsNumber(1) + ",ae_attendance,RWY,2026-03-12,SNOMED," + victim + "\n" +
		"X3," + nhsNumber(2) + ",ae_attendance,RWY,2026-03-13,ICD-10,Jane Smith HD5\n"
	a.feed("acute", "csv", files)
	pid := "53a96042-62b9-534a-5e14-107d89e3efdb"
	a.feed("synthea", "synthea", map[string]string{
		"patients.csv": "Id,BIRTHDATE,GENDER,ZIP\n" + pid + ",1950-02-03,F,HD5 8XY\n",
		"encounters.csv": "Id,START,STOP,PATIENT,ORGANIZATION,ENCOUNTERCLASS,CODE,REASONCODE\n" +
			"e1,2026-02-01T10:00:00Z,," + pid + ",b1b5d282-8c7b-330c-8d8d-8549cdc7ab46,emergency,50849002,\n" +
			"e2,2026-03-01T10:00:00Z,," + pid + "," + free + ",emergency,50849002,\n" +
			"e3,2026-04-01T10:00:00Z,," + pid + ",b1b5d282-8c7b-330c-8d8d-8549cdc7ab46,emergency,50849002," + victim + "\n",
	})
	for i := range a.cfg.Feeds {
		f := 0.5 // the attack is most of this small feed
		a.cfg.Feeds[i].MaxRejectedFraction = &f
	}
	a.cfg.OptOuts.IncludeWithoutNHSNumber, a.cfg.OptOuts.IncludeReason = true, "test: Synthea has no NHS numbers"
	r := a.mustRun()
	n := &leakcheck.Needles{}
	text(n, leakcheck.Name, free, "Jane Smith", "Dr Smith", "Smith's surgery")
	text(n, leakcheck.NHSNumber, victim)
	a.noLeak(r, n)

	db := openRun(t, r.res.RunDir)
	var badValues int
	if err := db.QueryRow(`SELECT count(*) FROM quarantine WHERE reason = 'bad_value'`).Scan(&badValues); err != nil {
		t.Fatal(err)
	}
	if badValues != 6 {
		t.Errorf("%d bad_value rejections, want 6 (gp_practice, provider, 2 codes, ORGANIZATION, REASONCODE)", badValues)
	}
}

// Finding 3: objection-like records that fail validation exclude their
// person (fail closed), in every feed: no date, a future or impossible
// date, a misspelt code system, in a GP CSV feed; a bad date in Synthea.
func TestAdversaryInvalidObjectionsFailClosed(t *testing.T) {
	a := newAdv(t)
	var people [][2]string
	for i := 1; i <= 6; i++ {
		people = append(people, [2]string{nhsNumber(i), "1960-01-01"})
	}
	a.feed("acute", "csv", csvFeed(people...))
	gp := csvFeed(people[:1]...) // the GP feed knows only the first; its records name the rest
	gp["gp_objections.csv"] = "nhs_number,code_system,code,recorded_date\n" +
		nhsNumber(2) + ",SNOMED,827241000000103,\n" +
		nhsNumber(3) + ",SNOMED,827241000000103,2031-01-01\n" +
		nhsNumber(4) + ",READ,9Nu0,2021-02-30\n" +
		nhsNumber(5) + ",SNOMED CT,827241000000103,2021-06-01\n" +
		nhsNumber(6) + ",SNOMED,827261000000102,\n" // an invalid withdrawal: withdraws nothing, excludes nobody
	a.feed("gp", "csv", gp)
	pid := "4c436da0-38b3-ea7e-223a-536da95e51fe"
	a.feed("synthea", "synthea", map[string]string{
		"patients.csv":   "Id,BIRTHDATE,GENDER,ZIP\n" + pid + ",1950-02-03,F,HD5 8XY\n",
		"encounters.csv": "Id,START,STOP,PATIENT,ORGANIZATION,ENCOUNTERCLASS,CODE,REASONCODE\ne1,2026-02-01T10:00:00Z,," + pid + ",,emergency,50849002,\n",
		"conditions.csv": "START,STOP,PATIENT,ENCOUNTER,CODE\n2021-02-30,," + pid + ",e1,827241000000103\n",
	})
	for i := range a.cfg.Feeds {
		f := 1.0 // the GP feed's records are all invalid on purpose
		a.cfg.Feeds[i].MaxRejectedFraction = &f
	}
	a.cfg.OptOuts.IncludeWithoutNHSNumber, a.cfg.OptOuts.IncludeReason = true, "test: Synthea has no NHS numbers"
	r := a.mustRun()
	n := &leakcheck.Needles{}
	a.excluded(n, nhsNumber(2), nhsNumber(3), nhsNumber(4), nhsNumber(5), "synthea|synthea-id|"+pid)
	a.noLeak(r, n)
	a.kept(r, nhsNumber(1), nhsNumber(6))

	db := openRun(t, r.res.RunDir)
	var people5 int64
	if err := db.QueryRow(`SELECT sum(people) FROM optouts_applied WHERE reason = 'type1_objection_invalid'`).Scan(&people5); err != nil {
		t.Fatal(err)
	}
	if people5 != 5 {
		t.Errorf("%d people removed as type1_objection_invalid, want 5", people5)
	}
}

// Finding 6: two trusts' local identifier "MRN 123" are two people: one's
// objection does not remove the other, nor do they share a birth date.
func TestAdversaryLocalIdentifiersNamespaced(t *testing.T) {
	a := newAdv(t)
	feed := func(birth, objection string) map[string]string {
		f := map[string]string{
			"persons.csv": "local_id_system,local_id,postcode,date_of_birth,sex\nMRN,123,HD5 8XY," + birth + ",2\n",
			"activity.csv": "record_id,local_id_system,local_id,service,provider,event_date\n" +
				"A1,MRN,123,ae_attendance,RWY,2026-03-10\nA2,MRN,123,ae_attendance,RWY,2026-05-10\n",
		}
		if objection != "" {
			f["gp_objections.csv"] = "local_id_system,local_id,code_system,code,recorded_date\nMRN,123,SNOMED,827241000000103," + objection + "\n"
		}
		return f
	}
	a.feed("trust-a", "csv", feed("1950-03-03", "2024-01-01"))
	a.feed("trust-b", "csv", feed("1990-09-09", ""))
	a.cfg.OptOuts.IncludeWithoutNHSNumber, a.cfg.OptOuts.IncludeReason = true, "test: local identifiers"
	r := a.mustRun()
	n := &leakcheck.Needles{}
	a.excluded(n, "trust-a|MRN|123")
	a.noLeak(r, n)
	a.kept(r, "trust-b|MRN|123")
	db := openRun(t, r.res.RunDir)
	var ages string
	if err := db.QueryRow(`SELECT string_agg(DISTINCT age::VARCHAR, ',') FROM activity`).Scan(&ages); err != nil {
		t.Fatal(err)
	}
	if ages != "35" {
		t.Errorf("activity ages %q, want trust B's person alone, 35 at 30 June 2026 (born after 30 June 1990)", ages)
	}
}

// Finding 6: a key that changes between runs — here by a trailing newline
// too many, which changes every pseudonym — stops the run unless the
// change is declared intended (--new-key, or pseudonymise.key_id naming
// the new key), and the manifest records it.
func TestAdversaryKeyChangeStopsTheRun(t *testing.T) {
	a := newAdv(t)
	a.feed("gp", "csv", csvFeed([2]string{nhsNumber(1), "1960-01-01"}))
	first := a.mustRun()
	m := readManifest(t, first.res.RunDir)
	if m.KeyContinuity == nil || m.KeyContinuity.PreviousRunID != "" || m.KeyContinuity.Changed {
		t.Errorf("first run's key continuity %+v", m.KeyContinuity)
	}
	// Every run measures its re-identification risk.
	if rr := m.ReidentificationRisk; rr == nil || rr.K != 5 || len(rr.Combinations) != 5 || rr.Combinations[0].People != 1 {
		t.Errorf("re-identification risk %+v", rr)
	}
	before := treeHash(t, a.cfg.Warehouse)

	if err := os.WriteFile(a.cfg.Pseudonymise.KeyFile, []byte(advKey+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	changed := a.run()
	if !errors.Is(changed.err, jobs.ErrKeyChanged) || !jobs.IsPermanent(changed.err) {
		t.Fatalf("run with a changed key: %v, want a permanent ErrKeyChanged", changed.err)
	}
	if treeHash(t, a.cfg.Warehouse) != before {
		t.Error("the refused run changed the warehouse")
	}
	for _, want := range []string{m.KeyID, "--new-key", "pseudonymise.key_id"} {
		if !strings.Contains(changed.err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, changed.err)
		}
	}

	// Declared intended by --new-key: the run commits and says so.
	req := jobs.Request{Config: a.cfg, Job: "nightly", Kind: "pipeline", BusinessDate: advDate, Trigger: jobs.TriggerManual, Attempt: 1, NewKey: true}
	res, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), req)
	if err != nil {
		t.Fatal(err)
	}
	m2 := readManifest(t, res.RunDir)
	if kc := m2.KeyContinuity; kc == nil || !kc.Changed || kc.PreviousKeyID != m.KeyID || kc.IntendedBy != "--new-key" ||
		kc.PreviousRunID != first.res.RunID || m2.KeyID == m.KeyID {
		t.Errorf("key continuity after --new-key: %+v (key id %s)", m2.KeyContinuity, m2.KeyID)
	}

	// Declared in config: pseudonymise.key_id names the key meant, and a key
	// of any other id is refused even with no earlier run to compare.
	os.WriteFile(a.cfg.Pseudonymise.KeyFile, []byte(advKey), 0o600)
	a.cfg.Pseudonymise.KeyID = m.KeyID
	if r := a.run(); r.err != nil {
		t.Fatalf("change back, declared by key_id: %v", r.err)
	}
	a.cfg.Pseudonymise.KeyID = "0badc0de"
	a.cfg.Warehouse = filepath.Join(a.dir, "warehouse-new")
	if r := a.run(); !errors.Is(r.err, jobs.ErrKeyChanged) {
		t.Errorf("a key other than pseudonymise.key_id: %v", r.err)
	}
}
