package synth

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/refdata"
)

// districtInfo is what the generator knows of a district beyond the ONS
// figures, for the districts of Yorkshire & Humber: its real postcode
// districts, the prefix of its GP practices' ODS codes and its community
// services provider.
type districtInfo struct {
	town      string
	districts []string
	gpPrefix  string
	community string
}

// districtInfos is keyed by district (LAD 2022) code. Community providers:
// RY6 Leeds Community Healthcare, TAD Bradford District Care, RXG South
// West Yorkshire Partnership, RXE Rotherham Doncaster and South Humber, RHA
// Nottinghamshire Healthcare, RV9 Humber Teaching, and acute trusts that run
// their area's community services (RWA Hull, RJL Northern Lincolnshire and
// Goole, RCB York and Scarborough, RCD Harrogate, RFR Rotherham, RHQ
// Sheffield, RWY Calderdale and Huddersfield, RXF Mid Yorkshire).
// Elsewhere people carry no postcode (their LSOA places them), practices
// are numbered under a "Y" prefix, and the acute trust of their LSOA
// provides community services.
var districtInfos = map[string]districtInfo{
	"E06000010": {"Hull", districts("HU", 1, 9), "B81", "RV9"},
	"E06000011": {"Beverley", append(districts("HU", 10, 20), "YO15", "YO16", "YO25", "YO42", "YO43", "DN14"), "B81", "RV9"},
	"E06000012": {"Grimsby", append(districts("DN", 31, 37), "DN41"), "B81", "RJL"},
	"E06000013": {"Scunthorpe", districts("DN", 15, 20), "B81", "RJL"},
	"E06000014": {"York", []string{"YO1", "YO10", "YO23", "YO24", "YO26", "YO30", "YO31", "YO32"}, "B82", "RCB"},
	"E07000163": {"Skipton", []string{"BD23", "BD24"}, "B82", "TAD"},
	"E07000164": {"Northallerton", []string{"DL6", "DL7", "YO7", "YO61"}, "B82", "RCB"},
	"E07000165": {"Harrogate", districts("HG", 1, 5), "B82", "RCD"},
	"E07000166": {"Richmond", districts("DL", 8, 11), "B82", "RCB"},
	"E07000167": {"Malton", []string{"YO17", "YO18", "YO60", "YO62"}, "B82", "RCB"},
	"E07000168": {"Scarborough", []string{"YO11", "YO12", "YO13", "YO14", "YO21", "YO22"}, "B82", "RCB"},
	"E07000169": {"Selby", []string{"YO8", "LS24"}, "B82", "RCB"},
	"E07000171": {"Worksop", []string{"S80", "S81", "DN22"}, "C84", "RHA"},
	"E08000016": {"Barnsley", districts("S", 70, 75), "C85", "RXG"},
	"E08000017": {"Doncaster", districts("DN", 1, 12), "C86", "RXE"},
	"E08000018": {"Rotherham", districts("S", 60, 66), "C87", "RFR"},
	"E08000019": {"Sheffield", append(districts("S", 1, 14), "S17", "S20", "S35", "S36"), "C88", "RHQ"},
	"E08000032": {"Bradford", districts("BD", 1, 19), "B83", "TAD"},
	"E08000033": {"Halifax", districts("HX", 1, 7), "B84", "RWY"},
	"E08000034": {"Huddersfield", districts("HD", 1, 9), "B85", "RXG"},
	"E08000035": {"Leeds", districts("LS", 1, 29), "B86", "RY6"},
	"E08000036": {"Wakefield", districts("WF", 1, 11), "B87", "RXF"},
}

func districts(area string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, area+strconv.Itoa(i))
	}
	return out
}

// catchment is where the people of one LSOA live and go to hospital.
type catchment struct {
	district  string // LAD 2022
	town      string
	districts []string // postcode districts; none where unknown
	acute     string
	childAE   string // A&E trust for under-16s
	community string
}

// Thresholds of the trust catchments: an acute trust serves an LSOA of a
// district if it admits at least minAcuteShare of the district's patients
// (LSOAs are shared between such trusts in proportion); a children's trust
// takes the district's under-16s to A&E if it admits at least
// minChildShare of all the district's patients — more than the district's
// children's own share of admissions, so that a children's trust's
// regional specialties do not make it a district's A&E (Sheffield
// Children's admits 34 % of Sheffield's patients, 11 % of Rotherham's).
const (
	minAcuteShare = 0.10
	minChildShare = 0.15
)

// areaCatchment finds an LSOA's catchment from OHID's acute trust
// catchments of its district (refdata.TrustCatchments): its acute trust is
// one of the district's main general acute trusts, drawn for the LSOA in
// proportion to their shares (the same in every run).
func areaCatchment(geo *refdata.Geography, a refdata.Area, cells []refdata.Catchment, trusts map[string]refdata.Trust) (catchment, error) {
	c := catchment{district: a.District, town: townOf(geo.LADName(a.District))}
	var main []refdata.Catchment
	var total float64
	var best, child refdata.Catchment
	for _, x := range cells {
		switch trusts[x.Trust].Kind {
		case "acute":
			if x.ShareOfDistrict > best.ShareOfDistrict {
				best = x
			}
			if x.ShareOfDistrict >= minAcuteShare {
				main = append(main, x)
				total += x.ShareOfDistrict
			}
		case "children":
			if x.ShareOfDistrict >= minChildShare && x.ShareOfDistrict > child.ShareOfDistrict {
				child = x
			}
		}
	}
	if best.Trust == "" {
		return catchment{}, fmt.Errorf("no acute trust serves district %s (%s)", a.District, geo.LADName(a.District))
	}
	c.acute = best.Trust
	u, cum := hashShare(a.LSOA)*total, 0.0
	for _, x := range main {
		cum += x.ShareOfDistrict
		if u < cum {
			c.acute = x.Trust
			break
		}
	}
	c.childAE, c.community = c.acute, c.acute
	if child.Trust != "" {
		c.childAE = child.Trust
	}
	if info, ok := districtInfos[a.District]; ok {
		c.town, c.districts, c.community = info.town, info.districts, info.community
	}
	return c, nil
}

// townOf makes a town for addresses of a district's name ("Bristol, City
// of" → "Bristol").
func townOf(name string) string {
	if i := strings.IndexByte(name, ','); i > 0 {
		return name[:i]
	}
	return name
}

// aeWinter is the amplitude of a winter peak laid over each trust's real
// monthly shape. The region's real type-1 attendances of 2016–2019 peak in
// early summer (January a day is about 6 % below July); carecast's demo is
// asked for a winter A&E peak as well, and a 6 % term gives January above
// July while keeping every month within 10 % of its real figure.
const aeWinter = 0.06

// minRegionShare is the share of a trust's patients who must live in the
// region for its own figures to calibrate it: a trust mostly serving people
// outside the region would be calibrated on a catchment the region lacks.
const minRegionShare = 0.5

// aeCalibration holds, per A&E trust, the multiplier on the age-sex A&E
// rates and the seasonal factor of each calendar month. A trust with real
// monthly type-1 attendances (refdata.AEType1) of which at least
// minRegionShare come from the region is calibrated on its own figures:
// the attendances of the region's residents (its real attendances times
// that share, from OHID's catchments) against its catchment population at
// the model's rates, so that at scale 1 the synthetic region reproduces
// each trust's level and seasonal shape. Every other trust is calibrated on
// England's: its type-1 attendances against England's population.
type aeCalibration struct {
	trusts []string
	index  map[string]int
	level  []float64     // multiplier on serviceRates' A&E rates
	season [][12]float64 // attendances a day in each calendar month ÷ the year's mean a day
	// monthly is the real mean attendances by the region's residents in
	// each calendar month, for the trusts calibrated on their own figures;
	// own says which.
	monthly [][12]float64
	own     []bool
}

// calibrateAE derives the calibration from the real figures, the model's
// A&E rates and the catchment population at scale 1.
func calibrateAE(w *world, rates *rateTable) (*aeCalibration, error) {
	months, err := refdata.AEType1()
	if err != nil {
		return nil, err
	}
	type figures struct{ attendances, days [12]float64 }
	real := map[string]*figures{}
	for _, m := range months {
		f := real[m.Trust]
		if f == nil {
			f = &figures{}
			real[m.Trust] = f
		}
		mo := m.Month.Month() - 1
		f.attendances[mo] += float64(m.Attendances)
		f.days[mo] += float64(daysInMonth(m.Month))
	}
	eng := real[refdata.England]
	if eng == nil {
		return nil, fmt.Errorf("no A&E figures for England")
	}
	cal := &aeCalibration{index: map[string]int{}}
	add := func(t string) {
		if _, ok := cal.index[t]; !ok {
			cal.index[t] = len(cal.trusts)
			cal.trusts = append(cal.trusts, t)
		}
	}
	for _, pl := range w.places {
		for _, a := range pl.areas {
			add(a.catchment.acute)
			add(a.catchment.childAE)
		}
	}
	slices.Sort(cal.trusts)
	for i, t := range cal.trusts {
		cal.index[t] = i
	}
	// The expected attendances a year at the model's rates, before the
	// multiplier, of each trust's catchment in the region.
	expected := make([]float64, len(cal.trusts))
	for _, pl := range w.places {
		for _, a := range pl.areas {
			for _, row := range pl.population {
				for sex, n := range [2]float64{row.Male, row.Female} {
					trust := a.catchment.acute
					if row.Age < 16 {
						trust = a.catchment.childAE
					}
					expected[cal.index[trust]] += n * a.share * rates[canonical.AEAttendance][sex][row.Age]
				}
			}
		}
	}
	national, err := englandExpectedAE(rates)
	if err != nil {
		return nil, err
	}
	n := len(cal.trusts)
	cal.level, cal.season, cal.monthly, cal.own = make([]float64, n), make([][12]float64, n), make([][12]float64, n), make([]bool, n)
	for i, t := range cal.trusts {
		f, share, exp := eng, 1.0, national
		if own := real[t]; own != nil && w.trustShare[t] >= minRegionShare {
			f, share, exp, cal.own[i] = own, w.trustShare[t], expected[i], true
		}
		if exp == 0 {
			return nil, fmt.Errorf("A&E trust %s: no catchment population", t)
		}
		var total, totalDays float64
		for m := range 12 {
			if f.days[m] == 0 {
				return nil, fmt.Errorf("A&E trust %s: no figures for %s", t, time.Month(m+1))
			}
			total += f.attendances[m]
			totalDays += f.days[m]
		}
		perDay := total / totalDays
		cal.level[i] = perDay * share * 365.25 / exp
		var norm float64
		for m := range 12 {
			real := f.attendances[m] / f.days[m] / perDay
			cal.season[i][m] = real * (1 + aeWinter*math.Cos(2*math.Pi*float64(m)/12))
			norm += cal.season[i][m] * f.days[m] / totalDays
			if cal.own[i] {
				cal.monthly[i][m] = share * f.attendances[m] / f.days[m] * float64(daysInMonth(time.Date(2019, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)))
			}
		}
		for m := range 12 {
			cal.season[i][m] /= norm
		}
	}
	return cal, nil
}

// englandExpectedAE is England's type-1 attendances a year at the model's
// rates, before any multiplier, from its mid-2020 population.
func englandExpectedAE(rates *rateTable) (float64, error) {
	pop, err := englandPopulation()
	if err != nil {
		return 0, err
	}
	var out float64
	for _, row := range pop {
		for sex, n := range [2]float64{row.Male, row.Female} {
			out += n * rates[canonical.AEAttendance][sex][min(row.Age, maxAge)]
		}
	}
	return out, nil
}

var englandPopulation = sync.OnceValues(func() ([]refdata.PopulationRow, error) {
	g, err := refdata.NewGeography("england")
	if err != nil {
		return nil, err
	}
	return g.Population(2020)
})

func daysInMonth(t time.Time) int {
	y, m, _ := t.Date()
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// otherProviders lists the acute trusts serving the same ICB as an LSOA,
// other than its own, where a repeat diagnostic test may go.
func (w *world) otherProviders(a *area) []string {
	key := [2]string{a.icb, a.catchment.acute}
	if o, ok := w.others[key]; ok {
		return o
	}
	o := slices.DeleteFunc(slices.Clone(w.icbTrusts[a.icb]), func(t string) bool { return t == a.catchment.acute })
	w.others[key] = o
	return o
}
