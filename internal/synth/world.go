package synth

import (
	"fmt"
	"strings"
	"sync"

	"github.com/yhcr/carecast/internal/refdata"
)

// world is the real region the synthetic one is drawn from: the places, their
// population by age and sex, their LSOAs and the services that serve them.
// It does not depend on the options and is built once.
type world struct {
	places []*place
}

type place struct {
	lad, name  string
	stp        string
	info       placeInfo
	population []refdata.PopulationRow // ages 0–90, 90 meaning 90 and over
	areas      []area
}

// area is one LSOA of a place.
type area struct {
	lsoa      string
	share     float64 // of the place's population
	cum       float64 // cumulative share up to and including this LSOA
	catchment catchment
	optOut    float64 // national data opt-out rate of its CCG, as a probability
}

var (
	worldOnce sync.Once
	theWorld  *world
	worldErr  error
)

func loadWorld() (*world, error) {
	worldOnce.Do(func() { theWorld, worldErr = buildWorld() })
	return theWorld, worldErr
}

func buildWorld() (*world, error) {
	geo, err := refdata.YorkshireHumber()
	if err != nil {
		return nil, err
	}
	pop, err := refdata.Population2020()
	if err != nil {
		return nil, err
	}
	lsoaPop, err := refdata.LSOAPopulation2020()
	if err != nil {
		return nil, err
	}
	rates, err := refdata.OptOutRates()
	if err != nil {
		return nil, err
	}
	w := &world{}
	for _, p := range geo.Places {
		pl := &place{lad: p.LAD, name: p.LADName, stp: p.STPCode, info: placeInfos[p.LAD]}
		for _, r := range pop {
			if r.LAD == p.LAD {
				pl.population = append(pl.population, r)
			}
		}
		if len(pl.population) == 0 {
			return nil, fmt.Errorf("no mid-2020 population for %s (%s)", p.LAD, p.LADName)
		}
		var total float64
		for _, a := range geo.Areas[p.LSOAFirst:p.LSOAEnd] {
			total += float64(lsoaPop[a.LSOA])
		}
		if total == 0 {
			return nil, fmt.Errorf("no LSOA population for %s (%s)", p.LAD, p.LADName)
		}
		var cum float64
		for _, a := range geo.Areas[p.LSOAFirst:p.LSOAEnd] {
			c, err := areaCatchment(a)
			if err != nil {
				return nil, err
			}
			rate, err := optOutRate(rates, a)
			if err != nil {
				return nil, err
			}
			share := float64(lsoaPop[a.LSOA]) / total
			cum += share
			pl.areas = append(pl.areas, area{lsoa: a.LSOA, share: share, cum: cum, catchment: c, optOut: rate})
		}
		pl.areas[len(pl.areas)-1].cum = 1
		w.places = append(w.places, pl)
	}
	return w, nil
}

// optOutRate finds the national data opt-out rate of an LSOA's CCG. The
// April 2022 table postdates the 2020 geography's CCGs in places where CCGs
// merged (Greater Huddersfield and North Kirklees into Kirklees), so a CCG
// code missing from the table falls back to the CCG named for the place.
func optOutRate(rates []refdata.CCGOptOut, a refdata.Area) (float64, error) {
	for _, r := range rates {
		if r.CCGCode == a.CCGCode {
			return r.RatePct / 100, nil
		}
	}
	for _, r := range rates {
		if strings.Contains(r.CCGName, a.LADName) {
			return r.RatePct / 100, nil
		}
	}
	return 0, fmt.Errorf("no national data opt-out rate for CCG %s (%s)", a.CCGCode, a.CCGName)
}
