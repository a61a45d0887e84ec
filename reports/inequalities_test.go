package reports

import (
	dbsql "database/sql"
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
