package reports

import (
	"bytes"
	"context"
	dbsql "database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/yhcr/carecast/reports/reportstest"
	"github.com/yhcr/carecast/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// builtReport is the report of the small region, built once for the
// tests that read it.
var builtReport = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "carecast-report-")
	if err != nil {
		return "", err
	}
	runDir := reportstest.WriteRun(fatalT{}, dir, reportstest.Small, true)
	out := filepath.Join(runDir, "report")
	_, err = Build(context.Background(), runDir, out, Options{Title: "Test region"})
	return out, err
})

// fatalT lets the shared fixture be built outside a test.
type fatalT struct{ testing.TB }

func (fatalT) Helper()                   {}
func (fatalT) Fatal(args ...any)         { panic(args) }
func (fatalT) Fatalf(f string, a ...any) { panic(f) }

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if dir, err := builtReport(); err == nil {
		os.RemoveAll(filepath.Dir(filepath.Dir(filepath.Dir(dir))))
	}
	if scenarioReportRoot != "" {
		os.RemoveAll(scenarioReportRoot)
	}
	os.Exit(code)
}

func reportDir(t *testing.T) string {
	t.Helper()
	dir, err := builtReport()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func parseHTML(t *testing.T, path string) *html.Node {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// checkCount reports whether s, a published count, is allowed: * or a
// multiple of 5 that is not 1–7. ok is false when s is not a number.
func checkCount(s string) (valid, isNumber bool) {
	s = strings.ReplaceAll(s, ",", "")
	if s == Suppressed {
		return true, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if _, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			return false, true // a count is never fractional
		}
		return true, false
	}
	return n == 0 || (n > 7 && n%5 == 0), true
}

func htmlFiles(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pages in %s: %v", dir, err)
	}
	return files
}

// TestPublishedCounts parses every page and CSV file and checks that no
// count is 1–7 and every count is a multiple of 5; only cells marked
// exempt (HTML) or columns named as exempt (CSV) may hold other numbers.
func TestPublishedCounts(t *testing.T) {
	checked, suppressed := checkPublishedCounts(t, reportDir(t))
	// The fixture has small counts: the check must have had work to do.
	if checked < 1000 || suppressed < 10 {
		t.Errorf("checked %d counts, %d suppressed: the fixture should exercise both", checked, suppressed)
	}
}

// checkPublishedCounts checks the published counts of the report in dir
// and says how many it checked and how many were suppressed.
func checkPublishedCounts(t *testing.T, dir string) (checked, suppressed int) {
	t.Helper()
	for _, path := range htmlFiles(t, dir) {
		for n := range parseHTML(t, path).Descendants() {
			if n.DataAtom != atom.Td {
				continue
			}
			if _, exempt := attr(n, "data-exempt"); exempt {
				continue
			}
			s := text(n)
			valid, num := checkCount(s)
			if !valid {
				t.Errorf("%s: published count %q", filepath.Base(path), s)
			}
			if num {
				checked++
			}
			if s == Suppressed {
				suppressed++
			}
		}
	}
	csvs, _ := filepath.Glob(filepath.Join(dir, "csv", "*.csv"))
	csvs = append(csvs, filepath.Join(dir, "forecasts.csv"))
	exemptCols := []string{"year", "months_compared", "size_bytes", "baseline_year", "horizon_year", "draws"}
	for _, path := range csvs {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: %v", path, err)
		}
		if strings.HasSuffix(path, "-all-figures.csv") {
			// One figure a line: the kind column says which are counts.
			for _, rec := range recs[1:] {
				if rec[7] != "count" {
					continue
				}
				if valid, num := checkCount(rec[6]); !valid {
					t.Errorf("%s: %s, %s: published count %q", filepath.Base(path), rec[2], rec[5], rec[6])
				} else if num {
					checked++
				}
			}
			continue
		}
		for _, rec := range recs[1:] {
			for i, v := range rec {
				name := recs[0][i]
				if strings.HasPrefix(name, "modelled_") || strings.HasPrefix(name, "rate_") || slices.Contains(exemptCols, name) {
					continue
				}
				valid, num := checkCount(v)
				if !valid {
					t.Errorf("%s: column %s: published count %q", filepath.Base(path), name, v)
				}
				if num {
					checked++
				}
			}
		}
	}
	return checked, suppressed
}

// TestHTMLStructure checks every page: internal links resolve, nothing is
// loaded from outside, every chart has a text alternative and a table of
// its numbers, tables are semantic, and the DEMO banner is there.
func TestHTMLStructure(t *testing.T) {
	charts, spcCharts := checkStructure(t, reportDir(t))
	// The region, 2 ICBs and 4 places, 8 services, 3 charts each (history
	// and forecast, seasonal profile, rates by deprivation), and an SPC
	// chart for each series with enough published months.
	if want := 7 * 8 * 3; charts-spcCharts != want || spcCharts == 0 {
		t.Errorf("%d charts and %d SPC charts, want %d and some", charts-spcCharts, spcCharts, want)
	}
}

// checkStructure checks the pages of the report in dir and returns the
// number of charts in them, and of those the SPC charts.
func checkStructure(t *testing.T, dir string) (charts, spcCharts int) {
	t.Helper()
	ids := map[string]map[string]bool{} // page → ids
	docs := map[string]*html.Node{}
	for _, path := range htmlFiles(t, dir) {
		doc := parseHTML(t, path)
		name := filepath.Base(path)
		docs[name], ids[name] = doc, map[string]bool{}
		for n := range doc.Descendants() {
			if id, ok := attr(n, "id"); ok && n.Type == html.ElementNode {
				if ids[name][id] {
					t.Errorf("%s: duplicate id %q", name, id)
				}
				ids[name][id] = true
			}
		}
	}
	for name, doc := range docs {
		demo := false
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			if c, _ := attr(n, "class"); c == "demo" && strings.Contains(text(n), "DEMO") {
				demo = true
			}
			switch href, _ := attr(n, "href"); n.DataAtom {
			case atom.Link:
				// Only the empty icon, which stops browsers asking for
				// favicon.ico.
				if rel, _ := attr(n, "rel"); rel != "icon" || href != "data:," {
					t.Errorf("%s: <link rel=%q href=%q>: the report must be self-contained", name, rel, href)
				}
				continue
			case atom.Script, atom.Iframe, atom.Img, atom.Object:
				t.Errorf("%s: <%s> element: the report must be self-contained", name, n.Data)
			}
			if src, ok := attr(n, "src"); ok {
				t.Errorf("%s: <%s src=%q>: the report must be self-contained", name, n.Data, src)
			}
			if href, ok := attr(n, "href"); ok {
				checkLink(t, dir, name, href, ids)
			}
			switch n.DataAtom {
			case atom.Svg:
				if hidden, _ := attr(n, "aria-hidden"); hidden == "true" {
					// A variation icon: its text stands beside it.
					if c, _ := attr(n, "class"); !strings.HasPrefix(c, "spc-icon") || n.Parent == nil || strings.TrimSpace(text(n.Parent)) == "" {
						t.Errorf("%s: hidden svg %q without its text beside it", name, c)
					}
					continue
				}
				charts++
				if id, _ := attr(n, "aria-labelledby"); strings.HasSuffix(strings.Fields(id + " x")[0], "-spc-chart-t") {
					spcCharts++
				}
				checkChart(t, name, n, ids[name])
			case atom.Table:
				checkTable(t, name, n)
			}
		}
		if !demo {
			t.Errorf("%s: no DEMO banner", name)
		}
	}
	return charts, spcCharts
}

func checkLink(t *testing.T, dir, page, href string, ids map[string]map[string]bool) {
	t.Helper()
	u, err := url.Parse(href)
	if err != nil || u.Scheme != "" || u.Host != "" {
		t.Errorf("%s: link %q leaves the report", page, href)
		return
	}
	target := page
	if u.Path != "" {
		target = u.Path
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(u.Path))); err != nil {
			t.Errorf("%s: link %q: %v", page, href, err)
			return
		}
	}
	if u.Fragment != "" {
		if pageIDs, ok := ids[target]; !ok || !pageIDs[u.Fragment] {
			t.Errorf("%s: link %q: no element with id %q in %s", page, href, u.Fragment, target)
		}
	}
}

func checkChart(t *testing.T, page string, svg *html.Node, ids map[string]bool) {
	t.Helper()
	if role, _ := attr(svg, "role"); role != "img" {
		t.Errorf("%s: chart without role=img", page)
	}
	labels, _ := attr(svg, "aria-labelledby")
	var title, desc bool
	for n := range svg.Descendants() {
		id, _ := attr(n, "id")
		switch {
		case n.Data == "title" && text(n) != "" && strings.Contains(labels, id):
			title = true
		case n.Data == "desc" && text(n) != "" && strings.Contains(labels, id):
			desc = true
		}
	}
	if !title || !desc {
		t.Errorf("%s: chart %q without a labelling <title> and <desc>", page, labels)
	}
	fig := svg.Parent
	if fig == nil || fig.DataAtom != atom.Figure {
		t.Errorf("%s: chart %q not in a <figure>", page, labels)
		return
	}
	rows := 0
	for n := range fig.Descendants() {
		if n.DataAtom == atom.Tr && n.Parent.DataAtom == atom.Tbody {
			rows++
		}
	}
	if rows == 0 {
		t.Errorf("%s: chart %q has no table of its numbers", page, labels)
	}
}

func checkTable(t *testing.T, page string, tbl *html.Node) {
	t.Helper()
	id, _ := attr(tbl, "id")
	var caption bool
	for n := range tbl.Descendants() {
		switch n.DataAtom {
		case atom.Caption:
			caption = text(n) != ""
		case atom.Th:
			if s, _ := attr(n, "scope"); s != "col" && s != "row" {
				t.Errorf("%s: table %s: <th> without scope", page, id)
			}
		}
	}
	if !caption {
		t.Errorf("%s: table %s without a caption", page, id)
	}
}

// TestGoldenPage compares one small page with testdata/golden (go test
// -update rewrites it).
func TestGoldenPage(t *testing.T) {
	root := t.TempDir()
	runDir := reportstest.WriteRun(t, root, reportstest.Tiny, false)
	out := t.TempDir()
	if _, err := Build(context.Background(), runDir, out, Options{Title: "Golden"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"place-E08000030.html", "csv/place-E08000030-summary.csv"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "golden", filepath.Base(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s (run go test -update and review the diff)", name, golden)
		}
	}
}

func TestLegalBasisAndErrors(t *testing.T) {
	root := t.TempDir()
	runDir := reportstest.WriteRun(t, root, reportstest.Tiny, false)
	m, err := warehouse.ReadManifest(runDir)
	if err != nil {
		t.Fatal(err)
	}
	m.LegalBasis = "Section 251 support, CAG reference 99/CAG/0001"
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(runDir, warehouse.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	idx, err := Build(context.Background(), runDir, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("opt-outs were not applied")) || !bytes.Contains(page, []byte(m.LegalBasis)) {
		t.Error("index.html does not state that opt-outs were off and the legal basis")
	}

	// Forecasts that do not follow their series are refused.
	db, err := dbsql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fcPath := filepath.Join(runDir, "models", "forecasts.parquet")
	q := fmt.Sprintf("COPY (SELECT * REPLACE (period + INTERVAL 1 DAY AS period) FROM '%s') TO '%s' (FORMAT parquet)", fcPath, fcPath+".bad")
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fcPath, fcPath+".good"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fcPath+".bad", fcPath); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), runDir, t.TempDir(), Options{}); !errors.Is(err, ErrBadForecasts) {
		t.Errorf("Build with forecasts a day off: %v, want ErrBadForecasts", err)
	}
	if err := os.Remove(fcPath + ".good"); err != nil {
		t.Fatal(err)
	}

	// A run whose feeds cover no whole month has empty series, and still
	// its report, which says so.
	seriesPath := filepath.Join(runDir, "models", "series_monthly.parquet")
	if err := os.Rename(seriesPath, seriesPath+".full"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM read_parquet('%s') WHERE false) TO '%s' (FORMAT parquet)", seriesPath+".full", seriesPath)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fcPath, fcPath+".kept"); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if idx, err := Build(context.Background(), runDir, empty, Options{}); err != nil {
		t.Errorf("Build of a run with no whole month: %v", err)
	} else if b, _ := os.ReadFile(idx); !bytes.Contains(b, []byte(`<section id="notice"`)) || !bytes.Contains(b, []byte(`<a href="#notice">`)) {
		t.Error("the report of a run with no whole month does not say what it could not show, first among its key messages")
	}
	for _, mv := range [][2]string{{seriesPath + ".full", seriesPath}, {fcPath + ".kept", fcPath}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			t.Fatal(err)
		}
	}

	// A run built without forecasts still has a report.
	for _, name := range []string{"forecasts", "forecast_accuracy"} {
		if err := os.Remove(filepath.Join(runDir, "models", name+".parquet")); err != nil {
			t.Fatal(err)
		}
	}
	idx, err = Build(context.Background(), runDir, t.TempDir(), Options{})
	if err != nil {
		t.Fatalf("Build of a run without forecasts: %v", err)
	}
	if page, _ := os.ReadFile(idx); !bytes.Contains(page, []byte("This run has no forecasts")) {
		t.Error("the report of a run without forecasts does not say so")
	}

	// A run with no series, and a folder that is no run.
	if err := os.Remove(filepath.Join(runDir, "models", "series_monthly.parquet")); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), runDir, t.TempDir(), Options{}); !errors.Is(err, ErrNoSeries) {
		t.Errorf("Build of a run without series_monthly: %v, want ErrNoSeries", err)
	}
	if _, err := Build(context.Background(), t.TempDir(), t.TempDir(), Options{}); err == nil {
		t.Error("Build of an empty folder: no error")
	}
}

// BenchmarkBuild builds the report of a realistic region: 3 ICBs, 24
// places, 8 services, 36 months and 24 forecast months.
func BenchmarkBuild(b *testing.B) {
	runDir := reportstest.WriteRun(b, b.TempDir(), reportstest.Realistic, true)
	out := b.TempDir()
	for b.Loop() {
		if _, err := Build(context.Background(), runDir, out, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEarlierRuns checks which runs' forecasts are tracked.
func TestEarlierRuns(t *testing.T) {
	wh := t.TempDir()
	runDir := reportstest.WriteRun(t, wh, reportstest.Tiny, true)
	staged := filepath.Join(wh, "staging", reportstest.RunID)
	if err := os.MkdirAll(staged, 0o755); err != nil {
		t.Fatal(err)
	}
	later := filepath.Join(wh, "runs", "20260101T020000Z-d20251231", "models")
	if err := os.MkdirAll(later, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(later, "forecasts.parquet"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(wh, "runs", reportstest.EarlierRunID, "models", "forecasts.parquet")}
	for _, tc := range []struct {
		name, runDir, runs string
		want               []string
	}{
		{"committed", runDir, "", want},
		{"staged", staged, "", want},
		{"given", staged, filepath.Join(wh, "runs"), want},
		{"none", runDir, t.TempDir(), nil},
		{"not a run", t.TempDir(), "", nil},
	} {
		got, err := earlierForecasts(tc.runDir, tc.runs)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: earlierForecasts = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestSuppressMaxZero: report.suppress_max 0, explicitly configured,
// suppresses nothing; empty Options keep the safe defaults.
func TestSuppressMaxZero(t *testing.T) {
	runDir := reportstest.WriteRun(t, t.TempDir(), reportstest.Tiny, true)
	stars := func(opts Options) int {
		out := t.TempDir()
		if _, err := Build(context.Background(), runDir, out, opts); err != nil {
			t.Fatal(err)
		}
		n := 0
		files, _ := filepath.Glob(filepath.Join(out, "csv", "*.csv"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			n += bytes.Count(b, []byte(","+Suppressed))
		}
		return n
	}
	if n := stars(Options{}); n == 0 {
		t.Fatal("the fixture has no small counts: the test cannot tell")
	}
	if n := stars(Options{SuppressMax: 0, RoundTo: 1}); n != 0 {
		t.Errorf("suppress_max 0: %d suppressed cells, want none", n)
	}
}

// Issue 14, finding 6 (tracking): forecast tracking's error and coverage
// come from published counts, so a suppressed month's true count (1 to 7)
// or a count's value within its rounding cannot be solved for. Runs that
// differ only there publish identical tracking tables.
func TestTrackingUsesPublishedCounts(t *testing.T) {
	tracking := func(t *testing.T, set map[string]int64) string {
		t.Helper()
		root := t.TempDir()
		runDir := reportstest.WriteRun(t, root, reportstest.Tiny, true)
		db, err := dbsql.Open("duckdb", "")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		path := filepath.Join(runDir, "models", "series_monthly.parquet")
		var key string
		if err := db.QueryRow(`SELECT min(series_key) FROM '` + path + `' WHERE level = 'place'`).Scan(&key); err != nil {
			t.Fatal(err)
		}
		expr := "events"
		for month, n := range set {
			expr = fmt.Sprintf("CASE WHEN series_key = '%s' AND month = DATE '%s' THEN %d ELSE %s END", key, month, n, expr)
		}
		tmp := path + ".tmp"
		if _, err := db.Exec(`COPY (SELECT * REPLACE ((` + expr + `)::BIGINT AS events) FROM '` + path + `') TO '` + tmp + `' (FORMAT parquet)`); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "report")
		if _, err := Build(context.Background(), runDir, out, Options{}); err != nil {
			t.Fatal(err)
		}
		matches, _ := filepath.Glob(filepath.Join(out, "csv", "*tracking*.csv"))
		if len(matches) == 0 {
			t.Fatal("no tracking table")
		}
		var all strings.Builder
		for _, m := range matches {
			b, _ := os.ReadFile(m)
			all.Write(b)
		}
		return all.String()
	}
	// The earlier run forecast June to November 2025, all now observed.
	for _, tt := range []struct {
		name string
		a, b map[string]int64
	}{
		{"a suppressed month", map[string]int64{"2025-07-01": 3}, map[string]int64{"2025-07-01": 6}},
		{"within rounding", map[string]int64{"2025-07-01": 101, "2025-08-01": 248}, map[string]int64{"2025-07-01": 102, "2025-08-01": 251}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := tracking(t, tt.a), tracking(t, tt.b); a != b {
				t.Errorf("tracking differs with counts that publish the same:\n%s\n---\n%s", a, b)
			}
		})
	}
}

// The region page has the privacy section of issue 14: re-identification
// risk, key continuity and what dated each opt-out list, from the manifest.
func TestPrivacySection(t *testing.T) {
	dir, err := builtReport()
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string][]string{
		"csv/reidentification-risk.csv": {"sex + age + lsoa21,9000,1,60.0", "sex + age_band + lad_code,152,6,0.0"},
		"csv/optout-evidence.csv":       {"National deny list,25015,0,2025-11-28,the date in its file name", "Gp type1,410,*"},
		"index.html":                    {"CHANGED from 0f0f0f0f", "--new-key", "Re-identification risk"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", file, w, b)
			}
		}
	}
}

// TestSeasonalYears: the seasonal profile averages the series' last whole
// years, each calendar month the same number of times.
func TestSeasonalYears(t *testing.T) {
	start := time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, months := range []int{47, 36, 25, 11} {
		var hist []point
		for i := range months {
			hist = append(hist, point{Month: start.AddDate(0, i, 0), Events: int64(100 + i)})
		}
		got := seasonalYears(hist)
		if len(got)%12 != 0 || len(got) != months/12*12 {
			t.Errorf("%d months: %d used, want %d", months, len(got), months/12*12)
		}
		var n [12]int
		for _, p := range got {
			n[p.Month.Month()-1]++
		}
		for m := range n {
			if n[m] != months/12 {
				t.Errorf("%d months: %s used %d times, want %d", months, time.Month(m+1), n[m], months/12)
			}
		}
		if len(got) > 0 && !got[len(got)-1].Month.Equal(hist[len(hist)-1].Month) {
			t.Errorf("%d months: the profile ends %s, not with the series", months, got[len(got)-1].Month)
		}
	}
}

// TestMethodText: the methods text says what auto does — always the
// combination — and never that the best backtest is chosen (issue 16,
// finding 6); with another method it names that one.
func TestMethodText(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(reportDir(t), "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"best rolling-origin backtest is chosen", "best backtest is chosen"} {
		if bytes.Contains(doc, []byte(bad)) {
			t.Errorf("index.html says %q, which auto does not do", bad)
		}
	}
	// The fixture's forecasts are ETS's.
	if !bytes.Contains(doc, []byte("every monthly series is forecast by exponential smoothing")) || bytes.Contains(doc, []byte("always combines")) {
		t.Error("index.html does not name the fixture's model, ETS")
	}
	if got := methodText([]string{"combination"}); !strings.Contains(got, "always combines") || !strings.Contains(got, "ETS, ARIMA, Theta and seasonal naive") {
		t.Errorf("auto: %q", got)
	}
}

// TestExcludedPeriodsSaid: a report whose forecasts excluded periods says
// which, on the region's and each place's page, and cautions about
// forecasts made soon after them (issue 18); one that excluded none says
// neither.
func TestExcludedPeriodsSaid(t *testing.T) {
	runDir := reportstest.WriteRun(t, t.TempDir(), reportstest.Small, true)
	out := filepath.Join(runDir, "report")
	if _, err := Build(context.Background(), runDir, out, Options{Title: "Test region", ExcludedPeriods: []string{"March 2020 to March 2022"}}); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{out, reportDir(t)} {
		excluded := dir == out
		checked := 0
		for _, page := range htmlFiles(t, dir) {
			if filepath.Base(page) != "index.html" && !strings.HasPrefix(filepath.Base(page), "icb-") {
				continue
			}
			checked++
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			said := bytes.Contains(b, []byte("The forecasts treat March 2020 to March 2022 as missing"))
			cautioned := bytes.Contains(b, []byte("less certain than their intervals show"))
			if said != excluded || cautioned != excluded {
				t.Errorf("%s (excluded %v): says the periods %v, cautions %v", page, excluded, said, cautioned)
			}
		}
		if checked < 2 {
			t.Errorf("%s: %d pages checked, want the region's and an ICB's", dir, checked)
		}
	}
}
