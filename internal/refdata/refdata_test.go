package refdata

import (
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEmbeddedLookup(t *testing.T) {
	l, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if len(l.rows) != 33755 {
		t.Errorf("%d LSOAs (2021), want England's 33,755", len(l.rows))
	}
	if n := len(l.names.ICBs()); n != 42 {
		t.Errorf("%d ICBs, want 42", n)
	}
	for _, r := range l.rows {
		if r.IMDDecile < 1 || r.IMDDecile > 10 {
			t.Fatalf("LSOA %s: IMD decile %d", r.LSOA, r.IMDDecile)
		}
		if _, ok := l.names.SubICB(r.SubICB); !ok {
			t.Fatalf("LSOA %s: sub-ICB %s unnamed", r.LSOA, r.SubICB)
		}
	}
}

func TestPresets(t *testing.T) {
	for _, c := range []struct {
		preset string
		icbs   int
		places int
		has    []string // places (LAD 2024) the region must have
		lacks  []string
	}{
		// The 2022 ICBs: Bassetlaw left South Yorkshire, and North
		// Yorkshire's seven districts became one authority in 2023.
		{"yorkshire-humber", 3, 15, []string{"E08000034", "E06000065", "E08000019"}, []string{"E07000171", "E07000163"}},
		{"greater-manchester", 1, 10, []string{"E08000001", "E08000003", "E08000010"}, []string{"E08000034"}},
		{"wessex", 2, 15, []string{"E06000045", "E06000058", "E06000059"}, nil},
		{"thames-valley", 2, 18, []string{"E06000060", "E06000038"}, nil},
		{"one-london", 5, 33, []string{"E09000001", "E09000033"}, nil},
		{"england", 42, 296, []string{"E06000053", "E09000001"}, nil},
	} {
		t.Run(c.preset, func(t *testing.T) {
			g, err := NewGeography(c.preset)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Region.ICBs) != c.icbs || len(g.Places) != c.places {
				t.Errorf("%d ICBs and %d places, want %d and %d", len(g.Region.ICBs), len(g.Places), c.icbs, c.places)
			}
			for _, lad := range c.has {
				if _, ok := g.PlaceByLAD(lad); !ok {
					t.Errorf("no place %s", lad)
				}
			}
			for _, lad := range c.lacks {
				if p, ok := g.PlaceByLAD(lad); ok {
					t.Errorf("has place %s (%s)", lad, p.LADName)
				}
			}
			for _, p := range g.Places {
				for _, a := range g.Areas[p.LSOAFirst:p.LSOAEnd] {
					if a.LAD != p.LAD || !g.Region.Has(a.ICB) {
						t.Fatalf("area %+v in place %s", a, p.LAD)
					}
				}
				if p.Population2020 <= 0 || p.ICBName == "" || p.LADName == "" {
					t.Errorf("place %+v", p)
				}
			}
		})
	}
}

func TestParseRegion(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string // ICBs, or "error: <text in the error>"
	}{
		{[]string{"greater-manchester"}, "E54000057"},
		{[]string{"Greater-Manchester"}, "E54000057"},
		{[]string{"QOP"}, "E54000057"},
		{[]string{"qop"}, "E54000057"},
		{[]string{"E54000057"}, "E54000057"},
		{[]string{"QWO", "E54000061"}, "E54000054,E54000061"},
		{[]string{"QWO, QF7,QWO"}, "E54000054,E54000061"},
		{[]string{"yorkshire-humber"}, "E54000051,E54000054,E54000061"},
		{[]string{"greater-london"}, "error: \"greater-london\""},
		{[]string{"QOP", "QZZ", "E54999999"}, "error: QZZ, E54999999"},
		{[]string{""}, "error: empty"},
		{nil, "error: empty"},
	} {
		t.Run(strings.Join(c.in, "|"), func(t *testing.T) {
			r, err := ParseRegion(c.in, nil)
			if want, ok := strings.CutPrefix(c.want, "error: "); ok {
				if !errors.Is(err, ErrRegion) || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want ErrRegion mentioning %s", err, want)
				}
				return
			}
			if err != nil || strings.Join(r.ICBs, ",") != c.want {
				t.Errorf("ICBs %v (%v), want %s", r.ICBs, err, c.want)
			}
		})
	}
}

func TestResolveEitherVintage(t *testing.T) {
	g, err := NewGeography("yorkshire-humber")
	if err != nil {
		t.Fatal(err)
	}
	l, _ := Embedded()
	e, _ := loadEmbedded()
	// Find a split and a merged LSOA (2011) of the region in the ONS lookup.
	var split, merged string
	counts := map[string]int{}
	for c, parts := range e.changed {
		for _, p := range parts {
			counts[p]++
		}
		if _, ok := g.byLSOA[parts[0]]; ok && len(parts) > 1 && split == "" {
			split = c
		}
	}
	for c, parts := range e.changed {
		if _, ok := g.byLSOA[parts[0]]; ok && len(parts) == 1 && counts[parts[0]] > 1 && merged == "" {
			merged = c
		}
	}
	if split == "" || merged == "" {
		t.Fatalf("no split (%q) or merged (%q) LSOA in the region", split, merged)
	}
	kirklees := "E01011008" // unchanged: the same code in 2011 and 2021
	for _, c := range []struct {
		code string
		want string // LSOA (2021), or "" for unknown
	}{
		{kirklees, kirklees},
		{split, slices.Min(e.changed[split])},
		{merged, e.changed[merged][0]},
		{"E01005000", ""}, // Manchester: England, not the region
		{"W01000001", ""},
		{"", ""},
	} {
		a, ok := g.AreaByLSOA(c.code)
		if ok != (c.want != "") || a.LSOA != c.want {
			t.Errorf("%q resolves to %q (%v), want %q", c.code, a.LSOA, ok, c.want)
		}
	}
	if _, ok := l.find(split); ok {
		t.Errorf("split LSOA %s is also a 2021 code", split)
	}
}

func TestPopulation(t *testing.T) {
	g, err := NewGeography("yorkshire-humber")
	if err != nil {
		t.Fatal(err)
	}
	p20, err := g.Population(2020)
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]float64{}
	var male, all float64
	for _, r := range p20 {
		total[r.LAD] += r.Male + r.Female
		male += r.Male
		all += r.Male + r.Female
		if r.Age > 90 || r.Male < 0 || r.Female < 0 {
			t.Fatalf("bad row %+v", r)
		}
	}
	// Kirklees mid-2020: 441,290 (ONS).
	if k := total["E08000034"]; math.Abs(k-441290) > 0.5 {
		t.Errorf("Kirklees %.1f, want 441,290", k)
	}
	if share := male / all; math.Abs(share-0.49) > 0.01 {
		t.Errorf("male share %.3f, want about 0.49", share)
	}
	// North Yorkshire lies mostly in Humber and North Yorkshire ICB, a
	// little in West Yorkshire, and 3 LSOAs in Lancashire and South
	// Cumbria: the region holds most, not all, of it, in two parts.
	var parts []string
	for _, r := range p20 {
		if r.LAD == "E06000065" && r.Age == 0 {
			parts = append(parts, r.ICB)
		}
	}
	if strings.Join(parts, ",") != "E54000051,E54000054" {
		t.Errorf("North Yorkshire parts %v", parts)
	}
	ny, _ := g.PlaceByLAD("E06000065")
	if ny.ICB != "E54000051" || math.Abs(total["E06000065"]-float64(ny.Population2020)) > 1 {
		t.Errorf("North Yorkshire %+v, population %.0f", ny, total["E06000065"])
	}
	if _, err := g.Population(2015); !errors.Is(err, ErrNoPopulation) {
		t.Errorf("2015: %v, want ErrNoPopulation", err)
	}
	if lsoa, complete := g.LSOAPopulation2020(); !complete || lsoa[0] == nil {
		t.Errorf("Yorkshire & Humber LSOA estimates incomplete")
	}
	gm, err := NewGeography("greater-manchester")
	if err != nil {
		t.Fatal(err)
	}
	if _, complete := gm.LSOAPopulation2020(); complete {
		t.Errorf("Greater Manchester has LSOA estimates, which are not embedded")
	}
}

// sharedData returns a file of ../shared/data, skipping the test without it.
func sharedData(t *testing.T, parts ...string) string {
	t.Helper()
	path := filepath.Join(append([]string{"..", "..", "..", "shared", "data"}, parts...)...)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("needs %s (the public data beside the repository): %v", path, err)
	}
	return path
}

// TestPopulationAgainstSource checks every district's packed mid-2020
// estimate against the ONS file it came from, and England's total.
func TestPopulationAgainstSource(t *testing.T) {
	path := sharedData(t, "uk_reference", "ons_mye2020_lad21_syoa_persons_englandwales.csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, r := range rows[1:] {
		n, _ := strconv.Atoi(r[4])
		if strings.HasPrefix(r[1], "E") {
			want[r[1]] += float64(n)
		}
	}
	g, err := NewGeography("england")
	if err != nil {
		t.Fatal(err)
	}
	for d, w := range want {
		if have := g.districtPersons2020(d); have != w {
			t.Errorf("district %s: %.0f, ONS %.0f", d, have, w)
		}
	}
	p20, err := g.Population(2020)
	if err != nil {
		t.Fatal(err)
	}
	var have, all float64
	for _, r := range p20 {
		have += r.Male + r.Female
	}
	for _, w := range want {
		all += w
	}
	if math.Abs(have-all) > 1 {
		t.Errorf("England %.0f, the districts %.0f", have, all)
	}
}

func TestTrusts(t *testing.T) {
	c, err := TrustCatchments()
	if err != nil {
		t.Fatal(err)
	}
	trusts, err := Trusts()
	if err != nil {
		t.Fatal(err)
	}
	// Kirklees is served by Calderdale and Huddersfield (RWY) and, in the
	// north, Mid Yorkshire (RXF).
	share := map[string]float64{}
	var sum float64
	for _, x := range c["E08000034"] {
		share[x.Trust] = x.ShareOfDistrict
		sum += x.ShareOfDistrict
	}
	if share["RWY"] < 0.3 || share["RXF"] < 0.2 || math.Abs(sum-1) > 1e-3 {
		t.Errorf("Kirklees: RWY %.2f, RXF %.2f, sum %.3f", share["RWY"], share["RXF"], sum)
	}
	for code, kind := range map[string]string{"RWY": "acute", "RCU": "children", "RBV": "specialist", "R0A": "acute"} {
		if trusts[code].Kind != kind || trusts[code].Name == "" {
			t.Errorf("%s = %+v, want kind %s", code, trusts[code], kind)
		}
	}
	ae, err := AEType1()
	if err != nil {
		t.Fatal(err)
	}
	months := map[string]int{}
	for _, m := range ae {
		months[m.Trust]++
	}
	if months[England] != 36 || months["RXF"] != 36 || months["R0A"] != 0 {
		t.Errorf("A&E months: England %d, RXF %d, R0A %d (merged in 2017: none)", months[England], months["RXF"], months["R0A"])
	}
}

func TestOptOutRates(t *testing.T) {
	rates, err := OptOutRates()
	if err != nil || len(rates) < 100 {
		t.Fatalf("opt-out rates: %d, %v", len(rates), err)
	}
	// Every sub-ICB location kept the ODS code of a CCG of April 2022.
	l, _ := Embedded()
	codes := map[string]bool{}
	for _, r := range rates {
		codes[r.CCGCode] = true
	}
	for _, s := range l.names.subs {
		if !codes[s.ODS] {
			t.Errorf("sub-ICB %s (%s) has no opt-out rate", s.ODS, s.Name)
		}
	}
}

// BenchmarkLoad reads the embedded tables and builds the default region's
// geography and populations: what a run does at start-up.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		e, err := readEmbedded()
		if err != nil {
			b.Fatal(err)
		}
		r, err := ParseRegion([]string{"yorkshire-humber"}, e.lookup.names)
		if err != nil {
			b.Fatal(err)
		}
		g, err := e.lookup.Geography(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := g.Population(2020); err != nil {
			b.Fatal(err)
		}
	}
}
