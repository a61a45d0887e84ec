package pseudonymise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yhcr/carecast/internal/refdata"
)

// Unknown is the explicit value of an age band or place that cannot be
// determined.
const Unknown = "unknown"

// AgeBand returns the five-year band of an age (canonical.MidYearAge):
// "0-4" … "85-89", "90+", and "unknown" for a negative age. The result is
// a constant: no allocation.
func AgeBand(age int) string {
	if age < 0 {
		return Unknown
	}
	return refdata.AgeBands[min(age/5, len(refdata.AgeBands)-1)]
}

// Generaliser maps residence to an area of the run's geography: the
// feed's LSOA (2011 or 2021) when the region has it, else the postcode's
// LSOA through the postcode lookup, else unknown.
type Generaliser struct {
	geo       *refdata.Geography
	postcodes map[string]string
	places    []place // by area
}

// NewGeneraliser returns a Generaliser over geo (the run's region) and an
// optional postcode lookup from LoadPostcodeLookup.
func NewGeneraliser(geo *refdata.Geography, postcodes map[string]string) *Generaliser {
	g := &Generaliser{geo: geo, postcodes: postcodes, places: make([]place, len(geo.Areas))}
	// Each area's names are looked up once: events copy them per row.
	for i, a := range geo.Areas {
		sub, _ := geo.SubICB(a.SubICB)
		g.places[i] = place{lsoa: a.LSOA, subICB: a.SubICB, subICBName: sub.Name, lad: a.LAD,
			ladName: geo.LADName(a.LAD), icb: a.ICB, icbName: geo.ICBName(a.ICB)}
	}
	return g
}

// Why a residence matched no area: the values below 0 that area returns,
// so that a run can say what is missing and how to fix it. (-2 is
// noArea, "not looked up yet".)
const (
	noResidence     int32 = -1 // neither an LSOA nor a postcode
	lsoaUnknown     int32 = -3 // an LSOA the geography does not hold
	noPostcodeTable int32 = -4 // a postcode, and no postcode lookup configured
	postcodeUnknown int32 = -5 // a postcode the lookup does not place
)

// area returns the position in geo.Areas of a residence, or, below 0, why
// it has none.
func (g *Generaliser) area(lsoa, postcode string) int32 {
	if lsoa != "" {
		if i, ok := g.geo.Resolve(lsoa); ok {
			return int32(i)
		}
	}
	if postcode != "" && g.postcodes != nil {
		if l, ok := g.postcodes[NormalisePostcode(postcode)]; ok {
			if i, ok := g.geo.Resolve(l); ok {
				return int32(i)
			}
		}
	}
	switch {
	case lsoa != "":
		return lsoaUnknown
	case postcode != "" && g.postcodes == nil:
		return noPostcodeTable
	case postcode != "":
		return postcodeUnknown
	}
	return noResidence
}

// Area returns the area of a residence given as an LSOA code (2011 or
// 2021) or a postcode.
func (g *Generaliser) Area(lsoa, postcode string) (refdata.Area, bool) {
	i := g.area(lsoa, postcode)
	if i < 0 {
		return refdata.Area{}, false
	}
	return g.geo.Areas[i], true
}

// place is the generalised residence of a person, shared by their rows.
type place struct{ lsoa, subICB, subICBName, lad, ladName, icb, icbName string }

var unknownPlace = place{Unknown, Unknown, Unknown, Unknown, Unknown, Unknown, Unknown}

func (g *Generaliser) place(area int32) place {
	if g == nil || area < 0 {
		return unknownPlace
	}
	return g.places[area]
}

// NormalisePostcode returns a postcode in upper case without spaces, the
// form the postcode lookup is keyed by.
func NormalisePostcode(pc string) string {
	clean := true
	for i := 0; i < len(pc); i++ {
		if c := pc[i]; c == ' ' || 'a' <= c && c <= 'z' {
			clean = false
			break
		}
	}
	if clean {
		return pc
	}
	return strings.ToUpper(strings.ReplaceAll(pc, " ", ""))
}

// Column names a postcode lookup may use: the ONS Postcode Directory and
// National Statistics Postcode Lookup call them pcds (or pcd, pcd7, pcd8),
// and lsoa21 for the 2021 LSOA (lsoa21cd in some extracts) or, in editions
// before 2022, lsoa11 (lsoa11cd). A file with both uses the 2021 column.
var (
	postcodeColumns = []string{"pcds", "pcd", "pcd7", "pcd8"}
	lsoaColumns     = []string{"lsoa21", "lsoa21cd", "lsoa11", "lsoa11cd"}
)

// ErrPostcodeLookup reports a postcode lookup file that cannot be read.
var ErrPostcodeLookup = errors.New("postcode lookup")

// LoadPostcodeLookup reads a postcode → LSOA lookup: a CSV file with a
// header naming a postcode column (pcds) and an LSOA column of either
// census (lsoa21 or lsoa11), as in ONS NSPL/ONSPD. Keys are normalised
// postcodes; rows without an LSOA (e.g. terminated or non-geographic
// postcodes) are skipped. The geography resolves LSOAs of either vintage.
func LoadPostcodeLookup(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPostcodeLookup, err)
	}
	defer f.Close()
	return readPostcodeLookup(f, path)
}

func readPostcodeLookup(r io.Reader, name string) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: header: %w", ErrPostcodeLookup, name, err)
	}
	pc, lsoa := column(head, postcodeColumns), column(head, lsoaColumns)
	if pc < 0 || lsoa < 0 {
		return nil, fmt.Errorf("%w: %s: header needs a postcode column (%s) and an LSOA column (%s)",
			ErrPostcodeLookup, name, strings.Join(postcodeColumns, ", "), strings.Join(lsoaColumns, ", "))
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrPostcodeLookup, name, err)
		}
		if len(rec) <= max(pc, lsoa) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%w: %s line %d: %d columns, want at least %d", ErrPostcodeLookup, name, line, len(rec), max(pc, lsoa)+1)
		}
		key := NormalisePostcode(rec[pc])
		if rec[lsoa] == "" || key == "" {
			continue
		}
		// A record's fields share one string: clone to keep only these.
		out[strings.Clone(key)] = strings.Clone(rec[lsoa])
	}
}

// column returns the position in head of the first of names it has, or -1.
func column(head []string, names []string) int {
	for _, n := range names {
		for i, h := range head {
			if strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) == n {
				return i
			}
		}
	}
	return -1
}
