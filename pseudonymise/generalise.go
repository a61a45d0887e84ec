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

var ageBands = [...]string{
	"0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
	"45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
}

// AgeBand returns the five-year band of an age (canonical.MidYearAge):
// "0-4" … "85-89", "90+", and "unknown" for a negative age. The result is a constant: no allocation.
func AgeBand(age int) string {
	if age < 0 {
		return Unknown
	}
	return ageBands[min(age/5, len(ageBands)-1)]
}

// Generaliser maps residence to an area of the ONS LSOA lookup: the feed's
// LSOA when the lookup has it, else the postcode's LSOA through the postcode
// lookup, else unknown.
type Generaliser struct {
	geo       *refdata.Geography
	postcodes map[string]string
}

// NewGeneraliser returns a Generaliser over geo (refdata.YorkshireHumber, or
// a lookup file's geography) and an optional postcode lookup from
// LoadPostcodeLookup.
func NewGeneraliser(geo *refdata.Geography, postcodes map[string]string) *Generaliser {
	return &Generaliser{geo: geo, postcodes: postcodes}
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
		if i, ok := g.geo.LSOAIndex(lsoa); ok {
			return int32(i)
		}
	}
	if postcode != "" && g.postcodes != nil {
		if l, ok := g.postcodes[NormalisePostcode(postcode)]; ok {
			if i, ok := g.geo.LSOAIndex(l); ok {
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

// Area returns the area of a residence given as an LSOA code or a postcode.
func (g *Generaliser) Area(lsoa, postcode string) (refdata.Area, bool) {
	i := g.area(lsoa, postcode)
	if i < 0 {
		return refdata.Area{}, false
	}
	return g.geo.Areas[i], true
}

// place is the generalised residence of a person, shared by their rows.
type place struct{ lsoa, lad, ladName, stp, stpName string }

var unknownPlace = place{Unknown, Unknown, Unknown, Unknown, Unknown}

func (g *Generaliser) place(area int32) place {
	if g == nil || area < 0 {
		return unknownPlace
	}
	a := &g.geo.Areas[area]
	return place{a.LSOA, a.LAD, a.LADName, a.STP, a.STPName}
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
// National Statistics Postcode Lookup call them pcds (or pcd, pcd7, pcd8)
// and lsoa11 (lsoa11cd in some extracts).
var (
	postcodeColumns = []string{"pcds", "pcd", "pcd7", "pcd8"}
	lsoaColumns     = []string{"lsoa11", "lsoa11cd"}
)

// ErrPostcodeLookup reports a postcode lookup file that cannot be read.
var ErrPostcodeLookup = errors.New("postcode lookup")

// LoadPostcodeLookup reads a postcode → LSOA lookup: a CSV file with a
// header naming a postcode column (pcds) and an LSOA 2011 column (lsoa11),
// as in ONS NSPL/ONSPD. Keys are normalised postcodes; rows without an LSOA
// (e.g. terminated or non-geographic postcodes) are skipped.
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

func column(head []string, names []string) int {
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for _, n := range names {
			if h == n {
				return i
			}
		}
	}
	return -1
}
