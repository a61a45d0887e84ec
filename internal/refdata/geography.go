package refdata

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
)

// ICB is an Integrated Care Board (2024).
type ICB struct {
	Code string // ONS code, E54…
	ODS  string // NHS code, Q…
	Name string
}

// SubICB is a sub-ICB location (2024), the successor of a CCG.
type SubICB struct {
	Code string // ONS code, E38…
	ODS  string // NHS code, e.g. 02P (the CCG's)
	Name string
	ICB  string // ONS code of its ICB
}

// Names holds the names and NHS codes of a lookup's ICBs, sub-ICB
// locations and local authorities.
type Names struct {
	icbs  []ICB
	icbBy map[string]int // by ONS and NHS code
	subs  map[string]SubICB
	lads  map[string]string // local authority (2024) and district (2022) names
}

// ICBs returns every ICB, by ONS code.
func (n *Names) ICBs() []ICB { return n.icbs }

// ICB finds an ICB by its ONS (E54…) or NHS (Q…) code, in any case.
func (n *Names) ICB(code string) (ICB, bool) {
	i, ok := n.icbBy[strings.ToUpper(code)]
	if !ok {
		return ICB{}, false
	}
	return n.icbs[i], true
}

// SubICB finds a sub-ICB location by its ONS code.
func (n *Names) SubICB(code string) (SubICB, bool) {
	s, ok := n.subs[code]
	return s, ok
}

// LADName names a local authority (2024) or district (2022) by its code.
func (n *Names) LADName(code string) string { return n.lads[code] }

func (n *Names) addICB(icb ICB) {
	if _, ok := n.icbBy[icb.Code]; ok {
		return
	}
	n.icbBy[icb.Code] = len(n.icbs)
	n.icbBy[strings.ToUpper(icb.ODS)] = len(n.icbs)
	n.icbs = append(n.icbs, icb)
}

func newNames() *Names {
	return &Names{icbBy: map[string]int{}, subs: map[string]SubICB{}, lads: map[string]string{}}
}

// Area is one LSOA (2021) with the areas it lies in.
type Area struct {
	LSOA      string // LSOA 2021
	SubICB    string // sub-ICB location, ONS code
	ICB       string // ICB, ONS code
	LAD       string // local authority 2024: the place
	District  string // local authority district 2022, of the population estimates
	IMDDecile int    // IMD 2025 national decile, 1 (most deprived) to 10
}

// Place is a local authority (2024) in a region: its LSOAs there, and the
// ICB most of them lie in. A local authority split between ICBs (e.g.
// North Yorkshire) is one place; its LSOAs keep their own ICB.
type Place struct {
	LAD, LADName       string
	ICB                string // ONS code of the ICB holding most of its LSOAs in the region
	ICBName            string
	Population2020     int // mid-2020 residents of its LSOAs in the region
	LSOAFirst, LSOAEnd int // Areas[LSOAFirst:LSOAEnd] are its LSOAs
}

// Lookup is an LSOA (2021) → sub-ICB location → ICB → local authority
// lookup: the embedded England-wide one, or one read from a file.
type Lookup struct {
	names *Names
	rows  []LSOARow // by LSOA code
}

// find returns the position of an LSOA (2021) code in rows.
func (l *Lookup) find(code string) (int, bool) {
	return slices.BinarySearchFunc(l.rows, code, func(r LSOARow, c string) int { return cmp.Compare(r.LSOA, c) })
}

// Names returns the lookup's ICB, sub-ICB and local authority names.
func (l *Lookup) Names() *Names { return l.names }

// embedded is the England-wide data, read once.
type embedded struct {
	lookup *Lookup
	// changed maps an LSOA (2011) code that changed to its 2021 codes.
	changed map[string][]string
	// pop holds each district's population by single year of age:
	// [age][0] male 2011, [1] female 2011, [2] persons 2020.
	pop map[string]*[91][3]float64
	// lsoaPop holds the mid-2020 population by five-year band of the
	// LSOAs (2021) whose 2011 estimates are embedded.
	lsoaPop map[string]*[19]float64
	// known is, by district, the sum of lsoaPop over its LSOAs that have
	// one, and unknown the number of its LSOAs that have none; bands is the
	// district's mid-2020 estimate by age band.
	known   map[string]*[19]float64
	unknown map[string]int
	bands   map[string]*[19]float64
}

var loadEmbedded = sync.OnceValues(readEmbedded)

// readEmbedded reads and indexes the embedded tables.
func readEmbedded() (*embedded, error) {
	rows, err := readLSOAs()
	if err != nil {
		return nil, err
	}
	nameRows, err := readNames()
	if err != nil {
		return nil, err
	}
	changes, err := readLSOAChanges()
	if err != nil {
		return nil, err
	}
	pop, err := readPopulation()
	if err != nil {
		return nil, err
	}
	lsoaPop, err := readLSOAPopulation()
	if err != nil {
		return nil, err
	}
	n := newNames()
	for _, r := range nameRows {
		switch r.Kind {
		case "icb":
			n.addICB(ICB{Code: r.Code, ODS: r.ODS, Name: r.Name})
		case "sicbl":
			n.subs[r.Code] = SubICB{Code: r.Code, ODS: r.ODS, Name: r.Name, ICB: r.Parent}
		case "lad24", "lad22":
			n.lads[r.Code] = r.Name
		}
	}
	e := &embedded{
		lookup:  newLookup(n, rows),
		changed: map[string][]string{},
		pop:     map[string]*[91][3]float64{},
		lsoaPop: map[string]*[19]float64{},
		known:   map[string]*[19]float64{},
		unknown: map[string]int{},
		bands:   map[string]*[19]float64{},
	}
	for _, c := range changes {
		e.changed[c.LSOA11] = append(e.changed[c.LSOA11], c.LSOA21)
	}
	for _, r := range pop {
		p := e.pop[r.District]
		if p == nil {
			p = new([91][3]float64)
			e.pop[r.District] = p
		}
		p[r.Age] = [3]float64{float64(r.Male2011), float64(r.Female2011), float64(r.Persons20)}
	}
	// The LSOA estimates are on 2011 LSOAs: a split LSOA's people are
	// shared equally between its parts, merged LSOAs' added up.
	for _, r := range lsoaPop {
		parts, ok := e.changed[r.LSOA11]
		if !ok {
			parts = []string{r.LSOA11}
		}
		for _, p := range parts {
			v := e.lsoaPop[p]
			if v == nil {
				v = new([19]float64)
				e.lsoaPop[p] = v
			}
			v[r.Band] += float64(r.Persons) / float64(len(parts))
		}
	}
	for d, p := range e.pop {
		b := new([19]float64)
		for age, v := range p {
			b[min(age/5, 18)] += v[2]
		}
		e.bands[d] = b
	}
	for _, r := range rows {
		v, ok := e.lsoaPop[r.LSOA]
		if !ok {
			e.unknown[r.District]++
			continue
		}
		k := e.known[r.District]
		if k == nil {
			k = new([19]float64)
			e.known[r.District] = k
		}
		for i, x := range v {
			k[i] += x
		}
	}
	return e, nil
}

// areaShares returns an LSOA's share of its district's mid-2020 population
// in each age band: its embedded LSOA estimate's share where it has one;
// else an equal part of what the district's estimate leaves to its LSOAs
// without one (all of it, where none has one: LSOAs are drawn to hold
// 1,000 to 3,000 people). The shares of a district's LSOAs add up to 1.
func (e *embedded) areaShares(a Area) [19]float64 {
	var out [19]float64
	bands, known, unknown := e.bands[a.District], e.known[a.District], e.unknown[a.District]
	if bands == nil {
		return out
	}
	if known == nil {
		known = new([19]float64)
	}
	own, ok := e.lsoaPop[a.LSOA]
	for b := range out {
		total := bands[b]
		if unknown == 0 {
			total = known[b] // the LSOA estimates are the district's
		}
		switch {
		case total <= 0:
		case ok:
			out[b] = own[b] / total
		default:
			out[b] = max(0, bands[b]-known[b]) / float64(unknown) / total
		}
	}
	return out
}

func newLookup(n *Names, rows []LSOARow) *Lookup {
	byCode := func(a, b LSOARow) int { return cmp.Compare(a.LSOA, b.LSOA) }
	if !slices.IsSortedFunc(rows, byCode) {
		rows = slices.Clone(rows)
		slices.SortFunc(rows, byCode)
	}
	return &Lookup{names: n, rows: rows}
}

// Embedded returns the embedded England-wide lookup: every LSOA (2021) of
// England with its sub-ICB location, ICB and local authority (ONS, April
// 2024). The result is shared and must not be modified.
func Embedded() (*Lookup, error) {
	e, err := loadEmbedded()
	if err != nil {
		return nil, err
	}
	return e.lookup, nil
}

func embeddedNames() (*Names, error) {
	l, err := Embedded()
	if err != nil {
		return nil, err
	}
	return l.names, nil
}

// ErrLookup reports a lookup file carecast cannot use.
var ErrLookup = errors.New("geography lookup")

// lookupColumns are the columns a lookup file needs, by the prefix and
// suffix of their names in ONS lookups of any year (lsoa21cd, sicbl24cd,
// SICBL25CDH, icb24nm, LAD24CD …).
var lookupColumns = []struct{ key, prefix, suffix string }{
	{"lsoa", "lsoa21", "cd"},
	{"sicbl", "sicbl", "cd"}, {"sicblh", "sicbl", "cdh"}, {"sicblnm", "sicbl", "nm"},
	{"icb", "icb", "cd"}, {"icbh", "icb", "cdh"}, {"icbnm", "icb", "nm"},
	{"lad", "lad", "cd"}, {"ladnm", "lad", "nm"},
}

// LoadLookup reads an ONS LSOA (2021) → sub-ICB location → ICB → local
// authority lookup CSV of a later year than the embedded one (columns such
// as lsoa21cd, sicbl25cd, sicbl25cdh, sicbl25nm, icb25cd, icb25cdh,
// icb25nm, lad25cd, lad25nm, in any order and case). Its LSOAs must be
// England's LSOAs (2021): their districts, populations and deprivation
// come from the embedded data.
func LoadLookup(r io.Reader, name string) (*Lookup, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: header: %w", ErrLookup, name, err)
	}
	col := map[string]int{}
	for _, c := range lookupColumns {
		for i, h := range head {
			h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
			if strings.HasPrefix(h, c.prefix) && strings.HasSuffix(h, c.suffix) && !(c.suffix == "cd" && strings.HasSuffix(h, "cdh")) {
				col[c.key] = i
				break
			}
		}
		if _, ok := col[c.key]; !ok {
			return nil, fmt.Errorf("%w: %s: no %s…%s column: want the columns of the ONS LSOA (2021) to sub-ICB location to ICB to local authority lookup (e.g. lsoa21cd, sicbl24cd, sicbl24cdh, sicbl24nm, icb24cd, icb24cdh, icb24nm, lad24cd, lad24nm)",
				ErrLookup, name, c.prefix, c.suffix)
		}
	}
	e, err := loadEmbedded()
	if err != nil {
		return nil, err
	}
	n := newNames()
	for code, nm := range e.lookup.names.lads {
		n.lads[code] = nm
	}
	var rows []LSOARow
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrLookup, name, err)
		}
		line, _ := cr.FieldPos(0)
		get := func(k string) string {
			if i := col[k]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		code := get("lsoa")
		i, ok := e.lookup.find(code)
		if !ok {
			return nil, fmt.Errorf("%w: %s line %d: %q is not an English LSOA (2021) code", ErrLookup, name, line, code)
		}
		if seen[code] {
			return nil, fmt.Errorf("%w: %s line %d: LSOA %s appears twice", ErrLookup, name, line, code)
		}
		seen[code] = true
		if get("sicbl") == "" || get("icb") == "" || get("lad") == "" {
			return nil, fmt.Errorf("%w: %s line %d: LSOA %s lacks a sub-ICB, ICB or local authority code", ErrLookup, name, line, code)
		}
		n.addICB(ICB{Code: get("icb"), ODS: get("icbh"), Name: get("icbnm")})
		n.subs[get("sicbl")] = SubICB{Code: get("sicbl"), ODS: get("sicblh"), Name: get("sicblnm"), ICB: get("icb")}
		n.lads[get("lad")] = get("ladnm")
		emb := e.lookup.rows[i]
		rows = append(rows, LSOARow{LSOA: code, SubICB: get("sicbl"), LAD: get("lad"), District: emb.District, IMDDecile: emb.IMDDecile})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: %s: no rows", ErrLookup, name)
	}
	slices.SortFunc(n.icbs, func(a, b ICB) int { return cmp.Compare(a.Code, b.Code) })
	for i, icb := range n.icbs {
		n.icbBy[icb.Code], n.icbBy[strings.ToUpper(icb.ODS)] = i, i
	}
	return newLookup(n, rows), nil
}

// Geography is the geography of a run's region: its LSOAs, places and
// ICBs, with their names and populations.
type Geography struct {
	Region Region
	Areas  []Area  // sorted by local authority, then LSOA
	Places []Place // sorted by local authority
	names  *Names
	byLSOA map[string]int
	byLAD  map[string]int
	// changed maps LSOA (2011) codes that changed to their 2021 codes.
	changed map[string][]string
	e       *embedded
}

// ErrNoArea reports a region with no LSOAs in the lookup.
var ErrNoArea = errors.New("region has no LSOAs")

// Geography returns the geography of a region of the lookup.
func (l *Lookup) Geography(r Region) (*Geography, error) {
	e, err := loadEmbedded()
	if err != nil {
		return nil, err
	}
	g := &Geography{Region: r, names: l.names, byLSOA: map[string]int{}, byLAD: map[string]int{}, changed: e.changed, e: e}
	for _, row := range l.rows {
		sub, ok := l.names.SubICB(row.SubICB)
		if !ok {
			return nil, fmt.Errorf("%w: LSOA %s: sub-ICB location %s has no ICB", ErrLookup, row.LSOA, row.SubICB)
		}
		if !r.Has(sub.ICB) {
			continue
		}
		g.Areas = append(g.Areas, Area{LSOA: row.LSOA, SubICB: row.SubICB, ICB: sub.ICB, LAD: row.LAD,
			District: row.District, IMDDecile: int(row.IMDDecile)})
	}
	if len(g.Areas) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoArea, r)
	}
	slices.SortFunc(g.Areas, func(a, b Area) int { return cmp.Or(cmp.Compare(a.LAD, b.LAD), cmp.Compare(a.LSOA, b.LSOA)) })
	weights := g.areaPopulation2020()
	for i, a := range g.Areas {
		g.byLSOA[a.LSOA] = i
		j, ok := g.byLAD[a.LAD]
		if !ok {
			j = len(g.Places)
			g.byLAD[a.LAD] = j
			g.Places = append(g.Places, Place{LAD: a.LAD, LADName: l.names.LADName(a.LAD), LSOAFirst: i})
		}
		g.Places[j].LSOAEnd = i + 1
	}
	for j := range g.Places {
		p := &g.Places[j]
		count := map[string]int{}
		var pop float64
		for i := p.LSOAFirst; i < p.LSOAEnd; i++ {
			count[g.Areas[i].ICB]++
			pop += weights[i]
		}
		for _, icb := range slices.Sorted(maps.Keys(count)) {
			if count[icb] > count[p.ICB] {
				p.ICB = icb
			}
		}
		p.ICBName = g.ICBName(p.ICB)
		p.Population2020 = int(pop + 0.5)
	}
	return g, nil
}

// NewGeography returns the geography of a region (a preset or ICB codes)
// from the embedded England-wide lookup.
func NewGeography(region ...string) (*Geography, error) {
	l, err := Embedded()
	if err != nil {
		return nil, err
	}
	r, err := ParseRegion(region, l.names)
	if err != nil {
		return nil, err
	}
	return l.Geography(r)
}

var yorkshire = sync.OnceValues(func() (*Geography, error) { return NewGeography("yorkshire-humber") })

// YorkshireHumber returns the geography of the Yorkshire & Humber preset,
// the default region. The result is shared and must not be modified.
func YorkshireHumber() (*Geography, error) { return yorkshire() }

// Resolve returns the position in Areas of an LSOA code of either census
// vintage: a 2021 code, or a 2011 code through the ONS best-fit lookup. A
// 2011 LSOA split into several 2021 ones resolves to the first of them (by
// code) that lies in the region; its parts nearly always share their
// local authority and ICB.
func (g *Geography) Resolve(code string) (int, bool) {
	if i, ok := g.byLSOA[code]; ok {
		return i, true
	}
	for _, c := range g.changed[code] {
		if i, ok := g.byLSOA[c]; ok {
			return i, true
		}
	}
	return -1, false
}

// AreaByLSOA returns the area of an LSOA code of either vintage.
func (g *Geography) AreaByLSOA(code string) (Area, bool) {
	i, ok := g.Resolve(code)
	if !ok {
		return Area{}, false
	}
	return g.Areas[i], true
}

// PlaceByLAD returns the place of a local authority code.
func (g *Geography) PlaceByLAD(code string) (Place, bool) {
	i, ok := g.byLAD[code]
	if !ok {
		return Place{}, false
	}
	return g.Places[i], true
}

// ICBs returns the region's ICBs, by ONS code.
func (g *Geography) ICBs() []ICB {
	out := make([]ICB, 0, len(g.Region.ICBs))
	for _, c := range g.Region.ICBs {
		if icb, ok := g.names.ICB(c); ok {
			out = append(out, icb)
		}
	}
	return out
}

// ICBName names an ICB by its ONS code.
func (g *Geography) ICBName(code string) string {
	icb, _ := g.names.ICB(code)
	return icb.Name
}

// SubICB finds a sub-ICB location by its ONS code.
func (g *Geography) SubICB(code string) (SubICB, bool) { return g.names.SubICB(code) }

// LADName names a local authority (2024) or district (2022).
func (g *Geography) LADName(code string) string { return g.names.LADName(code) }

// areaPopulation2020 estimates each area's mid-2020 population: its shares
// of its district's estimate (areaShares).
func (g *Geography) areaPopulation2020() []float64 {
	out := make([]float64, len(g.Areas))
	for i, a := range g.Areas {
		shares, bands := g.e.areaShares(a), g.e.bands[a.District]
		if bands == nil {
			continue
		}
		for b, s := range shares {
			out[i] += s * bands[b]
		}
	}
	return out
}

// AreaPopulation2020 returns the estimated mid-2020 population of each
// area, in the order of Areas.
func (g *Geography) AreaPopulation2020() []float64 { return g.areaPopulation2020() }

func sum19(v *[19]float64) float64 {
	if v == nil {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

func (g *Geography) districtPersons2020(d string) float64 {
	p := g.e.pop[d]
	if p == nil {
		return 0
	}
	var s float64
	for _, a := range p {
		s += a[2]
	}
	return s
}

// AgeBands are the five-year age bands of carecast's outputs and of the
// 2013 European Standard Population: 0-4 … 85-89 and 90+.
var AgeBands = [19]string{
	"0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
	"45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
}

// PopulationRow is the population of a place's part in one ICB at one
// single year of age (90 meaning 90 and over), by sex.
type PopulationRow struct {
	ICB, LAD     string
	Age          int
	Male, Female float64
}

// ErrNoPopulation reports a place with no embedded population estimate.
var ErrNoPopulation = errors.New("no population estimate")

// Population returns the ONS estimate for mid-2011 or mid-2020 of every
// place of the region, split by the ICBs its LSOAs lie in, by single year
// of age and sex, ordered by place, ICB and age. Places are local
// authorities (2024) built from whole districts (2022), the geography of
// the estimates. Mid-2020 estimates by sex are not embedded: persons are
// split by the same district's mid-2011 sex ratio at that age. A part of a
// district takes its LSOAs' shares of the district's mid-2020 population
// in each age band (areaShares: where the LSOA estimates are embedded, a
// part adds up to its LSOAs' estimates); the mid-2011 estimate is split
// the same way.
func (g *Geography) Population(year int) ([]PopulationRow, error) {
	if year != 2011 && year != 2020 {
		return nil, fmt.Errorf("%w for %d: the embedded estimates are mid-2011 and mid-2020", ErrNoPopulation, year)
	}
	type part struct{ lad, icb, district string }
	share := map[part]*[19]float64{}
	for _, a := range g.Areas {
		k := part{a.LAD, a.ICB, a.District}
		w := share[k]
		if w == nil {
			w = new([19]float64)
			share[k] = w
		}
		for b, x := range g.e.areaShares(a) {
			w[b] += x
		}
	}
	type key struct {
		lad, icb string
		age      int
	}
	rows := map[key]*PopulationRow{}
	for _, p := range slices.SortedFunc(maps.Keys(share), func(a, b part) int {
		return cmp.Or(cmp.Compare(a.lad, b.lad), cmp.Compare(a.icb, b.icb), cmp.Compare(a.district, b.district))
	}) {
		est := g.e.pop[p.district]
		if est == nil {
			return nil, fmt.Errorf("%w for district %s (%s)", ErrNoPopulation, p.district, g.LADName(p.district))
		}
		for age, v := range est {
			w := share[p][min(age/5, 18)]
			k := key{p.lad, p.icb, age}
			r := rows[k]
			if r == nil {
				r = &PopulationRow{ICB: p.icb, LAD: p.lad, Age: age}
				rows[k] = r
			}
			male, female := v[0], v[1]
			if year == 2020 {
				maleShare := 0.5
				if male+female > 0 {
					maleShare = male / (male + female)
				}
				male, female = v[2]*maleShare, v[2]*(1-maleShare)
			}
			r.Male += male * w
			r.Female += female * w
		}
	}
	out := make([]PopulationRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b PopulationRow) int {
		return cmp.Or(cmp.Compare(a.LAD, b.LAD), cmp.Compare(a.ICB, b.ICB), cmp.Compare(a.Age, b.Age))
	})
	return out, nil
}

// LSOAPopulation2020 returns the ONS mid-2020 estimate of each area's
// population by five-year age band (0 = 0–4 … 18 = 90+), converted from
// LSOAs (2011) to LSOAs (2021), in the order of Areas, and whether every
// area of the region has one (the estimates are embedded for the LSOAs of
// the Yorkshire & Humber STPs of 2020). An area without one is nil.
func (g *Geography) LSOAPopulation2020() ([]*[19]float64, bool) {
	out := make([]*[19]float64, len(g.Areas))
	complete := true
	for i, a := range g.Areas {
		out[i] = g.e.lsoaPop[a.LSOA]
		complete = complete && out[i] != nil
	}
	return out, complete
}
