package jobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// The end-to-end tests share one real run of the whole pipeline on a small
// demo region: generation, feeds, opt-outs, pseudonyms, Parquet, DuckDB
// models, forecasts and the report.
var demo struct {
	once   sync.Once
	dir    string
	cfg    *config.Config
	res    jobs.Result
	logs   bytes.Buffer
	err    error
	region string // the generated feed folder
}

var businessDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func demoConfig(dir string) *config.Config {
	cfg := config.Default()
	cfg.WorkDir = filepath.Join(dir, "work")
	cfg.Warehouse = filepath.Join(dir, "warehouse")
	cfg.Demo.Scale = 0.002
	cfg.Demo.Years = 3
	cfg.Demo.DefectRate = 0.005
	return cfg
}

func runDemo(t *testing.T) {
	t.Helper()
	demo.once.Do(func() {
		demo.dir, demo.err = os.MkdirTemp("", "carecast-e2e-")
		if demo.err != nil {
			return
		}
		demo.cfg = demoConfig(demo.dir)
		log := slog.New(slog.NewJSONHandler(&demo.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		demo.res, demo.err = jobs.RunPipeline(context.Background(), log, jobs.Request{
			Config: demo.cfg, Job: "nightly", Kind: "pipeline", BusinessDate: businessDate,
			Trigger: jobs.TriggerManual, Attempt: 1,
		})
		matches, _ := filepath.Glob(filepath.Join(demo.cfg.WorkDir, "demo", "*"))
		if len(matches) == 1 {
			demo.region = matches[0]
		}
	})
	if demo.err != nil {
		t.Fatalf("pipeline: %v", demo.err)
	}
	if demo.region == "" {
		t.Fatal("no generated demo region in the work folder")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demo.dir != "" {
		os.RemoveAll(demo.dir)
	}
	os.Exit(code)
}

func TestPipelineCommitsAQueryableRun(t *testing.T) {
	runDemo(t)
	wh, err := warehouse.Open(demo.cfg.Warehouse, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	current, err := wh.Current()
	if err != nil || current != demo.res.RunID {
		t.Fatalf("CURRENT = %q, %v; want %q", current, err, demo.res.RunID)
	}
	db, err := cwsql.OpenRun(context.Background(), demo.res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, people, services int64
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT person_id), count(DISTINCT service) FROM activity`).Scan(&events, &people, &services); err != nil {
		t.Fatal(err)
	}
	if events != demo.res.Counts["events_written"] || events == 0 {
		t.Errorf("activity has %d rows, the run says it wrote %d", events, demo.res.Counts["events_written"])
	}
	if services < 8 {
		t.Errorf("%d services in activity, want all 8", services)
	}
	for _, table := range []string{"activity_monthly", "population", "activity_rates", "duplicate_tests",
		"care_transitions", "data_quality", "forecasts", "forecast_accuracy"} {
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM "` + table + `"`).Scan(&n); err != nil || n == 0 {
			t.Errorf("model %s: %d rows, %v", table, n, err)
		}
	}
	if demo.res.Report == "" {
		t.Error("no report built")
	} else if b, err := os.ReadFile(demo.res.Report); err != nil {
		t.Error(err)
	} else if !bytes.Contains(b, []byte("always combines")) {
		// auto's forecasts are the combination, and the report says so.
		t.Error("the report's methods do not say that auto always combines")
	}
	if !demo.res.Published || demo.res.Current != demo.res.RunID {
		t.Errorf("the first run: published %v, current %s; want it published", demo.res.Published, demo.res.Current)
	}
}

// The summary `carecast run` prints must agree with what the generator wrote.
func TestPipelineSummaryAgreesWithGenerator(t *testing.T) {
	runDemo(t)
	var gen struct {
		People  int64                       `json:"people"`
		Events  map[string]map[string]int64 `json:"events"`
		Records map[string]int64            `json:"records"`
		Defects map[string]map[string]int64 `json:"defects"`
	}
	b, err := os.ReadFile(filepath.Join(demo.region, "generation.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gen); err != nil {
		t.Fatal(err)
	}
	if len(demo.res.Summary.Feeds) != 1 {
		t.Fatalf("summary feeds = %+v", demo.res.Summary.Feeds)
	}
	f := demo.res.Summary.Feeds[0]
	// Every activity row the generator wrote, defective or not, is read and
	// then written, quarantined or removed by an opt-out.
	if f.Events != gen.Records["activity"] {
		t.Errorf("events read = %d, generator wrote %d activity rows", f.Events, gen.Records["activity"])
	}
	if f.Written+f.OptedOut > f.Events || f.Written == 0 {
		t.Errorf("written %d + opted out %d > read %d", f.Written, f.OptedOut, f.Events)
	}
	var defects int64
	for _, n := range gen.Defects["activity"] {
		defects += n
	}
	if f.Quarantined < defects/2 {
		t.Errorf("quarantined %d records, the generator made %d defective activity rows", f.Quarantined, defects)
	}
	for svc, years := range gen.Events {
		var generated, written int64
		for _, n := range years {
			generated += n
		}
		for _, byService := range demo.res.Summary.Years {
			written += byService[svc]
		}
		if written > generated || written < generated*8/10 {
			t.Errorf("%s: written %d of %d generated", svc, written, generated)
		}
	}
}

// TestNoIdentifierReachesAnyOutput is the leak test of the privacy rules:
// no NHS number (plain or spaced), name, address, postcode, phone number or
// date of birth of any input person, and no pseudonym of anyone who opted
// out, appears in any byte of the warehouse (every Parquet value decoded),
// the logs or the report.
func TestNoIdentifierReachesAnyOutput(t *testing.T) {
	runDemo(t)
	needles, optedOut := inputNeedles(t, demo.region, demo.cfg)
	if needles.Len() < 1000 || optedOut == 0 {
		t.Fatalf("only %d needles and %d opted-out people: the test would prove little", needles.Len(), optedOut)
	}
	findings := leaks(t, demo.cfg.Warehouse, demo.logs.Bytes(), needles)
	for i, f := range findings {
		if i == 20 {
			t.Errorf("… and %d more", len(findings)-20)
			break
		}
		t.Errorf("leak: %s", f)
	}

	// Errors name the file and line at fault, never the value: a deny list
	// whose bad line holds a real NHS number fails the run without it — in
	// the error, the logs and the run ledger, which records the error.
	nhs, phone := firstPersonIdentifiers(t, demo.region)
	badList := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(badList, []byte("9990000018\n"+nhs+" "+phone+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := *demo.cfg
	cfg.OptOuts.NationalDenyList = &config.ListFile{Path: badList}
	cfg.Warehouse = t.TempDir()
	var failedLogs bytes.Buffer
	_, err := jobs.Execute(context.Background(), slog.New(slog.NewJSONHandler(&failedLogs, nil)), jobs.RunPipeline, jobs.Request{
		Config: &cfg, Job: "nightly", Kind: "pipeline", BusinessDate: businessDate.AddDate(0, 0, 1),
		Trigger: jobs.TriggerManual, Attempt: 1,
	})
	if err == nil {
		t.Fatal("a malformed deny list did not fail the run")
	}
	ledger, rerr := os.ReadFile(filepath.Join(cfg.Warehouse, jobs.LedgerFile))
	if rerr != nil || !bytes.Contains(ledger, []byte("line 2")) {
		t.Fatalf("the ledger does not record the failure (%v): %s", rerr, ledger)
	}
	for _, f := range leaks(t, cfg.Warehouse, append([]byte(err.Error()), failedLogs.Bytes()...), needles) {
		t.Errorf("leak in the error of a failed run: %s", f)
	}

	// The same check fails when a leak is planted, in a Parquet column
	// (zstd-compressed, invisible to a byte scan) and in a log line.
	planted := t.TempDir()
	type note struct {
		Text string `parquet:"text"`
	}
	if err := warehouse.WriteTable(filepath.Join(planted, "leak.parquet"), []note{{Text: "x" + nhs + "y"}}); err != nil {
		t.Fatal(err)
	}
	log := []byte(`{"msg":"rejected","value":"` + nhs[:3] + " " + nhs[3:6] + " " + nhs[6:] + `","phone":"` + phone + `"}`)
	got := leaks(t, planted, log, needles)
	kinds := map[string]bool{}
	for _, f := range got {
		kinds[f.Needle] = true
	}
	for _, want := range []string{leakcheck.NHSNumber, leakcheck.NHSNumberSpaced, leakcheck.Phone} {
		if !kinds[want] {
			t.Errorf("planted %s not found; findings %v", want, got)
		}
	}
}

func leaks(t *testing.T, dir string, logs []byte, n *leakcheck.Needles) []leakcheck.Finding {
	t.Helper()
	found, err := leakcheck.ScanDir(context.Background(), dir, n)
	if err != nil {
		t.Fatal(err)
	}
	return append(found, leakcheck.ScanBytes("logs", logs, n)...)
}

// inputNeedles reads the generated feed directly (not through carecast's
// readers, which are under test) for every identifier it holds, and adds the
// pseudonyms of people who opted out nationally or by a Type 1 objection.
func inputNeedles(t *testing.T, region string, cfg *config.Config) (*leakcheck.Needles, int) {
	t.Helper()
	n := &leakcheck.Needles{}
	// Outputs rightly hold dates from the activity window on (events,
	// months, death months, forecast periods): a baby born in the window
	// shares its birthday with some event. Birth dates before the window
	// can appear in no legitimate output, so those are searched for — and
	// they are nearly everyone's.
	window := canonical.DateOf(businessDate.AddDate(-cfg.Demo.Years, -1, -1))
	forEachRow(t, filepath.Join(region, "persons.csv"), func(r map[string]string) {
		p := &canonical.Person{
			Key: r["nhs_number"], HasNHSNumber: r["nhs_number"] != "",
			Name: strings.TrimSpace(r["given_name"] + " " + r["family_name"]), Address: r["address"],
			Postcode: r["postcode"], Phone: r["phone"], BirthDate: canonical.NoDate,
		}
		if dob, err := canonical.ParseDate(r["date_of_birth"]); err == nil && dob < window {
			p.BirthDate = dob
		}
		n.AddPerson(p)
		n.Add(leakcheck.Name, []byte(r["family_name"]))
	})
	ps := pseudonymise.NewPseudonymiser(pseudonymise.DemoKey())
	opted := map[string]bool{}
	deny, err := os.ReadFile(filepath.Join(region, "optouts", "national_deny_list.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Fields(string(deny)) {
		opted[line] = true
	}
	latest := map[string][2]string{} // person → (date, code)
	forEachRow(t, filepath.Join(region, "gp_objections.csv"), func(r map[string]string) {
		if prev, ok := latest[r["nhs_number"]]; !ok || r["recorded_date"] >= prev[0] {
			latest[r["nhs_number"]] = [2]string{r["recorded_date"], r["code"]}
		}
	})
	for nhs, dc := range latest {
		for _, code := range cfg.OptOuts.Type1.ObjectionCodes {
			if dc[1] == code {
				opted[nhs] = true
			}
		}
	}
	for nhs := range opted {
		if canonical.ValidNHSNumber(nhs) {
			n.AddPseudonym(ps.Pseudonym(nhs))
		}
	}
	return n, len(opted)
}

func firstPersonIdentifiers(t *testing.T, region string) (nhs, phone string) {
	forEachRow(t, filepath.Join(region, "persons.csv"), func(r map[string]string) {
		if nhs == "" && canonical.ValidNHSNumber(r["nhs_number"]) && r["phone"] != "" {
			nhs, phone = r["nhs_number"], r["phone"]
		}
	})
	return nhs, phone
}

func forEachRow(t *testing.T, path string, fn func(map[string]string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			continue // deliberately defective lines
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		fn(row)
	}
}

// A configured opt-out list that is missing or older than its max_age stops
// the run before any output: the warehouse is byte-identical afterwards.
func TestOptOutListFailsClosed(t *testing.T) {
	runDemo(t)
	stale := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(stale, []byte("9990000018\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		list config.ListFile
	}{
		{"missing", config.ListFile{Path: filepath.Join(t.TempDir(), "absent.txt")}},
		{"stale", config.ListFile{Path: stale, MaxAge: config.Duration(7 * 24 * time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := treeHash(t, demo.cfg.Warehouse)
			cfg := *demo.cfg
			list := tt.list
			cfg.OptOuts.NationalDenyList = &list
			_, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
				Config: &cfg, Job: "nightly", Kind: "pipeline", BusinessDate: businessDate.AddDate(0, 0, 1),
				Trigger: jobs.TriggerManual, Attempt: 1,
			})
			if !errors.Is(err, pseudonymise.ErrOptOutList) {
				t.Fatalf("err = %v, want an opt-out list error", err)
			}
			if !jobs.IsPermanent(err) {
				t.Errorf("an opt-out list error must not be retried")
			}
			if after := treeHash(t, demo.cfg.Warehouse); after != before {
				t.Error("the failed run changed the warehouse")
			}
		})
	}
}

// treeHash hashes every file's path and bytes below dir, the lock file and
// ledger excepted (they record attempts, not outputs).
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() || rel == "LOCK" || strings.HasPrefix(rel, "ledger") {
			if d.IsDir() {
				io.WriteString(h, rel+"/\n")
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		io.WriteString(h, rel+"\n")
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// The report and forecast jobs rebuild the current run as a new run for the
// same business date, replacing it; the data files are the same files.
// (Last in this file: it replaces the shared run the tests above read.)
func TestReportJobRebuildsCurrentRun(t *testing.T) {
	runDemo(t)
	before, err := os.Stat(filepath.Join(demo.res.RunDir, "persons.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
		Config: demo.cfg, Job: "report", Kind: "report", BusinessDate: businessDate.AddDate(0, 0, 5),
		Trigger: jobs.TriggerSchedule, Attempt: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID == demo.res.RunID || res.Report == "" {
		t.Fatalf("report job: %+v", res)
	}
	wh, err := warehouse.Open(demo.cfg.Warehouse, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := wh.Current(); cur != res.RunID {
		t.Errorf("CURRENT = %s, want the rebuilt run %s", cur, res.RunID)
	}
	m, err := warehouse.ReadManifest(res.RunDir)
	if err != nil {
		t.Fatal(err)
	}
	if m.BusinessDate != businessDate.Format(time.DateOnly) {
		t.Errorf("rebuilt run is for %s, want the source run's %s", m.BusinessDate, businessDate.Format(time.DateOnly))
	}
	after, err := os.Stat(filepath.Join(res.RunDir, "persons.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("persons.parquet was copied, not linked")
	}
	if _, err := os.Stat(demo.res.RunDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the replaced run of the same business date is still there: %v", err)
	}
}
