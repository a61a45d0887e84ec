// Command pack builds the packed reference tables of internal/refdata
// (data/*.parquet) from the public files SOURCES.md cites:
//
//	go run ./internal/refdata/pack -shared ../shared/data -geographr DIR -out internal/refdata/data
//
// -shared is the folder of the public data sets (uk_reference/, nhs/), and
// -geographr a checkout of github.com/humaniverse/geographr, whose .rda
// copies of OHID's acute trust catchment populations and of the NHS trust
// list are read through Rscript (R must be installed). The output is
// deterministic: the same inputs give the same bytes.
package main

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/yhcr/carecast/internal/refdata"
)

func main() {
	shared := flag.String("shared", "../shared/data", "folder of the public data sets")
	geographr := flag.String("geographr", "", "checkout of github.com/humaniverse/geographr")
	out := flag.String("out", "internal/refdata/data", "folder to write the packed tables into")
	flag.Parse()
	if err := run(*shared, *geographr, *out); err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
}

func run(shared, geographr, out string) error {
	ref := func(name string) string { return filepath.Join(shared, "uk_reference", name) }
	lookup, err := readCSV(ref("lsoa21_sicbl24_icb24_lad24_lookup.csv"))
	if err != nil {
		return err
	}
	changes, err := readCSV(ref("lsoa11_lsoa21_lad22_lookup.csv"))
	if err != nil {
		return err
	}
	imd, err := readCSV(ref("imd2025_england_lsoa21.csv"))
	if err != nil {
		return err
	}
	lsoas, districts, err := packLSOAs(lookup, changes, imd)
	if err != nil {
		return err
	}
	names, err := packNames(ref, lookup, changes)
	if err != nil {
		return err
	}
	pop, err := packPopulation(ref, districts)
	if err != nil {
		return err
	}
	lsoaPop, err := packLSOAPopulation(ref("ons_sape2020_lsoa11_syoa_persons_yorkshire_humber_stps.csv"))
	if err != nil {
		return err
	}
	trusts, catchment, ae, err := packTrusts(shared, geographr, pop)
	if err != nil {
		return err
	}
	if err := errors.Join(problems...); err != nil {
		return err
	}
	for _, w := range []func() error{
		func() error { return write(filepath.Join(out, "lsoa21.parquet"), lsoas) },
		func() error { return write(filepath.Join(out, "names.parquet"), names) },
		func() error { return write(filepath.Join(out, "lsoa11_changes.parquet"), lsoaChanges(changes)) },
		func() error { return write(filepath.Join(out, "population.parquet"), pop) },
		func() error { return write(filepath.Join(out, "lsoa11_population2020.parquet"), lsoaPop) },
		func() error { return write(filepath.Join(out, "trusts.parquet"), trusts) },
		func() error { return write(filepath.Join(out, "trust_catchment.parquet"), catchment) },
		func() error { return write(filepath.Join(out, "ae_type1.parquet"), ae) },
	} {
		if err := w(); err != nil {
			return err
		}
	}
	return nil
}

// table is a CSV file read whole, with its columns by name.
type table struct {
	name string
	cols map[string]int
	rows [][]string
}

func readCSV(path string) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseCSV(f, path)
}

func parseCSV(r io.Reader, name string) (*table, error) {
	all, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("read %s: empty", name)
	}
	t := &table{name: name, cols: map[string]int{}, rows: all[1:]}
	for i, c := range all[0] {
		t.cols[strings.TrimPrefix(c, "\ufeff")] = i
	}
	return t, nil
}

// problems collects the first errors of column lookups and numbers, so
// that the packing code reads as a sequence of joins; run checks it before
// anything is written.
var problems []error

// col returns a column accessor; a missing column is a problem.
func (t *table) col(name string) func([]string) string {
	i, ok := t.cols[name]
	if !ok {
		problems = append(problems, fmt.Errorf("%s: no column %q", t.name, name))
		return func([]string) string { return "" }
	}
	return func(r []string) string { return r[i] }
}

// atoi reads a whole number ("90+" as 90); a bad one is a problem.
func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSuffix(s, "+"))
	if err != nil {
		problems = append(problems, fmt.Errorf("not a whole number: %q", s))
	}
	return n
}

// packLSOAs joins the LSOA (2021) lookup, the district of each LSOA (from
// the 2011→2021 lookup, which carries LAD 2022) and the IMD 2025 decile.
func packLSOAs(lookup, changes, imd *table) ([]refdata.LSOARow, map[string]bool, error) {
	lsoa21, lad22 := changes.col("lsoa21cd"), changes.col("lad22cd")
	district := map[string]string{}
	for _, r := range changes.rows {
		if strings.HasPrefix(lsoa21(r), "E") {
			district[lsoa21(r)] = lad22(r)
		}
	}
	code, decile := imd.col("lsoa21_code"), imd.col("IMD_decile")
	deciles := map[string]int{}
	for _, r := range imd.rows {
		deciles[code(r)] = atoi(decile(r))
	}
	lsoa, sicbl, lad := lookup.col("lsoa21cd"), lookup.col("sicbl24cd"), lookup.col("lad24cd")
	var out []refdata.LSOARow
	districts := map[string]bool{}
	for _, r := range lookup.rows {
		d, ok := district[lsoa(r)]
		dec := deciles[lsoa(r)]
		if !ok || dec < 1 || dec > 10 {
			return nil, nil, fmt.Errorf("LSOA %s: district %q, IMD decile %d", lsoa(r), d, dec)
		}
		districts[d] = true
		out = append(out, refdata.LSOARow{LSOA: lsoa(r), SubICB: sicbl(r), LAD: lad(r), District: d, IMDDecile: int8(dec)})
	}
	slices.SortFunc(out, func(a, b refdata.LSOARow) int { return cmp.Compare(a.LSOA, b.LSOA) })
	return out, districts, nil
}

func packNames(ref func(string) string, lookup, changes *table) ([]refdata.NameRow, error) {
	icbs, err := readCSV(ref("icb24_codes.csv"))
	if err != nil {
		return nil, err
	}
	subs, err := readCSV(ref("sicbl24_icb24_codes.csv"))
	if err != nil {
		return nil, err
	}
	var out []refdata.NameRow
	ic, ih, in := icbs.col("icb24cd"), icbs.col("icb24cdh"), icbs.col("icb24nm")
	for _, r := range icbs.rows {
		out = append(out, refdata.NameRow{Kind: "icb", Code: ic(r), ODS: ih(r), Name: in(r)})
	}
	sc, sh, sn, sp := subs.col("sicbl24cd"), subs.col("sicbl24cdh"), subs.col("sicbl24nm"), subs.col("icb24cd")
	for _, r := range subs.rows {
		out = append(out, refdata.NameRow{Kind: "sicbl", Code: sc(r), ODS: sh(r), Name: sn(r), Parent: sp(r)})
	}
	seen := map[string]bool{}
	add := func(kind, code, name string) {
		if !strings.HasPrefix(code, "E") || seen[kind+code] {
			return
		}
		seen[kind+code] = true
		out = append(out, refdata.NameRow{Kind: kind, Code: code, Name: name})
	}
	lc, ln := lookup.col("lad24cd"), lookup.col("lad24nm")
	for _, r := range lookup.rows {
		add("lad24", lc(r), ln(r))
	}
	dc, dn := changes.col("lad22cd"), changes.col("lad22nm")
	for _, r := range changes.rows {
		add("lad22", dc(r), dn(r))
	}
	slices.SortFunc(out, func(a, b refdata.NameRow) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

func lsoaChanges(changes *table) []refdata.LSOAChangeRow {
	l11, l21, ch := changes.col("lsoa11cd"), changes.col("lsoa21cd"), changes.col("chgind")
	var out []refdata.LSOAChangeRow
	for _, r := range changes.rows {
		if strings.HasPrefix(l11(r), "E") && ch(r) != "U" {
			out = append(out, refdata.LSOAChangeRow{LSOA11: l11(r), LSOA21: l21(r), Change: ch(r)})
		}
	}
	slices.SortFunc(out, func(a, b refdata.LSOAChangeRow) int {
		return cmp.Or(cmp.Compare(a.LSOA11, b.LSOA11), cmp.Compare(a.LSOA21, b.LSOA21))
	})
	return out
}

// merged2019 are the local authority districts of the 2011 estimates
// (on 2018 boundaries) abolished in the April 2019 and April 2020
// reorganisations, with the district (2022) that took each over whole:
// The Bournemouth, Dorset and Poole (Structural Changes) Order 2018; The
// East Suffolk and The West Suffolk (Local Government Changes) Orders 2018;
// The Somerset West and Taunton (Local Government Changes) Order 2018; The
// Buckinghamshire (Structural Changes) Order 2019. (The 2021
// Northamptonshire districts are found through the April 2020 LSOA lookup.)
var merged2019 = map[string]string{
	"E06000028": "E06000058", "E06000029": "E06000058", "E07000048": "E06000058", // Bournemouth, Poole, Christchurch
	"E07000049": "E06000059", "E07000050": "E06000059", "E07000051": "E06000059", // Dorset districts
	"E07000052": "E06000059", "E07000053": "E06000059",
	"E07000205": "E07000244", "E07000206": "E07000244", // Suffolk Coastal, Waveney
	"E07000201": "E07000245", "E07000204": "E07000245", // Forest Heath, St Edmundsbury
	"E07000190": "E07000246", "E07000191": "E07000246", // Taunton Deane, West Somerset
	"E07000004": "E06000060", "E07000005": "E06000060", "E07000006": "E06000060", "E07000007": "E06000060", // Buckinghamshire
}

// packPopulation reads the mid-2011 (by sex, 2018 districts) and mid-2020
// (persons, 2021 districts) estimates onto the 2022 districts.
func packPopulation(ref func(string) string, districts map[string]bool) ([]refdata.PopulationRowPacked, error) {
	// District (2020) → district (2022), through the LSOAs (2011) of each.
	l20, err := readCSV(ref("ons_lsoa11_ccg20_lad20_apr2020_england.csv"))
	if err != nil {
		return nil, err
	}
	l22, err := readCSV(ref("lsoa11_lsoa21_lad22_lookup.csv"))
	if err != nil {
		return nil, err
	}
	to22 := map[string]string{}
	a, b := l22.col("lsoa11cd"), l22.col("lad22cd")
	for _, r := range l22.rows {
		to22[a(r)] = b(r)
	}
	// Each district (2020) goes to the district (2022) most of its LSOAs
	// went to: a handful of irregular LSOA changes cross district lines.
	votes := map[[2]string]int{}
	c, d := l20.col("LSOA11CD"), l20.col("LAD20CD")
	for _, r := range l20.rows {
		votes[[2]string{d(r), to22[c(r)]}]++
	}
	recode := map[string]string{}
	best := map[string]int{}
	for _, k := range slices.SortedFunc(maps.Keys(votes), func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	}) {
		if n := votes[k]; n > best[k[0]] {
			best[k[0]], recode[k[0]] = n, k[1]
		}
	}
	for k, v := range merged2019 {
		recode[k] = v
	}
	type key struct {
		district string
		age      int
	}
	rows := map[key]*refdata.PopulationRowPacked{}
	at := func(district string, age int) *refdata.PopulationRowPacked {
		k := key{district, min(age, 90)}
		r := rows[k]
		if r == nil {
			r = &refdata.PopulationRowPacked{District: district, Age: int8(k.age)}
			rows[k] = r
		}
		return r
	}
	p11, err := readCSV(ref("ons_mye2011_lad18_sex_syoa_uk.csv"))
	if err != nil {
		return nil, err
	}
	lad, sex, age, n := p11.col("lad_code"), p11.col("sex"), p11.col("age"), p11.col("population")
	for _, r := range p11.rows {
		if !strings.HasPrefix(lad(r), "E") {
			continue
		}
		dist := lad(r)
		if !districts[dist] {
			dist = recode[dist]
		}
		if !districts[dist] {
			return nil, fmt.Errorf("mid-2011 district %s has no 2022 district", lad(r))
		}
		row := at(dist, atoi(age(r)))
		switch sex(r) {
		case "male":
			row.Male2011 += int32(atoi(n(r)))
		case "female":
			row.Female2011 += int32(atoi(n(r)))
		default:
			return nil, fmt.Errorf("mid-2011: sex %q", sex(r))
		}
	}
	p20, err := readCSV(ref("ons_mye2020_lad21_syoa_persons_englandwales.csv"))
	if err != nil {
		return nil, err
	}
	lad, age, n = p20.col("lad21_code"), p20.col("age"), p20.col("population")
	for _, r := range p20.rows {
		if !strings.HasPrefix(lad(r), "E") {
			continue
		}
		if !districts[lad(r)] {
			return nil, fmt.Errorf("mid-2020 district %s is not a 2022 district", lad(r))
		}
		at(lad(r), atoi(age(r))).Persons20 += int32(atoi(n(r)))
	}
	out := make([]refdata.PopulationRowPacked, 0, len(rows))
	p2011, p2020 := map[string]int32{}, map[string]int32{}
	for _, r := range rows {
		p2011[r.District] += r.Male2011 + r.Female2011
		p2020[r.District] += r.Persons20
		out = append(out, *r)
	}
	for d := range districts {
		if p2011[d] == 0 || p2020[d] == 0 {
			return nil, fmt.Errorf("district %s: no mid-2011 or mid-2020 estimate", d)
		}
	}
	if len(out) != len(districts)*91 {
		return nil, fmt.Errorf("population: %d rows, want %d districts × 91 ages", len(out), len(districts))
	}
	slices.SortFunc(out, func(a, b refdata.PopulationRowPacked) int {
		return cmp.Or(cmp.Compare(a.District, b.District), cmp.Compare(a.Age, b.Age))
	})
	return out, nil
}

// packLSOAPopulation sums the LSOA single-year estimates into five-year bands.
func packLSOAPopulation(path string) ([]refdata.LSOAPopulationRow, error) {
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	type key struct {
		lsoa string
		band int8
	}
	sum := map[key]int32{}
	code, age, n := t.col("lsoa11_code"), t.col("age"), t.col("population")
	for _, r := range t.rows {
		sum[key{code(r), int8(min(atoi(age(r))/5, 18))}] += int32(atoi(n(r)))
	}
	out := make([]refdata.LSOAPopulationRow, 0, len(sum))
	for k, v := range sum {
		out = append(out, refdata.LSOAPopulationRow{LSOA11: k.lsoa, Band: k.band, Persons: v})
	}
	slices.SortFunc(out, func(a, b refdata.LSOAPopulationRow) int {
		return cmp.Or(cmp.Compare(a.LSOA11, b.LSOA11), cmp.Compare(a.Band, b.Band))
	})
	return out, nil
}

// childrens are the children's trusts with a type 1 A&E.
var childrens = []string{"RCU", "RBS", "RQ3"} // Sheffield Children's, Alder Hey, Birmingham Women's and Children's

const england = "E92000001"

// packTrusts derives each district's trusts from OHID's catchment table.
// geographr carries, for each trust (2022), the share of its admitted
// patients from each district (2021); the share of a district's patients
// admitted by each trust needs the trusts' total catchments T, found here
// by non-negative least squares so that the catchments add up to each
// district's mid-2020 population: Σ_t share(d|t) T_t ≈ P_d.
func packTrusts(shared, geographr string, pop []refdata.PopulationRowPacked) ([]refdata.TrustRow, []refdata.CatchmentRow, []refdata.AERow, error) {
	if geographr == "" {
		return nil, nil, nil, errors.New("-geographr is required")
	}
	lookup, err := rdata(geographr, "lookup_nhs_trusts22_ltla21")
	if err != nil {
		return nil, nil, nil, err
	}
	points, err := rdata(geographr, "points_nhs_trusts22")
	if err != nil {
		return nil, nil, nil, err
	}
	succession, err := rdata(geographr, "lookup_trust_trust")
	if err != nil {
		return nil, nil, nil, err
	}
	aeT, err := readCSV(filepath.Join(shared, "nhs", "ae_attendances.csv"))
	if err != nil {
		return nil, nil, nil, err
	}
	districtPop := map[string]float64{}
	for _, r := range pop {
		districtPop[r.District] += float64(r.Persons20)
	}
	type cell struct {
		trust, district string
		from            float64
	}
	var cells []cell
	tc, lc, pc := lookup.col("nhs_trust22_code"), lookup.col("ltla21_code"), lookup.col("proportion_trust_came_from_ltla")
	for _, r := range lookup.rows {
		p, err := strconv.ParseFloat(pc(r), 64)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("catchment: %w", err)
		}
		if _, ok := districtPop[lc(r)]; !ok {
			continue // not an English district of 2022
		}
		cells = append(cells, cell{tc(r), lc(r), p})
	}
	total := nnlsCatchments(len(cells), func(i int) (string, string, float64) { return cells[i].trust, cells[i].district, cells[i].from }, districtPop)
	byDistrict := map[string]float64{}
	for _, c := range cells {
		byDistrict[c.district] += c.from * total[c.trust]
	}
	var catchment []refdata.CatchmentRow
	for _, c := range cells {
		catchment = append(catchment, refdata.CatchmentRow{
			Trust: c.trust, District: c.district,
			ToTrust: float32(c.from * total[c.trust] / byDistrict[c.district]), FromArea: float32(c.from),
		})
	}
	slices.SortFunc(catchment, func(a, b refdata.CatchmentRow) int {
		return cmp.Or(cmp.Compare(a.Trust, b.Trust), cmp.Compare(a.District, b.District))
	})

	// Type 1 A&E months, by trust code as it was then.
	type month struct {
		org string
		m   int32
	}
	att := map[month]int32{}
	hasType1 := map[string]bool{}
	period, org, typ, n := aeT.col("period"), aeT.col("org_code"), aeT.col("type"), aeT.col("attendances")
	for _, r := range aeT.rows {
		if typ(r) != "1" {
			continue
		}
		t, err := time.Parse(time.DateOnly, period(r))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("A&E: %w", err)
		}
		att[month{org(r), int32(t.Unix() / 86400)}] += int32(atoi(n(r)))
		hasType1[org(r)] = true
	}
	old, nw := succession.col("old_code"), succession.col("new_code")
	for _, r := range succession.rows {
		if hasType1[old(r)] {
			hasType1["succ:"+nw(r)] = true
		}
	}
	names := map[string]string{}
	pn, pcode := points.col("nhs_trust22_name"), points.col("nhs_trust22_code")
	for _, r := range points.rows {
		names[pcode(r)] = pn(r)
	}
	var trusts []refdata.TrustRow
	var ae []refdata.AERow
	for _, t := range slices.Sorted(maps.Keys(total)) {
		kind := "specialist"
		switch {
		case slices.Contains(childrens, t):
			kind = "children"
		case hasType1[t] || hasType1["succ:"+t]:
			kind = "acute"
		}
		name, ok := names[t]
		if !ok {
			return nil, nil, nil, fmt.Errorf("trust %s has no name in the trust list", t)
		}
		trusts = append(trusts, refdata.TrustRow{Trust: t, Name: name, Kind: kind})
		// The trust's own monthly figures, where it reported every month
		// under its own code (a merged or split trust's figures do not
		// describe its catchment of 2022).
		var rows []refdata.AERow
		for m := range 36 {
			day := int32(time.Date(2016, time.April+time.Month(m), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
			if v, ok := att[month{t, day}]; ok {
				rows = append(rows, refdata.AERow{Org: t, Month: day, Attendances: v})
			}
		}
		if len(rows) == 36 && kind != "specialist" {
			ae = append(ae, rows...)
		}
	}
	eng, err := readCSV(filepath.Join(shared, "nhs", "nhse_ae_monthly_england_2010_2024.csv"))
	if err != nil {
		return nil, nil, nil, err
	}
	ep, e1 := eng.col("period"), eng.col("att_type1")
	for _, r := range eng.rows {
		t, err := time.Parse(time.DateOnly, ep(r))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("England A&E: %w", err)
		}
		if t.Before(time.Date(2016, time.April, 1, 0, 0, 0, 0, time.UTC)) || !t.Before(time.Date(2019, time.April, 1, 0, 0, 0, 0, time.UTC)) {
			continue
		}
		ae = append(ae, refdata.AERow{Org: england, Month: int32(t.Unix() / 86400), Attendances: int32(atoi(e1(r)))})
	}
	return trusts, catchment, ae, nil
}

// nnlsCatchments solves min ‖A T − P‖² over T ≥ 0, where A[d][t] is the
// share of trust t's patients from district d, by multiplicative updates
// (Lee and Seung 2001), which keep T non-negative and do not increase the
// error; 20,000 iterations settle it. Sums run in a fixed order, so that
// the result is the same on every run.
func nnlsCatchments(n int, cell func(int) (trust, district string, from float64), pop map[string]float64) map[string]float64 {
	trustIdx, districtIdx := map[string]int{}, map[string]int{}
	var trusts, districts []string
	ti, di := make([]int, n), make([]int, n)
	a := make([]float64, n)
	for i := range n {
		t, d, v := cell(i)
		if _, ok := trustIdx[t]; !ok {
			trustIdx[t] = len(trusts)
			trusts = append(trusts, t)
		}
		if _, ok := districtIdx[d]; !ok {
			districtIdx[d] = len(districts)
			districts = append(districts, d)
		}
		ti[i], di[i], a[i] = trustIdx[t], districtIdx[d], v
	}
	x := make([]float64, len(trusts))
	atb := make([]float64, len(trusts))
	for i := range n {
		atb[ti[i]] += a[i] * pop[districts[di[i]]]
	}
	for j := range x {
		x[j] = 1e5
	}
	fitted := make([]float64, len(districts))
	den := make([]float64, len(trusts))
	for range 20000 {
		clear(fitted)
		clear(den)
		for i := range n {
			fitted[di[i]] += a[i] * x[ti[i]]
		}
		for i := range n {
			den[ti[i]] += a[i] * fitted[di[i]]
		}
		for j := range x {
			if den[j] > 0 {
				x[j] *= atb[j] / den[j]
			}
		}
	}
	total := make(map[string]float64, len(trusts))
	for j, t := range trusts {
		if math.IsNaN(x[j]) {
			x[j] = 0
		}
		total[t] = x[j]
	}
	return total
}

// rdata reads a data set of a geographr checkout (data/<name>.rda) as CSV,
// through Rscript, without its geometry column.
func rdata(dir, name string) (*table, error) {
	path := filepath.Join(dir, "data", name+".rda")
	script := fmt.Sprintf(`e <- new.env(); load(%q, envir = e); x <- as.data.frame(get(%q, envir = e));
x <- x[, !sapply(x, is.list), drop = FALSE]; write.csv(x, stdout(), row.names = FALSE)`, path, name)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("Rscript", "-e", script)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("read %s with Rscript: %w: %s", path, err, stderr.String())
	}
	return parseCSV(&stdout, path)
}

// write writes rows as a zstd Parquet file, dictionary-encoding the columns
// tagged dict, in one row group.
func write[T any](path string, rows []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&zstd.Codec{Level: zstd.SpeedBestCompression}),
		parquet.MaxRowsPerRowGroup(int64(len(rows)+1)), parquet.CreatedBy("carecast refdata/pack", "1", ""))
	if _, err := w.Write(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(w.Close(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Printf("%s: %d rows\n", path, len(rows))
	return nil
}
