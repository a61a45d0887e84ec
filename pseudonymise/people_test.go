package pseudonymise

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/refdata"
)

func TestAgeBand(t *testing.T) {
	tests := []struct {
		age  int
		want string
	}{
		{-1, "unknown"}, {-100, "unknown"}, {0, "0-4"}, {4, "0-4"}, {5, "5-9"}, {17, "15-19"},
		{84, "80-84"}, {85, "85-89"}, {89, "85-89"}, {90, "90+"}, {117, "90+"},
	}
	for _, tt := range tests {
		if got := AgeBand(tt.age); got != tt.want {
			t.Errorf("AgeBand(%d) = %q, want %q", tt.age, got, tt.want)
		}
	}
}

func yorkshire(t testing.TB) *refdata.Geography {
	t.Helper()
	g, err := refdata.YorkshireHumber()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGeneraliser(t *testing.T) {
	pcs, err := LoadPostcodeLookup(filepath.Join("testdata", "postcodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pcs) != 2 || pcs["LS19XX"] != "E01011516" {
		t.Fatalf("postcode lookup %v", pcs)
	}
	geo := yorkshire(t)
	tests := []struct {
		name           string
		postcodes      map[string]string
		lsoa, postcode string
		wantLAD        string // "" when unknown
	}{
		{"LSOA", nil, "E01011092", "", "E08000034"},
		{"LSOA 2021, new in 2021", nil, "E01034588", "", "E08000034"},
		{"LSOA 2011, merged in 2021", nil, "E01011171", "", "E08000034"},
		{"LSOA 2011, split in 2021", nil, "E01011209", "", "E08000034"},
		{"LSOA 2011 of Bassetlaw, in Nottinghamshire's ICB since 2022", nil, "E01028029", "", ""},
		{"LSOA wins over postcode", pcs, "E01011092", "LS1 9XX", "E08000034"},
		{"postcode without lookup", nil, "", "LS1 9XX", ""},
		{"postcode with lookup", pcs, "", "ls1 9xx", "E08000035"},
		{"postcode unmatched", pcs, "", "ZZ9 9ZZ", ""},
		{"LSOA outside the region, postcode inside", pcs, "E01000001", "HD19ZZ", "E08000034"},
		{"nothing", pcs, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := NewGeneraliser(geo, tt.postcodes).Area(tt.lsoa, tt.postcode)
			if ok != (tt.wantLAD != "") || a.LAD != tt.wantLAD {
				t.Errorf("Area = %+v, %v; want LAD %q", a, ok, tt.wantLAD)
			}
		})
	}
}

// TestPostcodeLookupVintages reads postcode lookups in the column names of
// both ONS editions: lsoa21 (2022 on) and lsoa11 (before), preferring the
// 2021 column when a file has both.
func TestPostcodeLookupVintages(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"NSPL 2024", "pcd7,pcds,lsoa21,lad24cd\nHD1 9ZZ,HD1 9ZZ,E01034588,E08000034\n", "E01034588"},
		{"lsoa21cd", "PCDS,LSOA21CD\nHD1 9ZZ,E01034588\n", "E01034588"},
		{"both editions", "pcds,lsoa11,lsoa21\nHD1 9ZZ,E01011171,E01034588\n", "E01034588"},
		{"NSPL 2020", "pcds,lsoa11\nHD1 9ZZ,E01011171\n", "E01011171"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := readPostcodeLookup(bytes.NewReader([]byte(c.in)), "pc.csv")
			if err != nil || m["HD19ZZ"] != c.want {
				t.Fatalf("lookup %v (%v), want HD19ZZ → %s", m, err, c.want)
			}
			if a, ok := NewGeneraliser(yorkshire(t), m).Area("", "HD1 9ZZ"); !ok || a.LSOA != "E01034588" {
				t.Errorf("area %+v, %v; want LSOA (2021) E01034588", a, ok)
			}
		})
	}
}

func TestReadPostcodeLookupErrors(t *testing.T) {
	for _, in := range []string{"", "postcode,lsoa\nLS1 1AA,E01011516\n", "pcds,lsoa11\nLS1 1AA\n", "pcds,lsoa11\n\"LS1\n"} {
		if _, err := readPostcodeLookup(bytes.NewReader([]byte(in)), "pc.csv"); !errors.Is(err, ErrPostcodeLookup) {
			t.Errorf("%q: err = %v", in, err)
		}
	}
}

func FuzzReadPostcodeLookup(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "postcodes.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("pcds,lsoa11\n\"x\"\"y\",z\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := readPostcodeLookup(bytes.NewReader(b), "pc.csv")
		if err != nil && !errors.Is(err, ErrPostcodeLookup) {
			t.Fatalf("error not an ErrPostcodeLookup: %v", err)
		}
		for k, v := range m {
			if k == "" || v == "" || NormalisePostcode(k) != k {
				t.Fatalf("bad entry %q → %q", k, v)
			}
		}
	})
}

// region is a small population across two feeds for the People tests.
type region struct {
	people  []canonical.Person
	objects []canonical.Objection
}

func testRegion() region {
	d := canonical.MakeDate
	r := region{
		people: []canonical.Person{
			// kept; in two feeds, the second disagreeing on birth and sex
			{Feed: "acute", Key: "9990000018", HasNHSNumber: true, BirthDate: d(1950, 6, 15), Sex: canonical.Female, LSOA: "E01011092", Practice: "B85001"},
			{Feed: "gp", Key: "9990000018", HasNHSNumber: true, BirthDate: d(1951, 6, 15), Sex: canonical.Male, Name: "Ann Example"},
			// on the deny list; dead
			{Feed: "acute", Key: "9990000026", HasNHSNumber: true, BirthDate: d(1930, 1, 2), Sex: canonical.Male, LSOA: "E01011516", DeathDate: d(2023, 11, 20)},
			// Type 1 objection; postcode only
			{Feed: "gp", Key: "9990000034", HasNHSNumber: true, BirthDate: d(2001, 2, 3), Sex: canonical.Female, Postcode: "LS1 9XX"},
			// not in the Check service response
			{Feed: "gp", Key: "9990000042", HasNHSNumber: true, BirthDate: d(1990, 1, 1), Sex: canonical.Male},
			// no NHS number
			{Feed: "synthea", Key: "synthea-id|abc", BirthDate: d(1980, 5, 5), Sex: canonical.Female, LSOA: "E01011092"},
			// kept, dead, unknown place
			{Feed: "acute", Key: "9990000050", HasNHSNumber: true, BirthDate: d(1940, 3, 1), Sex: canonical.Male, LSOA: "E09999999", DeathDate: d(2020, 7, 9)},
		},
		objects: []canonical.Objection{
			{Feed: "gp", PersonKey: "9990000034", Date: d(2019, 1, 1), Code: "9Nu0"},
			{Feed: "gp", PersonKey: "9990000018", Date: d(2019, 1, 1), Code: "9Nu0"},
			{Feed: "gp", PersonKey: "9990000018", Date: d(2020, 1, 1), Code: "9Nu1"},
		},
	}
	for i := range r.people {
		if x := &r.people[i]; x.DeathDate == 0 { // the zero Date is 1970-01-01, not "alive"
			x.DeathDate = canonical.NoDate
		}
	}
	return r
}

func optOutsFor(t *testing.T, include bool) *OptOuts {
	t.Helper()
	now := time.Now()
	dir := t.TempDir()
	deny := filepath.Join(dir, "deny.txt")
	resp := filepath.Join(dir, "response.dat")
	os.WriteFile(deny, []byte("9990000026\n"), 0o600)
	os.WriteFile(resp, []byte("9990000018,\n9990000026,\n9990000034,\n9990000050,\n"), 0o600)
	o, err := LoadOptOuts(config.OptOuts{
		NationalDenyList:        &config.ListFile{Path: deny, MaxAge: config.Duration(time.Hour)},
		CheckServiceResponse:    &config.ListFile{Path: resp, MaxAge: config.Duration(time.Hour)},
		Type1:                   config.Type1{ObjectionCodes: []string{"9Nu0"}, WithdrawalCodes: []string{"9Nu1"}},
		IncludeWithoutNHSNumber: include,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPeopleOptOutsAndRows(t *testing.T) {
	r := testRegion()
	geo := yorkshire(t)
	pcs, err := LoadPostcodeLookup(filepath.Join("testdata", "postcodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	g := NewGeneraliser(geo, pcs)
	p := NewPeople()
	p.SetGeneraliser(g)
	for i := range r.people {
		p.Add(&r.people[i])
	}
	o := optOutsFor(t, false)
	for i := range r.objects {
		o.AddObjection(&r.objects[i])
	}
	if p.Len() != 6 {
		t.Fatalf("Len = %d, want 6", p.Len())
	}
	if b, _, ok := p.Person("9990000018"); !ok || b != canonical.MakeDate(1950, 6, 15) {
		t.Errorf("Person: first birth date not kept: %v %v", b, ok)
	}
	if got := p.Place("9990000034"); got != "E08000035" {
		t.Errorf("Place by postcode = %q", got)
	}
	if got := p.Place("nobody"); got != Unknown {
		t.Errorf("Place of unknown = %q", got)
	}

	counts := p.ApplyOptOuts(o, true)
	want := []OptOutCount{
		{NationalDataOptOut, "acute", "E08000035", 1},
		{NoNHSNumber, "synthea", "E08000034", 1},
		{NotInCheckServiceResponse, "gp", Unknown, 1},
		{Type1Objection, "gp", "E08000035", 1},
	}
	if !slices.Equal(counts, want) {
		t.Errorf("counts\n got %v\nwant %v", counts, want)
	}

	ps := NewPseudonymiser(DemoKey())
	asOf := canonical.MakeDate(2024, 3, 1)
	var rows []PersonRow
	if err := p.Rows(ps, g, asOf, func(r *PersonRow) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	wantRows := []PersonRow{
		// Born 1950-06-15: 74 at 30 June 2024, the business date's year.
		{ID: ps.Pseudonym("9990000018"), Sex: "female", Age: 74, AgeBand: "70-74", LSOA: "E01011092", LAD: "E08000034", LADName: "Kirklees",
			SubICB: "E38000254", SubICBName: "NHS West Yorkshire ICB - X2C4Y",
			ICB: "E54000054", ICBName: "NHS West Yorkshire Integrated Care Board", Practice: "B85001", DeathMonth: canonical.NoDate, Feeds: "acute,gp"},
		{ID: ps.Pseudonym("9990000050"), Sex: "male", Age: 80, AgeBand: "80-84", LSOA: Unknown, LAD: Unknown, LADName: Unknown,
			SubICB: Unknown, SubICBName: Unknown, ICB: Unknown, ICBName: Unknown, DeathMonth: canonical.MakeDate(2020, 7, 1), Feeds: "acute"},
	}
	if !slices.Equal(rows, wantRows) {
		t.Errorf("rows\n got %+v\nwant %+v", rows, wantRows)
	}
	st := p.Stats()
	if st != (Stats{People: 6, Kept: 2, BirthConflicts: 1, SexConflicts: 1, UnknownPlace: 1, LSOAUnknown: 1}) {
		t.Errorf("stats %+v", st)
	}

	var row ActivityRow
	ev := canonical.Event{Feed: "acute", PersonKey: "9990000018", Date: canonical.MakeDate(2010, 6, 14), Service: canonical.AEAttendance,
		Setting: canonical.Hospital, Provider: "RWY", CodeSystem: "ICD-10", Code: "S72.0", LengthOfStay: -1}
	if kept, why := p.Event(&ev, &row); !kept || why != "" {
		t.Fatalf("Event kept=%v %q", kept, why)
	}
	// Age 60 at 30 June 2010, the event's year.
	wantRow := ActivityRow{PersonID: rows[0].ID, Date: ev.Date, Service: ev.Service, Setting: ev.Setting, Provider: "RWY", Feed: "acute",
		Age: 60, AgeBand: "60-64", Sex: "female", LSOA: "E01011092", SubICB: "E38000254", LAD: "E08000034", ICB: "E54000054", CodeSystem: "ICD-10", Code: "S72.0", LengthOfStay: -1}
	if row != wantRow {
		t.Errorf("row\n got %+v\nwant %+v", row, wantRow)
	}
	for key, reason := range map[string]OptOutReason{
		"9990000026": NationalDataOptOut, "9990000042": NotInCheckServiceResponse,
		"9990000034": Type1Objection, "synthea-id|abc": NoNHSNumber, "9434765919": "",
	} {
		ev.PersonKey = key
		if kept, why := p.Event(&ev, &row); kept || why != reason {
			t.Errorf("Event(%s) kept=%v reason=%q, want %q", key, kept, why, reason)
		}
	}
	ev.PersonKey = "9990000018"
	if n := testing.AllocsPerRun(1000, func() { p.Event(&ev, &row) }); n != 0 {
		t.Errorf("Event: %v allocations per call", n)
	}
}

func TestOptOutsDisabledAndIncluded(t *testing.T) {
	r := testRegion()
	o := optOutsFor(t, true)
	for i := range r.objects {
		o.AddObjection(&r.objects[i])
	}
	tests := []struct {
		name    string
		enabled bool
		include bool
		kept    int64
	}{
		{"enabled", true, false, 2},
		{"enabled, without NHS number included", true, true, 3},
		{"disabled", false, false, 5},
		{"disabled, without NHS number included", false, true, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPeople()
			for i := range r.people {
				p.Add(&r.people[i])
			}
			o.includeWithoutNHS = tt.include
			p.ApplyOptOuts(o, tt.enabled)
			if got := p.Stats().Kept; got != tt.kept {
				t.Errorf("kept %d, want %d", got, tt.kept)
			}
		})
	}
}

func TestNobodyKeptWithoutOptOutCheck(t *testing.T) {
	p := NewPeople()
	p.Add(&canonical.Person{Feed: "gp", Key: "9990000018", HasNHSNumber: true})
	g := NewGeneraliser(yorkshire(t), nil)
	n := 0
	if err := p.Rows(NewPseudonymiser(DemoKey()), g, 0, func(*PersonRow) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("Rows before ApplyOptOuts: %d rows, %v", n, err)
	}
	p.ApplyOptOuts(nil, true)
	p.Add(&canonical.Person{Feed: "gp", Key: "9990000026", HasNHSNumber: true}) // too late to be checked
	if err := p.Rows(NewPseudonymiser(DemoKey()), g, 0, func(*PersonRow) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("Rows: %d rows, %v; want 1", n, err)
	}
	var row ActivityRow
	if kept, _ := p.Event(&canonical.Event{PersonKey: "9990000026"}, &row); kept {
		t.Error("event of an unchecked person kept")
	}
}

// Event's ages are MidYearAge's whatever order a person's events come in,
// across years and around 30 June; and an event is always its own person's,
// even when the reader reuses the memory of the key it passes (Event
// remembers the last person found).
func TestEventAgesAndPeople(t *testing.T) {
	p := NewPeople()
	p.SetGeneraliser(NewGeneraliser(yorkshire(t), nil))
	births := map[string]canonical.Date{
		"9990000018": canonical.MakeDate(1990, 8, 15),
		"9990000026": canonical.MakeDate(1941, 6, 30),
	}
	sexes := map[string]canonical.Sex{"9990000018": canonical.Male, "9990000026": canonical.Female}
	for key, birth := range births {
		p.Add(&canonical.Person{Feed: "gp", Key: key, HasNHSNumber: true, BirthDate: birth, DeathDate: canonical.NoDate,
			Sex: sexes[key], LSOA: "E01011092"})
	}
	p.ApplyOptOuts(nil, true)
	ids := map[Pseudonym]string{}
	if err := p.Rows(NewPseudonymiser(DemoKey()), nil, canonical.MakeDate(2026, 1, 1), func(r *PersonRow) error {
		ids[r.ID] = r.Sex
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	dates := []canonical.Date{
		canonical.MakeDate(2023, 12, 31), canonical.MakeDate(2024, 1, 1), canonical.MakeDate(2022, 6, 30),
		canonical.MakeDate(2025, 7, 1), canonical.MakeDate(2024, 12, 31), canonical.MakeDate(1990, 8, 14),
		canonical.MakeDate(1990, 8, 15), canonical.MakeDate(2031, 6, 30), canonical.MakeDate(2024, 6, 30),
	}
	// The key is read from one buffer, overwritten for each event, as a
	// reader's reused memory would be.
	buf := make([]byte, 10)
	key := unsafe.String(&buf[0], len(buf))
	var row ActivityRow
	for i := range 4 * len(dates) {
		person := []string{"9990000018", "9990000026"}[i%3%2]
		d := dates[i%len(dates)]
		copy(buf, person)
		if birth, _, ok := p.Person(key); !ok || birth != births[person] {
			t.Fatalf("Person(%s) = %v, %v", person, birth, ok)
		}
		copy(buf, person)
		if kept, _ := p.Event(&canonical.Event{PersonKey: key, Date: d}, &row); !kept {
			t.Fatalf("event of %s dropped", person)
		}
		if want := canonical.MidYearAge(births[person], d); int(row.Age) != want || row.AgeBand != AgeBand(want) {
			t.Errorf("%s on %v: age %d (%s), want %d", person, d, row.Age, row.AgeBand, want)
		}
		if got, want := ids[row.PersonID], sexes[person].String(); got != want || row.Sex != want {
			t.Errorf("%s on %v: the event went to the %s person", person, d, got)
		}
		// The next event's key overwrites this one in place.
		copy(buf, []string{"9990000026", "9990000018"}[i%3%2])
	}
}

func BenchmarkPeopleEvent(b *testing.B) {
	p := NewPeople()
	p.SetGeneraliser(NewGeneraliser(yorkshire(b), nil))
	p.Add(&canonical.Person{Feed: "gp", Key: "9990000018", HasNHSNumber: true, BirthDate: 1000, DeathDate: canonical.NoDate, LSOA: "E01011092"})
	p.ApplyOptOuts(nil, true)
	p.Rows(NewPseudonymiser(DemoKey()), nil, 20000, func(*PersonRow) error { return nil })
	ev := canonical.Event{PersonKey: "9990000018", Date: 19000}
	var row ActivityRow
	b.ReportAllocs()
	for b.Loop() {
		p.Event(&ev, &row)
	}
}

func TestResidenceMerge(t *testing.T) {
	g := NewGeneraliser(yorkshire(t), nil)
	tests := []struct {
		name   string
		lsoas  []string // residence of the same person in successive feeds
		before bool     // SetGeneraliser before Add
		want   string
	}{
		{"first known kept", []string{"E01011092", "E01011516"}, true, "E08000034"},
		{"first known kept, looked up late", []string{"E01011092", "E01011516"}, false, "E08000034"},
		{"later fills a gap", []string{"", "E01011516"}, true, "E08000035"},
		{"later fills a gap, looked up late", []string{"", "E01011516"}, false, "E08000035"},
		{"later replaces an unknown", []string{"E09999999", "E01011516"}, true, "E08000035"},
		{"never known", []string{"", "E09999999"}, true, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPeople()
			if tt.before {
				p.SetGeneraliser(g)
			}
			for i, l := range tt.lsoas {
				p.Add(&canonical.Person{Feed: fmt.Sprint("feed", i), Key: "9990000018", HasNHSNumber: true, LSOA: l, DeathDate: canonical.NoDate})
			}
			p.SetGeneraliser(g)
			if got := p.Place("9990000018"); got != tt.want {
				t.Errorf("Place = %q, want %q", got, tt.want)
			}
		})
	}
}

// An invalid objection-like record in one feed excludes the person it
// names in every feed, counted under its own reason.
func TestPeopleInvalidObjectionExcludesEverywhere(t *testing.T) {
	d := canonical.MakeDate
	p := NewPeople()
	p.SetGeneraliser(NewGeneraliser(yorkshire(t), nil))
	p.Add(&canonical.Person{Feed: "acute", Key: "9990000018", HasNHSNumber: true, BirthDate: d(1950, 6, 15), LSOA: "E01011092"})
	p.Add(&canonical.Person{Feed: "acute", Key: "9990000026", HasNHSNumber: true, BirthDate: d(1950, 6, 15), LSOA: "E01011092"})
	o, err := LoadOptOuts(config.OptOuts{Type1: config.Type1{ObjectionCodes: []string{"9Nu0"}, WithdrawalCodes: []string{"9Nu1"}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The GP feed's record had no date; the person is not in its persons.
	o.AddObjection(&canonical.Objection{Feed: "gp", PersonKey: "9990000018", Date: canonical.NoDate, Code: "9Nu0", Invalid: true})
	got := p.ApplyOptOuts(o, true)
	want := []OptOutCount{{Type1ObjectionInvalid, "acute", "E08000034", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	if got := p.ApplyOptOuts(o, false); len(got) != 0 {
		t.Errorf("with opt-outs disabled: %v", got)
	}
}

// Issue 15: a run whose people have no known residence says why, so that
// its report can say how to fix it: no residence at all, an LSOA the
// geography lacks, a postcode and no postcode lookup, a postcode the
// lookup lacks.
func TestUnplacedReasons(t *testing.T) {
	geo := yorkshire(t)
	pcs, err := LoadPostcodeLookup(filepath.Join("testdata", "postcodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	people := []canonical.Person{
		{Key: "9990000018"},                                          // nothing
		{Key: "9990000026", LSOA: "E09999999"},                       // not in the geography
		{Key: "9990000034", Postcode: "ZZ99 9ZZ"},                    // not in the lookup, or no lookup
		{Key: "9990000042", Postcode: "ZZ99 9ZY"},                    // the same
		{Key: "9990000050", LSOA: "E01011092"},                       // placed
		{Key: "9990000069", LSOA: "E09999999", Postcode: "ZZ99 9ZZ"}, // an LSOA given: that is what to fix
	}
	for _, tt := range []struct {
		name string
		pcs  map[string]string
		want Stats
	}{
		{"with a postcode lookup", pcs, Stats{People: 6, Kept: 6, UnknownPlace: 5, NoResidence: 1, LSOAUnknown: 2, PostcodeUnknown: 2}},
		{"without one", nil, Stats{People: 6, Kept: 6, UnknownPlace: 5, NoResidence: 1, LSOAUnknown: 2, NoPostcodeTable: 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGeneraliser(geo, tt.pcs)
			p := NewPeople()
			p.SetGeneraliser(g)
			for i := range people {
				x := people[i]
				x.Feed, x.HasNHSNumber, x.BirthDate, x.DeathDate = "acute", true, canonical.MakeDate(1950, 1, 1), canonical.NoDate
				p.Add(&x)
			}
			p.ApplyOptOuts(nil, true)
			if err := p.Rows(NewPseudonymiser(DemoKey()), g, canonical.MakeDate(2024, 1, 1), func(*PersonRow) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if st := p.Stats(); st != tt.want {
				t.Errorf("stats\n got %+v\nwant %+v", st, tt.want)
			}
		})
	}
}

// TestManyFeeds: a person is tracked in every feed they appear in, however
// many feeds the partnership has: beyond 64 feeds none is silently dropped
// from the person's feeds or from the opt-out counts (issue 16, finding 6).
func TestManyFeeds(t *testing.T) {
	p := NewPeople()
	p.SetGeneraliser(NewGeneraliser(yorkshire(t), nil))
	const feeds = 100
	feed := func(i int) string { return fmt.Sprintf("feed%03d", i) }
	// Person A in every feed; person B (opted out) in feeds 70 and 99 only;
	// person C in feeds 3 and 80, added in that order and again.
	for i := range feeds {
		p.Add(&canonical.Person{Feed: feed(i), Key: "9990000018", HasNHSNumber: true, LSOA: "E01011092", DeathDate: canonical.NoDate})
	}
	for _, i := range []int{70, 99} {
		p.Add(&canonical.Person{Feed: feed(i), Key: "9990000026", HasNHSNumber: true, LSOA: "E01011092", DeathDate: canonical.NoDate})
	}
	for _, i := range []int{80, 3, 80, 3} {
		p.Add(&canonical.Person{Feed: feed(i), Key: "9990000034", HasNHSNumber: true, LSOA: "E01011092", DeathDate: canonical.NoDate})
	}
	deny := filepath.Join(t.TempDir(), "deny.txt")
	if err := os.WriteFile(deny, []byte("9990000026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := LoadOptOuts(config.OptOuts{NationalDenyList: &config.ListFile{Path: deny}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	counts := p.ApplyOptOuts(o, true)
	var optedFeeds []string
	for _, c := range counts {
		optedFeeds = append(optedFeeds, c.Feed)
	}
	if want := []string{feed(70), feed(99)}; !slices.Equal(optedFeeds, want) {
		t.Errorf("opt-outs counted in feeds %v, want %v", optedFeeds, want)
	}
	rows := map[int]string{}
	n := 0
	err = p.Rows(NewPseudonymiser(DemoKey()), nil, canonical.MakeDate(2024, 1, 1), func(r *PersonRow) error {
		rows[n] = r.Feeds
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for i := range feeds {
		all = append(all, feed(i))
	}
	if got, want := rows[0], strings.Join(all, ","); got != want {
		t.Errorf("person in %d feeds: feeds %q, want all %d", feeds, got, feeds)
	}
	if got, want := rows[1], feed(3)+","+feed(80); got != want {
		t.Errorf("person in two feeds: feeds %q, want %q", got, want)
	}
}
