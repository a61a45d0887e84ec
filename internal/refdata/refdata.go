// Package refdata holds the public reference data carecast embeds, for all
// of England: the ONS geography of LSOAs (2021), sub-ICB locations,
// Integrated Care Boards and local authorities, the 2011 → 2021 LSOA
// lookup, local authority populations by single year of age and sex, the
// English Indices of Deprivation 2025, national data opt-out rates, and
// the acute trusts that serve each area with their A&E attendances. Sources
// are cited in data/SOURCES.md; the larger tables are packed as zstd
// Parquet by ./pack.
package refdata

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

//go:embed data/*.parquet data/*.csv
var files embed.FS

// CCGOptOut is the national data opt-out rate of one CCG in April 2022.
// Sub-ICB locations kept the ODS codes of the CCGs they replaced.
type CCGOptOut struct {
	CCG, CCGCode, CCGName string
	OptOuts, ListSize     int
	RatePct               float64
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

// England is the ONS code of England, the Org of its national A&E figures.
const England = "E92000001"

// AEMonth is one month's type 1 A&E attendances of a trust (or of England).
type AEMonth struct {
	Month       time.Time
	Trust       string
	Attendances int
}

// AEType1 returns the monthly type 1 A&E attendances, April 2016 to March
// 2019, of every acute trust that reported all 36 months under its 2022
// code, and of England as a whole (Trust England).
func AEType1() ([]AEMonth, error) {
	rows, err := readAE()
	if err != nil {
		return nil, err
	}
	out := make([]AEMonth, len(rows))
	for i, r := range rows {
		out[i] = AEMonth{Month: time.Unix(int64(r.Month)*86400, 0).UTC(), Trust: r.Org, Attendances: int(r.Attendances)}
	}
	return out, nil
}

// Trust is an NHS acute trust of OHID's catchment table.
type Trust struct {
	Code, Name string
	// Kind is "acute" (general, with a type 1 A&E), "children" (a
	// children's trust with a type 1 A&E) or "specialist".
	Kind string
}

// Catchment is one trust's part in a district's admitted patients.
type Catchment struct {
	Trust string
	// ShareOfDistrict is the share of the district's patients the trust
	// admits; ShareOfTrust the share of the trust's patients that come
	// from the district.
	ShareOfDistrict, ShareOfTrust float64
}

var trusts = sync.OnceValues(func() (*trustData, error) {
	rows, err := readTrusts()
	if err != nil {
		return nil, err
	}
	cells, err := readCatchment()
	if err != nil {
		return nil, err
	}
	d := &trustData{byCode: map[string]Trust{}, byDistrict: map[string][]Catchment{}}
	for _, r := range rows {
		d.byCode[r.Trust] = Trust{Code: r.Trust, Name: r.Name, Kind: r.Kind}
	}
	for _, c := range cells {
		d.byDistrict[c.District] = append(d.byDistrict[c.District],
			Catchment{Trust: c.Trust, ShareOfDistrict: float64(c.ToTrust), ShareOfTrust: float64(c.FromArea)})
	}
	return d, nil
})

type trustData struct {
	byCode     map[string]Trust
	byDistrict map[string][]Catchment
}

// Trusts returns the acute trusts by ODS code.
func Trusts() (map[string]Trust, error) {
	d, err := trusts()
	if err != nil {
		return nil, err
	}
	return d.byCode, nil
}

// TrustCatchments returns, for each district (LAD 2022), the trusts that
// admit its residents (OHID, NHS Acute (Hospital) Trust Catchment
// Populations, 2022 trusts), in trust code order. The result is shared and
// must not be modified.
func TrustCatchments() (map[string][]Catchment, error) {
	d, err := trusts()
	if err != nil {
		return nil, err
	}
	return d.byDistrict, nil
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
