package reports

import (
	"bytes"
	dbsql "database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func nf(v float64) dbsql.NullFloat64 { return dbsql.NullFloat64{Float64: v, Valid: true} }

// imdRows makes a place's rows of activity_rates_imd for one service with
// the quintiles' events given, and Core20 and the rest from them.
func imdRows(service string, events [5]int64) []imdRate {
	var out []imdRate
	var rest int64
	for q, e := range events {
		out = append(out, imdRate{Year: 2024, Level: "place", ICB: "E54000054", LAD: "E08000034", Service: service,
			Breakdown: "quintile", Group: string(rune('1' + q)), Events: e, Population: 80000,
			Denominator: "registered_persons", DSR: nf(float64(e) / 80), DSRLo: nf(float64(e) / 100), DSRHi: nf(float64(e) / 60),
			SII: nf(1.5), SIILo: nf(0.5), SIIHi: nf(2.5), RII: nf(0.4), RIILo: nf(0.1), RIIHi: nf(0.7),
			Gap: nf(0.9), GapLo: nf(0.2), GapHi: nf(1.6)})
		if q > 0 {
			rest += e
		}
	}
	core := out[0]
	core.Breakdown, core.Group = "core20", "core20"
	other := out[1]
	other.Breakdown, other.Group, other.Events = "core20", "other", rest
	return append(out, core, other)
}

// TestInequalityDisclosure: a quintile's suppressed count suppresses its
// rates and the indices of inequality derived from all the quintiles, but
// not the other quintiles' rates; the Core20 gap goes with Core20's and the
// rest's counts.
func TestInequalityDisclosure(t *testing.T) {
	r := &report{dc: Disclosure{SuppressMax: 7, RoundTo: 5}, d: &data{imd: append(
		imdRows("ae_attendance", [5]int64{400, 300, 250, 200, 150}),
		imdRows("social_care_assessment", [5]int64{40, 30, 25, 20, 6})...)}}
	sec, err := r.inequalitiesSection(scope{level: "place", code: "E08000034", name: "Kirklees"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sec.Paras, " "), "registered population") {
		t.Errorf("the denominators are not stated: %v", sec.Paras)
	}
	summary := sec.Blocks[0].Table
	if summary == nil || len(summary.Rows) != 2 {
		t.Fatalf("summary %+v", summary)
	}
	want := [][]string{
		{"A&E attendances", "1.5", "0.5", "2.5", "0.40", "0.10", "0.70", "0.9", "0.2", "1.6"},
		{"Social care assessments", "*", "*", "*", "*", "*", "*", "0.9", "0.2", "1.6"},
	}
	for i, row := range summary.Rows {
		for j, c := range row {
			if c.Text != want[i][j] {
				t.Errorf("summary row %d column %q = %q, want %q", i, summary.Cols[j].Head, c.Text, want[i][j])
			}
		}
	}
	var care *table
	for _, b := range sec.Blocks[1:] {
		if b.Heading == "Social care assessments" {
			care = b.Figures[0].Data
		}
	}
	if care == nil {
		t.Fatal("no social care figure")
	}
	for _, row := range care.Rows {
		hidden := row[0].Text == imdGroupNames["5"]
		for _, c := range row[3:] {
			if (c.Text == Suppressed) != hidden {
				t.Errorf("%s: %s %q", row[0].Text, care.Cols[0].Head, c.Text)
			}
		}
		if hidden && row[1].Text != Suppressed {
			t.Errorf("quintile 5 count %q, want *", row[1].Text)
		}
	}
}

// TestInequalityChartEdges draws the charts of a service whose quintiles
// have no events (no upper limits) or are all suppressed: each is drawn (a
// NaN axis limit used to hang tick labelling for ever).
func TestInequalityChartEdges(t *testing.T) {
	none := imdRows("diagnostic_test", [5]int64{0, 0, 0, 0, 0})
	for i := range none {
		none[i].DSRHi = dbsql.NullFloat64{}
		none[i].SII, none[i].RII = dbsql.NullFloat64{}, dbsql.NullFloat64{}
	}
	some := imdRows("ae_attendance", [5]int64{400, 0, 250, 0, 150})
	for i := range some {
		if some[i].Events == 0 {
			some[i].DSRHi = dbsql.NullFloat64{}
		}
	}
	hidden := imdRows("social_care_assessment", [5]int64{3, 2, 5, 1, 4})
	r := &report{dc: Disclosure{SuppressMax: 7, RoundTo: 5}, d: &data{imd: append(append(none, some...), hidden...)}}
	sec, err := r.inequalitiesSection(scope{level: "place", code: "E08000034", name: "Kirklees"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sec.Blocks) != 4 {
		t.Fatalf("%d blocks, want the summary and 3 services", len(sec.Blocks))
	}
	for _, b := range sec.Blocks[1:] {
		if len(b.Figures) != 1 || !strings.Contains(string(b.Figures[0].SVG), "<svg") {
			t.Errorf("%s: no chart", b.Heading)
		}
	}
}

// imdService makes a place's rows of one service: the quintiles' events
// (quintile 1 is Core20), the Core20 and rest's standardised rates, the
// gap's 95 % interval and the slope index with its interval.
func imdService(service string, events [5]int64, core20, rest, gapLo, gapHi float64) []imdRate {
	xs := imdRows(service, events)
	for i := range xs {
		x := &xs[i]
		x.Gap, x.GapLo, x.GapHi = nf(core20-rest), nf(gapLo), nf(gapHi)
		x.SII, x.SIILo, x.SIIHi = nf(1.5*(core20-rest)), nf(1.5*gapLo), nf(1.5*gapHi)
		switch x.Group {
		case "core20":
			x.DSR = nf(core20)
		case "other":
			x.DSR = nf(rest)
		}
	}
	return xs
}

// withSevenFlat returns A&E's rows xs beside the seven other services
// with no gap at all.
func withSevenFlat(xs []imdRate) [][]imdRate {
	out := [][]imdRate{xs}
	for _, svc := range []string{"emergency_admission", "elective_admission", "outpatient_attendance",
		"gp_appointment", "community_contact", "social_care_assessment", "diagnostic_test"} {
		out = append(out, imdService(svc, [5]int64{400, 300, 250, 200, 150}, 100, 100, -10, 10))
	}
	return out
}

// TestInequalityKeyMessage: the key message of the inequalities names the
// service whose Core20 rate differs most from the rest's where the gap's
// interval excludes zero, with its numbers, its interval and a link to its
// evidence; it is never made from a suppressed count, and a small service
// never feeds it.
func TestInequalityKeyMessage(t *testing.T) {
	kirklees := scope{level: "place", code: "E08000034", name: "Kirklees"}
	big := [5]int64{400, 300, 250, 200, 150}
	cases := []struct {
		name     string
		rows     [][]imdRate
		want     []string // substrings of the one message; none: no message
		not      []string
		wantHref string
	}{
		{
			name: "largest relative gap whose interval excludes zero",
			rows: [][]imdRate{
				imdService("ae_attendance", big, 450, 250, 150, 250),
				imdService("gp_appointment", big, 5200, 5000, 100, 300),
				// the largest ratio, but its interval includes zero
				imdService("emergency_admission", big, 300, 100, -20, 420),
			},
			want: []string{"In 2024, Kirklees's residents of the most deprived fifth", "had 1.8 times the rate of the rest for A&E attendances",
				"450.0 against 250.0 per 1,000, age-standardised (gap 200.0, 95 % CI 150.0 to 250.0)",
				"slope index of inequality across the quintiles is 300.0 per 1,000 (95 % CI 225.0 to 375.0)"},
			wantHref: "#place-E08000034-ae_attendance-imd",
		},
		{
			name: "a lower rate where people are more deprived, in per cent",
			rows: [][]imdRate{imdService("outpatient_attendance", big, 900, 1000, -150, -50)},
			want: []string{"had a rate 10 % lower than that of the rest for outpatient attendances", "gap -100.0, 95 % CI -150.0 to -50.0"},
		},
		{
			name: "a suppressed Core20 count never feeds it, though its gap is the largest",
			rows: [][]imdRate{
				imdService("social_care_assessment", [5]int64{5, 300, 250, 200, 150}, 900, 100, 500, 1100),
				imdService("ae_attendance", big, 290, 250, 10, 70),
			},
			want:     []string{"a rate 16 % higher than that of the rest for A&E attendances"},
			not:      []string{"ocial care"},
			wantHref: "#place-E08000034-ae_attendance-imd",
		},
		{
			name: "a suppressed quintile leaves the slope index out, not the gap",
			rows: [][]imdRate{imdService("ae_attendance", [5]int64{400, 300, 250, 200, 4}, 450, 250, 150, 250)},
			want: []string{"1.8 times the rate", "gap 200.0"},
			not:  []string{"slope index"},
		},
		{
			name: "a gap against the gradient of the quintiles is not a sentence",
			rows: func() [][]imdRate {
				xs := imdService("community_contact", big, 450, 250, 150, 250)
				for i := range xs {
					xs[i].SII, xs[i].SIILo, xs[i].SIIHi = nf(-40), nf(-90), nf(10)
				}
				return [][]imdRate{xs, imdService("ae_attendance", big, 290, 250, 10, 70)}
			}(),
			want:     []string{"for A&E attendances"},
			not:      []string{"community"},
			wantHref: "#place-E08000034-ae_attendance-imd",
		},
		{
			name: "a small service never feeds it",
			rows: [][]imdRate{imdService("diagnostic_test", [5]int64{20, 20, 20, 20, 15}, 450, 150, 100, 500)},
		},
		{
			name: "no gap beyond chance: one sentence saying so",
			rows: [][]imdRate{
				imdService("ae_attendance", big, 260, 250, -20, 40),
				imdService("gp_appointment", big, 5000, 5100, -300, 100),
			},
			want:     []string{"for none of the 2 services assessed", "95 % intervals, widened to allow for the 2 services compared"},
			wantHref: "#place-E08000034-inequality",
		},
		{
			name: "one service: its own 95 % interval",
			rows: [][]imdRate{imdService("ae_attendance", big, 260, 250, -20, 40)},
			want: []string{"Kirklees's residents of the most deprived fifth of England's neighbourhoods (Core20) did not have an age-standardised rate of A&E attendances different", "the gap's 95 % interval includes zero"},
		},
		{
			// Eight services; the one gap whose 95 % interval excludes
			// zero (z = 2.3) is within what the most extreme of eight
			// gaps reaches by chance (Bonferroni: z > 2.73).
			name: "a gap beyond chance alone, not beyond the most extreme of eight",
			rows: withSevenFlat(imdService("ae_attendance", big, 296, 250, 6.8, 85.2)),
			want: []string{"for none of the 8 services assessed", "widened to allow for the 8 services compared"},
			not:  []string{"A&E"},
		},
		{
			name:     "beyond chance among eight",
			rows:     withSevenFlat(imdService("ae_attendance", big, 330, 250, 40.8, 119.2)),
			want:     []string{"for A&E attendances", "beyond chance allowing for the 8 services compared"},
			wantHref: "#place-E08000034-ae_attendance-imd",
		},
		{
			name: "every count suppressed: no message",
			rows: [][]imdRate{imdService("ae_attendance", [5]int64{3, 2, 5, 1, 4}, 450, 250, 150, 250)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rows []imdRate
			for _, rs := range c.rows {
				rows = append(rows, rs...)
			}
			r := &report{dc: Disclosure{SuppressMax: 7, RoundTo: 5}, d: &data{imd: rows}}
			msgs := inequalityMessages(r, kirklees)
			if len(c.want) == 0 {
				if len(msgs) != 0 {
					t.Fatalf("messages %v, want none", msgs)
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("messages %v, want one", msgs)
			}
			m := msgs[0]
			for _, w := range c.want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("%q lacks %q", m.Text, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(m.Text, n) {
					t.Errorf("%q has %q", m.Text, n)
				}
			}
			if m.LinkText == "" || c.wantHref != "" && m.Href != c.wantHref {
				t.Errorf("evidence %q (%q), want %q", m.Href, m.LinkText, c.wantHref)
			}
		})
	}
	// Another area's rows never feed a page's message.
	r := &report{dc: Disclosure{SuppressMax: 7, RoundTo: 5}, d: &data{imd: imdService("ae_attendance", big, 450, 250, 150, 250)}}
	if msgs := inequalityMessages(r, scope{level: "place", code: "E08000035", name: "Leeds"}); len(msgs) != 0 {
		t.Errorf("Leeds has Kirklees's message: %v", msgs)
	}
}

// TestInequalityKeyMessageOnPages: on every page of the fixture report the
// key messages include the inequality sentence, linked into the page's
// inequalities section: a service's block, or its summary table when no
// gap is beyond chance.
func TestInequalityKeyMessageOnPages(t *testing.T) {
	dir := reportDir(t)
	pages, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(pages) < 3 {
		t.Fatalf("pages %v, %v", pages, err)
	}
	href := regexp.MustCompile(`<li>[^<]*\(Core20\)[^<]*<a href="#([^"]+)"`)
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		i, j := bytes.Index(b, []byte(`<ol class="key-messages">`)), bytes.Index(b, []byte("</ol>"))
		if i < 0 || j < i {
			t.Fatalf("%s: no key messages", filepath.Base(page))
		}
		m := href.FindSubmatch(b[i:j])
		if m == nil {
			t.Errorf("%s: no inequality key message:\n%s", filepath.Base(page), b[i:j])
			continue
		}
		sec := bytes.Index(b, []byte(`<section id="inequalities"`))
		anchor := bytes.Index(b, []byte(`id="`+string(m[1])+`"`))
		if sec < 0 || anchor < sec || !strings.HasSuffix(string(m[1]), "-imd") && !strings.HasSuffix(string(m[1]), "-inequality") {
			t.Errorf("%s: the inequality key message links to #%s, not into the inequalities section", filepath.Base(page), m[1])
		}
	}
}
