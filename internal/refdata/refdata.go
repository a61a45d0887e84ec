// Package refdata holds the public reference data carecast embeds: the ONS
// geography lookup and population estimates for the three Yorkshire & Humber
// STPs, national data opt-out rates by CCG, and real monthly type-1 A&E
// attendances of the region's acute trusts. Sources are cited in
// data/SOURCES.md; the files are copied verbatim or aggregated as stated there.
package refdata

import (
	"cmp"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed data/*.csv
var files embed.FS

// Area is one LSOA (2011) with the CCG, STP/ICB and local authority (place)
// it belongs to, as in the ONS April 2020 lookup.
type Area struct {
	LSOA, LSOAName string
	CCG, CCGCode   string // ONS code (E38…) and ODS code (e.g. 03R)
	CCGName        string
	STP, STPCode   string // ONS code (E54…) and ODS code (e.g. QWO)
	STPName        string
	LAD, LADName   string
}

// Place is a local authority district with the STP it lies in.
type Place struct {
	LAD, LADName       string
	STP, STPName       string
	STPCode            string
	Population2020     int
	LSOAFirst, LSOAEnd int // Areas()[LSOAFirst:LSOAEnd] are its LSOAs
}

// PopulationRow is the mid-2020 population of one place at one single year
// of age (90 means 90 and over), split by sex.
type PopulationRow struct {
	LAD          string
	Age          int
	Male, Female float64
}

// CCGOptOut is the national data opt-out rate of one CCG in April 2022.
type CCGOptOut struct {
	CCG, CCGCode, CCGName string
	OptOuts, ListSize     int
	RatePct               float64
}

// AEMonth is one trust's type-1 A&E attendances in one month.
type AEMonth struct {
	Month       time.Time
	Trust       string
	Attendances int
	Admissions  int
}

// Geography indexes the region's areas by code.
type Geography struct {
	Areas  []Area
	Places []Place
	byLSOA map[string]int
	byLAD  map[string]int
}

// AreaByLSOA returns the area of an LSOA code.
func (g *Geography) AreaByLSOA(code string) (Area, bool) {
	i, ok := g.byLSOA[code]
	if !ok {
		return Area{}, false
	}
	return g.Areas[i], true
}

// LSOAIndex returns the position of an LSOA code in Areas.
func (g *Geography) LSOAIndex(code string) (int, bool) {
	i, ok := g.byLSOA[code]
	return i, ok
}

// PlaceByLAD returns the place of a local authority code.
func (g *Geography) PlaceByLAD(code string) (Place, bool) {
	i, ok := g.byLAD[code]
	if !ok {
		return Place{}, false
	}
	return g.Places[i], true
}

var (
	geoOnce sync.Once
	geo     *Geography
	geoErr  error
)

// YorkshireHumber returns the embedded geography of the three Yorkshire &
// Humber STPs, areas sorted by local authority then LSOA so that each place's
// LSOAs are contiguous. The result is shared and must not be modified.
func YorkshireHumber() (*Geography, error) {
	geoOnce.Do(func() { geo, geoErr = loadGeography() })
	return geo, geoErr
}

func loadGeography() (*Geography, error) {
	const name = "lsoa11_ccg20_stp20_lad20_yorkshire_humber_stps.csv"
	rows, err := readCSV(name, 10)
	if err != nil {
		return nil, err
	}
	return NewGeography(rows, name)
}

// NewGeography builds a geography from rows of the ONS LSOA→CCG→STP→LAD
// lookup (LSOA11CD, LSOA11NM, CCG20CD, CCG20CDH, CCG20NM, STP20CD, STP20CDH,
// STP20NM, LAD20CD, LAD20NM), as embedded or supplied by a lookup file for
// another region.
func NewGeography(rows [][]string, source string) (*Geography, error) {
	areas := make([]Area, 0, len(rows))
	for i, r := range rows {
		if len(r) < 10 {
			return nil, fmt.Errorf("%s: row %d: want 10 columns, have %d", source, i+2, len(r))
		}
		areas = append(areas, Area{
			LSOA: r[0], LSOAName: r[1], CCG: r[2], CCGCode: r[3], CCGName: r[4],
			STP: r[5], STPCode: r[6], STPName: r[7], LAD: r[8], LADName: r[9],
		})
	}
	sortAreas(areas)
	g := &Geography{Areas: areas, byLSOA: make(map[string]int, len(areas)), byLAD: map[string]int{}}
	for i, a := range areas {
		if _, dup := g.byLSOA[a.LSOA]; dup {
			return nil, fmt.Errorf("%s: LSOA %s appears twice", source, a.LSOA)
		}
		g.byLSOA[a.LSOA] = i
		if j, ok := g.byLAD[a.LAD]; ok {
			g.Places[j].LSOAEnd = i + 1
			continue
		}
		g.byLAD[a.LAD] = len(g.Places)
		g.Places = append(g.Places, Place{
			LAD: a.LAD, LADName: a.LADName, STP: a.STP, STPName: a.STPName, STPCode: a.STPCode,
			LSOAFirst: i, LSOAEnd: i + 1,
		})
	}
	pop, err := Population2020()
	if err == nil {
		for _, p := range pop {
			if j, ok := g.byLAD[p.LAD]; ok {
				g.Places[j].Population2020 += int(p.Male + p.Female + 0.5)
			}
		}
	}
	return g, nil
}

func sortAreas(a []Area) {
	slices.SortFunc(a, func(x, y Area) int {
		return cmp.Or(cmp.Compare(x.LAD, y.LAD), cmp.Compare(x.LSOA, y.LSOA))
	})
}

var (
	popOnce sync.Once
	pop     []PopulationRow
	popErr  error
)

// Population2020 returns the ONS mid-2020 population of each Yorkshire &
// Humber local authority by single year of age (0–90, 90 meaning 90+), split
// into male and female by the same place's mid-2011 sex ratio at that age
// (mid-2020 estimates by sex are not in the embedded set; the ratio moves
// slowly). Rows are ordered by LAD then age.
func Population2020() ([]PopulationRow, error) {
	popOnce.Do(func() { pop, popErr = loadPopulation() })
	return pop, popErr
}

func loadPopulation() ([]PopulationRow, error) {
	type key struct {
		lad string
		age int
	}
	by2011, err := Population2011()
	if err != nil {
		return nil, err
	}
	maleShare := make(map[key]float64, len(by2011))
	for _, r := range by2011 {
		if t := r.Male + r.Female; t > 0 {
			maleShare[key{r.LAD, r.Age}] = r.Male / t
		}
	}
	rows, err := readCSV("ons_mye2020_lad21_syoa_persons_yorkshire_humber.csv", 5)
	if err != nil {
		return nil, err
	}
	var out []PopulationRow
	idx := map[key]int{}
	for _, r := range rows {
		age, err1 := parseAge(r[3])
		n, err2 := strconv.ParseFloat(r[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("mid-2020 population: %w", err)
		}
		k := key{r[1], min(age, 90)}
		share, ok := maleShare[k]
		if !ok {
			share = 0.5
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, PopulationRow{LAD: k.lad, Age: k.age})
		}
		out[i].Male += n * share
		out[i].Female += n * (1 - share)
	}
	return out, nil
}

// Population2011 returns the ONS mid-2011 population of each Yorkshire &
// Humber local authority by single year of age (0–90, 90 meaning 90+) and
// sex, ordered by LAD then age. With Population2020 it gives each place's
// recent growth, which the SQL population model projects forward.
func Population2011() ([]PopulationRow, error) {
	rows, err := readCSV("ons_mye2011_lad_sex_syoa_yorkshire_humber.csv", 5)
	if err != nil {
		return nil, err
	}
	type key struct {
		lad string
		age int
	}
	var out []PopulationRow
	idx := map[key]int{}
	for _, r := range rows {
		age, err1 := parseAge(r[3])
		n, err2 := strconv.ParseFloat(r[4], 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("mid-2011 population: %w", err)
		}
		k := key{r[1], min(age, 90)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, PopulationRow{LAD: k.lad, Age: k.age})
		}
		if r[2] == "male" {
			out[i].Male += n
		} else {
			out[i].Female += n
		}
	}
	slices.SortFunc(out, func(a, b PopulationRow) int {
		return cmp.Or(cmp.Compare(a.LAD, b.LAD), cmp.Compare(a.Age, b.Age))
	})
	return out, nil
}

// parseAge reads a single year of age, where ONS writes the open-ended top
// band as "90+".
func parseAge(s string) (int, error) {
	s = strings.TrimSuffix(s, "+")
	return strconv.Atoi(s)
}

// LSOAPopulation2020 returns the ONS mid-2020 small-area population (all
// ages) of each LSOA in the region.
func LSOAPopulation2020() (map[string]int, error) {
	rows, err := readCSV("ons_sape2020_lsoa11_persons_total_yorkshire_humber_stps.csv", 3)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		n, err := strconv.Atoi(r[2])
		if err != nil {
			return nil, fmt.Errorf("LSOA population %s: %w", r[1], err)
		}
		out[r[1]] = n
	}
	return out, nil
}

// OptOutRates returns the national data opt-out rate of every CCG in
// England, April 2022.
func OptOutRates() ([]CCGOptOut, error) {
	rows, err := readCSV("ndop_ccg_apr2022.csv", 7)
	if err != nil {
		return nil, err
	}
	out := make([]CCGOptOut, 0, len(rows))
	for _, r := range rows {
		if r[4] == "" || r[5] == "" {
			continue // NHS Digital's "Unallocated" row has no list size
		}
		n, err1 := strconv.Atoi(r[3])
		size, err2 := strconv.Atoi(r[4])
		rate, err3 := strconv.ParseFloat(r[5], 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("opt-out rates %s: %w", r[0], err)
		}
		out = append(out, CCGOptOut{CCG: r[0], CCGCode: r[1], CCGName: r[2], OptOuts: n, ListSize: size, RatePct: rate})
	}
	return out, nil
}

// AEType1 returns the monthly type-1 A&E attendances of the region's acute
// trusts, April 2016 to March 2019.
func AEType1() ([]AEMonth, error) {
	rows, err := readCSV("ae_attendances_type1_yorkshire_humber.csv", 6)
	if err != nil {
		return nil, err
	}
	out := make([]AEMonth, 0, len(rows))
	for _, r := range rows {
		m, err1 := time.Parse(time.DateOnly, r[0])
		att, err2 := strconv.Atoi(r[3])
		adm, err3 := strconv.Atoi(r[5])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("A&E attendances: %w", err)
		}
		out = append(out, AEMonth{Month: m, Trust: r[1], Attendances: att, Admissions: adm})
	}
	return out, nil
}

// readCSV reads an embedded CSV file, skipping its header and checking the
// column count of every row.
func readCSV(name string, cols int) ([][]string, error) {
	f, err := files.Open("data/" + name)
	if err != nil {
		return nil, fmt.Errorf("open embedded %s: %w", name, err)
	}
	defer f.Close()
	return ReadTable(f, name, cols)
}

// ReadTable reads a CSV table with a header row and at least cols columns in
// every row, returning the rows after the header.
func ReadTable(r io.Reader, name string, cols int) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read %s: empty file", name)
	}
	for i, r := range rows[1:] {
		if len(r) < cols {
			return nil, fmt.Errorf("read %s: line %d: want %d columns, have %d", name, i+2, cols, len(r))
		}
	}
	return rows[1:], nil
}
