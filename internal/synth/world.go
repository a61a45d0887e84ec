package synth

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/yhcr/carecast/internal/refdata"
)

// world is the real region the synthetic one is drawn from: the places, their
// population by age and sex, their LSOAs and the services that serve them.
// It does not depend on the options other than the region, and is built
// once per region.
type world struct {
	geo    *refdata.Geography
	places []*place
	// icbTrusts lists the acute trusts serving each ICB's LSOAs, where a
	// repeat diagnostic test may go; others memoises otherProviders.
	icbTrusts map[string][]string
	others    map[[2]string][]string
	// trustShare is, of each trust's patients, the share living in the
	// region.
	trustShare map[string]float64
}

type place struct {
	lad, name  string
	icb        string // the ICB holding most of the place
	gpPrefix   string
	population []refdata.PopulationRow // ages 0–90, 90 meaning 90 and over; ICB parts added up
	areas      []area
}

// area is one LSOA of a place.
type area struct {
	lsoa      string
	icb       string
	share     float64 // of the place's population
	cum       float64 // cumulative share up to and including this LSOA
	catchment catchment
	optOut    float64 // national data opt-out rate of its sub-ICB location (its CCG's), as a probability
}

var (
	worldsMu sync.Mutex
	worlds   = map[string]*world{}
)

// loadWorld returns the world of a region (a preset or ICB codes; none is
// the default, Yorkshire & Humber), built once.
func loadWorld(region []string) (*world, error) {
	if len(region) == 0 {
		region = []string{DefaultRegion}
	}
	key := strings.Join(region, ",")
	worldsMu.Lock()
	defer worldsMu.Unlock()
	if w, ok := worlds[key]; ok {
		return w, nil
	}
	geo, err := refdata.NewGeography(region...)
	if err != nil {
		return nil, err
	}
	w, err := buildWorld(geo)
	if err != nil {
		return nil, err
	}
	worlds[key] = w
	return w, nil
}

// DefaultRegion is the region generated when Options.Region is empty.
const DefaultRegion = "yorkshire-humber"

func buildWorld(geo *refdata.Geography) (*world, error) {
	pop, err := geo.Population(2020)
	if err != nil {
		return nil, err
	}
	rates, err := refdata.OptOutRates()
	if err != nil {
		return nil, err
	}
	optOut := optOutRates(rates)
	catchments, err := refdata.TrustCatchments()
	if err != nil {
		return nil, err
	}
	trusts, err := refdata.Trusts()
	if err != nil {
		return nil, err
	}
	areaPop := geo.AreaPopulation2020()
	w := &world{geo: geo, icbTrusts: map[string][]string{}, trustShare: map[string]float64{}}
	// The share of each district's population inside the region, for the
	// share of each trust's patients who live in the region.
	inRegion := map[string]float64{}
	for i, a := range geo.Areas {
		inRegion[a.District] += areaPop[i]
	}
	england, err := englandDistricts()
	if err != nil {
		return nil, err
	}
	for d, n := range inRegion {
		if total := england[d]; total > 0 {
			inRegion[d] = min(1, n/total)
		}
	}
	for _, d := range slices.Sorted(maps.Keys(inRegion)) {
		for _, c := range catchments[d] {
			w.trustShare[c.Trust] += c.ShareOfTrust * inRegion[d]
		}
	}
	byLAD := map[string][]refdata.PopulationRow{}
	for _, r := range pop {
		rows := byLAD[r.LAD]
		if len(rows) == 0 || rows[len(rows)-1].Age != r.Age {
			rows = append(rows, refdata.PopulationRow{LAD: r.LAD, ICB: r.ICB, Age: r.Age})
		}
		rows[len(rows)-1].Male += r.Male
		rows[len(rows)-1].Female += r.Female
		byLAD[r.LAD] = rows
	}
	for i, p := range geo.Places {
		pl := &place{lad: p.LAD, name: p.LADName, icb: p.ICB, population: byLAD[p.LAD]}
		slices.SortFunc(pl.population, func(a, b refdata.PopulationRow) int { return cmp.Compare(a.Age, b.Age) })
		if len(pl.population) == 0 {
			return nil, fmt.Errorf("no mid-2020 population for %s (%s)", p.LAD, p.LADName)
		}
		var total float64
		for j := p.LSOAFirst; j < p.LSOAEnd; j++ {
			total += areaPop[j]
		}
		if total == 0 {
			return nil, fmt.Errorf("no LSOA population for %s (%s)", p.LAD, p.LADName)
		}
		var cum float64
		for j := p.LSOAFirst; j < p.LSOAEnd; j++ {
			a := geo.Areas[j]
			c, err := areaCatchment(geo, a, catchments[a.District], trusts)
			if err != nil {
				return nil, err
			}
			sub, _ := geo.SubICB(a.SubICB)
			rate, ok := optOut[sub.ODS]
			if !ok {
				return nil, fmt.Errorf("no national data opt-out rate for sub-ICB location %s (%s)", sub.ODS, sub.Name)
			}
			share := areaPop[j] / total
			cum += share
			pl.areas = append(pl.areas, area{lsoa: a.LSOA, icb: a.ICB, share: share, cum: cum, catchment: c, optOut: rate})
			if !slices.Contains(w.icbTrusts[a.ICB], c.acute) {
				w.icbTrusts[a.ICB] = append(w.icbTrusts[a.ICB], c.acute)
			}
		}
		pl.areas[len(pl.areas)-1].cum = 1
		pl.gpPrefix = gpPrefix(pl, i)
		w.places = append(w.places, pl)
	}
	for _, ts := range w.icbTrusts {
		slices.Sort(ts)
	}
	// Filled now, so that generators sharing the world only read it.
	w.others = map[[2]string][]string{}
	for _, pl := range w.places {
		for i := range pl.areas {
			w.otherProviders(&pl.areas[i])
		}
	}
	return w, nil
}

// englandDistricts is the estimated mid-2020 population of every district
// (LAD 2022) of England.
var englandDistricts = sync.OnceValues(func() (map[string]float64, error) {
	g, err := refdata.NewGeography("england")
	if err != nil {
		return nil, err
	}
	areaPop := g.AreaPopulation2020()
	out := map[string]float64{}
	for i, a := range g.Areas {
		out[a.District] += areaPop[i]
	}
	return out, nil
})

// optOutRates indexes the April 2022 rates by CCG code, which the sub-ICB
// locations of 2024 kept.
func optOutRates(rates []refdata.CCGOptOut) map[string]float64 {
	out := make(map[string]float64, len(rates))
	for _, r := range rates {
		out[r.CCGCode] = r.RatePct / 100
	}
	return out
}

// gpPrefix is the prefix of a place's synthetic GP practice codes: the
// real one of its region where districtInfos knows it, else "Y" and the
// place's number in the region (Y is an ODS prefix of practices everywhere).
func gpPrefix(pl *place, i int) string {
	for _, a := range pl.areas {
		if info, ok := districtInfos[a.catchment.district]; ok {
			return info.gpPrefix
		}
	}
	return "Y" + pad2(i+1)
}

func pad2(n int) string {
	s := strconv.Itoa(n % 100)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

// hashShare maps a code to a fixed number in [0, 1): where in its
// district's trust shares an LSOA falls, the same in every run. FNV-1a's
// high bits barely move between codes that differ in their last digits,
// so its hash is mixed by splitmix64's finaliser first.
func hashShare(code string) float64 {
	h := fnv.New64a()
	h.Write([]byte(code))
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}
