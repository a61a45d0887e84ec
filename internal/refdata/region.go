package refdata

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Region is a set of Integrated Care Boards: a preset (the Local Health and
// Care Record Exemplars, or all of England) or a list of ICB codes.
type Region struct {
	// Name is the preset's name, or "" for a list of ICBs.
	Name string
	// ICBs are the ONS codes (E54…) of the region's ICBs, sorted.
	ICBs []string
}

// Presets name the regions of the five LHCREs by the NHS codes of their
// ICBs, and England. South Yorkshire ICB (E54000061) is the successor of
// the South Yorkshire and Bassetlaw STP without Bassetlaw, which lies in
// Nottingham and Nottinghamshire ICB since July 2022.
var Presets = map[string][]string{
	"yorkshire-humber":   {"QWO", "QOQ", "QF7"},
	"greater-manchester": {"QOP"},
	"wessex":             {"QRL", "QVV"},
	"thames-valley":      {"QU9", "QNQ"},
	"one-london":         {"QMJ", "QMF", "QKK", "QWE", "QRV"},
	"england":            nil, // every ICB
}

// presetTitles name the presets as people do.
var presetTitles = map[string]string{
	"yorkshire-humber":   "Yorkshire & Humber",
	"greater-manchester": "Greater Manchester",
	"wessex":             "Wessex",
	"thames-valley":      "Thames Valley",
	"one-london":         "One London",
	"england":            "England",
}

// Title names a region as people do: its preset's name (Greater
// Manchester), or its ICBs' names without "NHS" and "Integrated Care
// Board" (up to three of them), or "" for more.
func (r Region) Title(names *Names) string {
	if t, ok := presetTitles[r.Name]; ok {
		return t
	}
	if len(r.ICBs) > 3 || names == nil {
		return ""
	}
	var out []string
	for _, c := range r.ICBs {
		icb, _ := names.ICB(c)
		out = append(out, strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(icb.Name, "NHS "), "Integrated Care Board")))
	}
	return strings.Join(out, ", ")
}

// PresetNames lists the presets in a stable order, for messages and docs.
func PresetNames() []string {
	return []string{"yorkshire-humber", "greater-manchester", "wessex", "thames-valley", "one-london", "england"}
}

// ErrRegion reports a region that names no preset or unknown ICBs.
var ErrRegion = errors.New("unknown region")

// ParseRegion resolves a region given as one preset name or as ICB codes,
// NHS (Q…) or ONS (E54…), against the ICBs of names (the embedded ones
// when names is nil).
func ParseRegion(items []string, names *Names) (Region, error) {
	if names == nil {
		n, err := embeddedNames()
		if err != nil {
			return Region{}, err
		}
		names = n
	}
	var clean []string
	for _, it := range items {
		for _, s := range strings.Split(it, ",") {
			if s = strings.TrimSpace(s); s != "" {
				clean = append(clean, s)
			}
		}
	}
	if len(clean) == 0 {
		return Region{}, fmt.Errorf("%w: empty (a preset: %s; or ICB codes)", ErrRegion, strings.Join(PresetNames(), ", "))
	}
	if len(clean) == 1 {
		if codes, ok := Presets[strings.ToLower(clean[0])]; ok {
			r := Region{Name: strings.ToLower(clean[0])}
			if codes == nil {
				for _, icb := range names.ICBs() {
					r.ICBs = append(r.ICBs, icb.Code)
				}
				return r, nil
			}
			for _, c := range codes {
				icb, ok := names.ICB(c)
				if !ok {
					return Region{}, fmt.Errorf("%w: preset %s names ICB %s, which the geography lacks", ErrRegion, r.Name, c)
				}
				r.ICBs = append(r.ICBs, icb.Code)
			}
			slices.Sort(r.ICBs)
			return r, nil
		}
	}
	var r Region
	var unknown []string
	for _, c := range clean {
		icb, ok := names.ICB(c)
		if !ok {
			unknown = append(unknown, c)
			continue
		}
		if !slices.Contains(r.ICBs, icb.Code) {
			r.ICBs = append(r.ICBs, icb.Code)
		}
	}
	if len(unknown) > 0 {
		hint := "a preset (" + strings.Join(PresetNames(), ", ") + ") or ICB codes such as QOP or E54000057"
		if len(clean) == 1 {
			return Region{}, fmt.Errorf("%w %q: want %s", ErrRegion, unknown[0], hint)
		}
		return Region{}, fmt.Errorf("%w: unknown ICB codes %s: want %s", ErrRegion, strings.Join(unknown, ", "), hint)
	}
	slices.Sort(r.ICBs)
	return r, nil
}

// String names the region: its preset, or its ICBs' NHS codes.
func (r Region) String() string {
	if r.Name != "" {
		return r.Name
	}
	return strings.Join(r.ICBs, ",")
}

// Has reports whether the region includes an ICB (ONS code).
func (r Region) Has(icb string) bool {
	_, ok := slices.BinarySearch(r.ICBs, icb)
	return ok
}
